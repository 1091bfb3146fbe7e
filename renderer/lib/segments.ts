/**
 * Segment operations for the label track, pure over sorted, non-overlapping arrays: each
 * returns a new array (segments themselves are never mutated), so undo can keep old arrays.
 * Creating paints over what was there (frame-wise labels have one class per frame); moving
 * and resizing stop at the neighbours.
 */
import type { Viewport } from './timescale'
import { timeToX } from './timescale'

export interface Segment {
  start: number
  end: number
  label: string
}

/** Shortest segment an edit may leave, seconds. */
export const MIN_LENGTH = 0.001

export const byStart = (a: Segment, b: Segment): number => a.start - b.start || a.end - b.end

/** First index whose segment ends after `t` (segments sorted and non-overlapping). */
export function firstEndingAfter(segments: readonly Segment[], t: number): number {
  let lo = 0
  let hi = segments.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (segments[mid].end <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** [i0, i1): the segments that intersect [t0, t1]. */
export function visibleRange(
  segments: readonly Segment[],
  t0: number,
  t1: number,
): [number, number] {
  const i0 = firstEndingAfter(segments, t0)
  let i1 = i0
  while (i1 < segments.length && segments[i1].start <= t1) i1++
  return [i0, i1]
}

/** Index of the segment containing `t`, or -1. */
export function segmentAt(segments: readonly Segment[], t: number): number {
  const i = firstEndingAfter(segments, t)
  return i < segments.length && segments[i].start <= t ? i : -1
}

export type Part = 'start' | 'end' | 'body'

/** What is under pixel `x`: an edge within `edgePx` (the nearer one wins), a body, or null. */
export function hitTest(
  segments: readonly Segment[],
  v: Viewport,
  x: number,
  edgePx = 5,
): { index: number; part: Part } | null {
  const t = v.start + (x / v.width) * v.span
  const tol = (edgePx / v.width) * v.span
  const [i0, i1] = visibleRange(segments, t - tol, t + tol)
  let best: { index: number; part: Part; d: number } | null = null
  for (let i = i0; i < i1; i++) {
    const s = segments[i]
    for (const [part, edge] of [
      ['start', s.start],
      ['end', s.end],
    ] as const) {
      const d = Math.abs(timeToX(v, edge) - x)
      // Short segments: keep the body grabbable by only taking edges within a third of the width.
      const reach = Math.min(edgePx, (timeToX(v, s.end) - timeToX(v, s.start)) / 3)
      if (d <= reach && (!best || d < best.d)) best = { index: i, part, d }
    }
  }
  if (best) return { index: best.index, part: best.part }
  const i = segmentAt(segments, t)
  return i >= 0 ? { index: i, part: 'body' } : null
}

/** Add [start, end) of `label`, cutting back or splitting what it overlaps. */
export function paint(
  segments: readonly Segment[],
  start: number,
  end: number,
  label: string,
): { segments: Segment[]; index: number } {
  const a = Math.min(start, end)
  const b = Math.max(start, end)
  const out: Segment[] = []
  for (const s of segments) {
    if (s.end <= a || s.start >= b) out.push(s)
    else {
      if (s.start < a && a - s.start >= MIN_LENGTH) out.push({ ...s, end: a })
      if (s.end > b && s.end - b >= MIN_LENGTH) out.push({ ...s, start: b })
    }
  }
  const added = { start: a, end: b, label }
  out.push(added)
  out.sort(byStart)
  return { segments: out, index: out.indexOf(added) }
}

export function remove(segments: readonly Segment[], index: number): Segment[] {
  return segments.filter((_, i) => i !== index)
}

export function relabel(segments: readonly Segment[], index: number, label: string): Segment[] {
  return segments.map((s, i) => (i === index ? { ...s, label } : s))
}

/**
 * Move edge `part` of segment `index` to `t`, kept MIN_LENGTH long. It stops at a neighbour with
 * a gap between them; a neighbour it touches moves its own edge along (a shared boundary moves).
 */
export function resize(
  segments: readonly Segment[],
  index: number,
  part: 'start' | 'end',
  t: number,
  duration: number,
): Segment[] {
  const s = segments[index]
  const prev = index > 0 ? segments[index - 1] : null
  const next = index < segments.length - 1 ? segments[index + 1] : null
  const out = [...segments]
  if (part === 'start') {
    const shared = prev !== null && prev.end === s.start
    const lo = !prev ? 0 : shared ? prev.start + MIN_LENGTH : prev.end
    const a = Math.min(Math.max(t, lo), s.end - MIN_LENGTH)
    out[index] = { ...s, start: a }
    if (shared) out[index - 1] = { ...prev, end: a }
  } else {
    const shared = next !== null && next.start === s.end
    const hi = !next ? duration : shared ? next.end - MIN_LENGTH : next.start
    const b = Math.max(Math.min(t, hi), s.start + MIN_LENGTH)
    out[index] = { ...s, end: b }
    if (shared) out[index + 1] = { ...next, start: b }
  }
  return out
}

/** Shift segment `index` so it starts at `start`, kept between its neighbours. */
export function moveTo(
  segments: readonly Segment[],
  index: number,
  start: number,
  duration: number,
): Segment[] {
  const s = segments[index]
  const len = s.end - s.start
  const lo = index > 0 ? segments[index - 1].end : 0
  const hi = index < segments.length - 1 ? segments[index + 1].start : duration
  const a = Math.min(Math.max(start, lo), Math.max(lo, hi - len))
  return segments.map((x, i) => (i === index ? { ...s, start: a, end: a + len } : x))
}

/** Index of the first segment starting after `t` (Tab), or -1. */
export function nextSegment(segments: readonly Segment[], t: number): number {
  const i = segments.findIndex((s) => s.start > t + 1e-9)
  return i
}

/** Index of the last segment starting before `t` (Shift+Tab), or -1. */
export function previousSegment(segments: readonly Segment[], t: number): number {
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i].start < t - 1e-9) return i
  return -1
}

/**
 * The first unlabelled stretch at least `minGap` long that starts after `t` (wrapping to the
 * beginning), as [start, end]; null when everything is labelled.
 */
export function nextUnlabelled(
  segments: readonly Segment[],
  t: number,
  duration: number,
  minGap = 0.01,
  /** Also take a stretch starting exactly at `t` (a fresh start, not a repeat press). */
  inclusive = false,
): [number, number] | null {
  const gaps: [number, number][] = []
  let cursor = 0
  for (const s of segments) {
    if (s.start - cursor >= minGap) gaps.push([cursor, s.start])
    cursor = Math.max(cursor, s.end)
  }
  if (duration - cursor >= minGap) gaps.push([cursor, duration])
  return gaps.find(([a]) => (inclusive ? a >= t - 1e-9 : a > t + 1e-9)) ?? gaps[0] ?? null
}

/**
 * Sorted and without overlaps (imported files may overlap): where two overlap, the later-starting
 * one wins and the earlier is cut back (or split around it). Point labels are kept.
 */
export function flatten(segments: readonly Segment[]): Segment[] {
  let out: Segment[] = []
  for (const s of [...segments].sort(byStart)) {
    const last = out.at(-1)
    if (!last || last.end <= s.start || s.end === s.start) out.push(s)
    else out = paint(out, s.start, s.end, s.label).segments
  }
  return out
}

/** `incoming` painted over `base`, one by one (import "add to the labels"). */
export function merge(base: readonly Segment[], incoming: readonly Segment[]): Segment[] {
  let out = [...base]
  for (const s of flatten(incoming)) out = paint(out, s.start, s.end, s.label).segments
  return out
}
