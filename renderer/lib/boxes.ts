/**
 * Time–frequency boxes: segments with lowFreq and highFreq, drawn and edited on the spectrogram.
 * Pure functions over (seconds, Hz); the component maps pixels through the frequency axis
 * (lib/freq-axis.ts). A box is drawn, moved (in time and frequency) and resized by any of its
 * four edges, always kept inside the file and the axis and at least MIN_LENGTH s / MIN_HZ wide.
 */
import type { Segment } from '../../engine/api'
import { byStart, MIN_LENGTH } from './segments'

/** Narrowest band an edit may leave, Hz. */
export const MIN_HZ = 1

export type BoxPart = 'body' | 'start' | 'end' | 'low' | 'high'

/** A segment with both frequency bounds. */
export type Box = Segment & { lowFreq: number; highFreq: number }

/** A band to draw: both bounds, the upper above the lower (Raven writes 0–0 Hz for none). */
export const isBox = (s: Segment): s is Box =>
  typeof s.lowFreq === 'number' && typeof s.highFreq === 'number' && s.highFreq > s.lowFreq

/** Pixel mapping of the surface the boxes are drawn on. */
export interface BoxSurface {
  x(t: number): number
  y(hz: number): number
}

/** Where a box is drawn: left, top, right, bottom in px. */
export function rectOf(s: Box, p: BoxSurface): [number, number, number, number] {
  return [p.x(s.start), p.y(s.highFreq), p.x(s.end), p.y(s.lowFreq)]
}

/**
 * The box under (x, y) and which part: an edge within `edgePx` (nearest first), else the body;
 * among nested boxes the smallest one wins, so an inner box stays reachable.
 */
export function hitBox(
  segments: readonly Segment[],
  p: BoxSurface,
  x: number,
  y: number,
  edgePx = 5,
): { index: number; part: BoxPart } | null {
  let best: { index: number; part: BoxPart; d: number; area: number } | null = null
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]
    if (!isBox(s)) continue
    const [l, t, r, b] = rectOf(s, p)
    if (x < l - edgePx || x > r + edgePx || y < t - edgePx || y > b + edgePx) continue
    const edges: [BoxPart, number][] = [
      ['start', Math.abs(x - l)],
      ['end', Math.abs(x - r)],
      ['high', Math.abs(y - t)],
      ['low', Math.abs(y - b)],
    ]
    const [part, d] = edges.reduce((m, e) => (e[1] < m[1] ? e : m))
    const inside = x >= l && x <= r && y >= t && y <= b
    const hit: BoxPart | null = d <= edgePx ? part : inside ? 'body' : null
    if (!hit) continue
    const area = (r - l) * (b - t)
    const dist = hit === 'body' ? edgePx + 1 : d
    if (!best || dist < best.d || (dist === best.d && area < best.area))
      best = { index: i, part: hit, d: dist, area }
  }
  return best && { index: best.index, part: best.part }
}

/** The box spanned by two corners (any order), clamped to [0, duration] × [0, fTop]. */
export function boxFrom(
  t0: number,
  f0: number,
  t1: number,
  f1: number,
  duration: number,
  fTop: number,
): { start: number; end: number; lowFreq: number; highFreq: number } {
  const ct = (t: number) => Math.min(duration, Math.max(0, t))
  const cf = (f: number) => Math.min(fTop, Math.max(0, f))
  const start = ct(Math.min(t0, t1))
  const lowFreq = cf(Math.min(f0, f1))
  return {
    start,
    end: Math.max(ct(Math.max(t0, t1)), start + MIN_LENGTH),
    lowFreq,
    highFreq: Math.max(cf(Math.max(f0, f1)), lowFreq + MIN_HZ),
  }
}

/**
 * Box `s` dragged by `part`: the body shifted by (dt, df) from where it was grabbed, an edge to
 * the pointer's time `t` or frequency `f`; inside the file and the axis.
 */
export function dragBox(
  s: Box,
  part: BoxPart,
  at: { dt: number; df: number; t: number; f: number },
  duration: number,
  fTop: number,
): Box {
  if (part === 'body') {
    const len = s.end - s.start
    const bw = s.highFreq - s.lowFreq
    const start = Math.min(Math.max(0, s.start + at.dt), Math.max(0, duration - len))
    const lowFreq = Math.min(Math.max(0, s.lowFreq + at.df), Math.max(0, fTop - bw))
    return { ...s, start, end: start + len, lowFreq, highFreq: lowFreq + bw }
  }
  if (part === 'start') return { ...s, start: Math.min(Math.max(0, at.t), s.end - MIN_LENGTH) }
  if (part === 'end') return { ...s, end: Math.max(Math.min(duration, at.t), s.start + MIN_LENGTH) }
  if (part === 'low') return { ...s, lowFreq: Math.min(Math.max(0, at.f), s.highFreq - MIN_HZ) }
  return { ...s, highFreq: Math.max(Math.min(fTop, at.f), s.lowFreq + MIN_HZ) }
}

/** `segments` with segment `index` replaced by `changed`, sorted; and its new index. */
export function withBox(
  segments: readonly Segment[],
  index: number,
  changed: Segment,
): { segments: Segment[]; index: number } {
  const out = segments.map((s, i) => (i === index ? changed : s)).sort(byStart)
  return { segments: out, index: out.indexOf(changed) }
}
