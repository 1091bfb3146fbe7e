/**
 * Pure logic of the prediction track: which frame is under a time, the class colour columns and
 * confidence of the visible window, where the prediction disagrees with the labels, and how
 * accepting predictions changes the labels (painted over, as a user's own drag would).
 */
import type { PredictionView, TierKind } from '../../engine/api'
import { segmentAt, type Segment } from './segments'
import { place } from './tiers'
import type { Viewport } from './timescale'

/** Frame index whose centre is nearest to `t`, clamped to the prediction. */
export function frameAt(p: PredictionView, t: number): number {
  return Math.max(0, Math.min(p.labels.length - 1, Math.round((t - p.start) / p.hop)))
}

/** Per pixel column of the viewport: the predicted class (−1 outside) and its confidence. */
export function columns(
  p: PredictionView,
  v: Viewport,
): { labels: Int32Array; confidence: Float32Array } {
  const W = Math.max(1, Math.floor(v.width))
  const labels = new Int32Array(W).fill(-1)
  const confidence = new Float32Array(W)
  const end = p.start + p.hop * (p.labels.length - 0.5)
  for (let x = 0; x < W; x++) {
    const t = v.start + ((x + 0.5) / v.width) * v.span
    if (t < p.start - p.hop / 2 || t > end) continue
    const f = frameAt(p, t)
    labels[x] = p.labels[f]
    confidence[x] = p.confidence[f]
  }
  return { labels, confidence }
}

/**
 * Stretches where the predicted class differs from the labelled one (background where no
 * segment is), merged across frames: [start, end) in seconds.
 */
export function disagreements(
  p: PredictionView,
  segments: readonly Segment[],
  background: string | null,
): [number, number][] {
  const out: [number, number][] = []
  let open: number | null = null
  for (let f = 0; f < p.labels.length; f++) {
    const t = p.start + f * p.hop
    const i = segmentAt(segments, t)
    const labelled = i >= 0 ? segments[i].label : background
    const differs = labelled !== null && p.classes[p.labels[f]] !== labelled
    if (differs && open === null) open = t - p.hop / 2
    if (!differs && open !== null) {
      out.push([Math.max(0, open), t - p.hop / 2])
      open = null
    }
  }
  if (open !== null) out.push([Math.max(0, open), p.start + (p.labels.length - 0.5) * p.hop])
  return out
}

/** The predicted segment under `t`, or −1. */
export function predictedAt(p: PredictionView, t: number): number {
  return p.segments.findIndex((s) => s.start <= t && t < s.end)
}

/**
 * Labels after accepting predicted segments (all, or those overlapping [from, to)): painted over
 * an exclusive tier's labels, added beside an overlapping tier's (a multi-label prediction's
 * events keep their overlaps).
 */
export function accept(
  labels: readonly Segment[],
  predicted: readonly Segment[],
  from = -Infinity,
  to = Infinity,
  kind: TierKind = 'exclusive',
): Segment[] {
  let out = [...labels]
  for (const s of predicted) {
    const start = Math.max(s.start, from)
    const end = Math.min(s.end, to)
    if (end > start) out = place(kind, out, start, end, s.label).segments
  }
  return out
}

/** Frame stretches with confidence below `threshold`, for the "next low-confidence stretch" key. */
export function nextLowConfidence(
  p: PredictionView,
  after: number,
  threshold = 0.6,
): number | null {
  for (let f = frameAt(p, after) + 1; f < p.labels.length; f++)
    if (p.confidence[f] < threshold && (f === 0 || p.confidence[f - 1] >= threshold))
      return p.start + f * p.hop
  return null
}

/** The first predicted segment starting after `t` that is not in `skip` (rejected ones), or −1. */
export function nextPredicted(p: PredictionView, t: number, skip: ReadonlySet<number>): number {
  return p.segments.findIndex((s, j) => s.start > t && !skip.has(j))
}

/** The predicted segments not rejected: what "Accept all" takes. */
export function unrejected(p: PredictionView, rejected: ReadonlySet<number>): Segment[] {
  return p.segments.filter((_, j) => !rejected.has(j))
}
