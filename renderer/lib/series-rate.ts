/**
 * Whether the open CSV series is placed at a rate the user gives (rows per second) rather than by
 * a time column of its own: it has a rate set (setSeriesRate), or the engine says it has no time
 * column (getSeries' warning, media/view-windows.ts, until a rate is given).
 */
import type { MediaEntry } from '../../engine/api'

export function takesRate(media: MediaEntry | null, warnings: readonly string[]): boolean {
  if (media?.kind !== 'series') return false
  return media.seriesRate !== undefined || warnings.some((w) => w.includes('no time column'))
}
