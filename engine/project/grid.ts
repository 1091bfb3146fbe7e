/**
 * The label editor's frame grid: the hop of the project's feature settings (what training
 * uses when the run names none), so snapped edges fall on frame boundaries. Settings for the
 * other kind of media, or unreadable ones, leave that kind at the FeatureSpec defaults.
 */
import { parseFeatureSpec, type FeatureSpec } from '../features/spec'

export function gridHops(features: Record<string, unknown>): { audio: number; seriesRows: number } {
  const spec = (kind: FeatureSpec['kind']): FeatureSpec => {
    try {
      if (features.kind === kind) return parseFeatureSpec(features)
    } catch {
      // invalid settings are reported where they are used (training); the grid falls back
    }
    return parseFeatureSpec({ kind })
  }
  const audio = spec('audio')
  const series = spec('series')
  return {
    audio: audio.kind === 'audio' ? audio.hopLength / audio.sampleRate : 0.01,
    seriesRows: series.hopLength,
  }
}
