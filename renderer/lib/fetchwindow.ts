/**
 * When the signal under the visible window must be fetched again. A fetch covers three spans
 * (one either side of the window) at a resolution of about a bucket per pixel, so scrolling
 * within a span and zooming within a pyramid level (×4) draw from what is already here.
 */
import type { Viewport } from './timescale'

/** What a previous fetch holds. */
export interface Held {
  start: number
  end: number
  /** Seconds per bucket (or per point) of the data held. */
  resolution: number
  /** True when no finer data exists (zooming in further cannot add detail). */
  finest: boolean
}

/** Buckets finer than this many per pixel are wasteful to draw: fetch a coarser level. */
const MAX_BUCKETS_PER_PX = 16

export function needsFetch(held: Held | null, v: Viewport, duration: number): boolean {
  if (!held) return true
  const end = Math.min(v.start + v.span, duration)
  if (v.start < held.start - 1e-9 || end > held.end + 1e-9) return true
  const spp = v.span / v.width
  if (held.resolution > spp * 1.0001 && !held.finest) return true
  return held.resolution * MAX_BUCKETS_PER_PX < spp
}

/** The window to ask for: the visible span plus one either side, at a bucket per pixel. */
export function fetchWindow(
  v: Viewport,
  duration: number,
): { start: number; end: number; pixels: number } {
  const start = Math.max(0, v.start - v.span)
  const end = Math.min(duration, v.start + 2 * v.span)
  return { start, end, pixels: Math.max(1, Math.ceil(((end - start) / v.span) * v.width)) }
}
