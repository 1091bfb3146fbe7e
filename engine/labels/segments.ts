/**
 * Segments {start, end, label} in seconds, and the two maps between segments and per-frame
 * class indices:
 *
 * segments → frames (frame-centre rule): frame t takes the label of the segment with
 *   start ≤ c_t < end, c_t its centre time. Where segments overlap the one starting last wins
 *   (a nested event overrides its container). A point label (start = end) marks the one frame
 *   whose centre is nearest. Unlabelled frames get the background class, or IGNORE when
 *   labelling is partial (the loss and metrics skip them).
 *
 * frames → segments: majority ("median") filter over k frames, runs of one class become
 *   segments whose edges are the midpoints between frame centres, then same-label segments
 *   separated by ≤ mergeGap seconds of background are joined, then those shorter than
 *   minDuration are dropped. Background and IGNORE frames produce no segments.
 */

export interface Segment {
  /** Start time, seconds. */
  start: number
  /** End time, seconds (= start for a point label). */
  end: number
  /** Class name. */
  label: string
  /** Lower frequency bound in Hz (Audacity spectral selection, Raven), when known. */
  lowFreq?: number
  /** Upper frequency bound in Hz, when known. */
  highFreq?: number
  /** Channel the label was drawn on (1-based, Raven's `Channel`), when not the first. */
  channel?: number
  /** Other columns of the file it was read from (Raven measurements, notes), written back. */
  extra?: Record<string, string>
}

/** Frame label for "not labelled; skip in training and scoring". */
export const IGNORE = -1

/** Sorted by start, then end, then label (stable, new array). */
export function sortSegments(segments: readonly Segment[]): Segment[] {
  return [...segments].sort(
    (a, b) =>
      a.start - b.start || a.end - b.end || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  )
}

/** Pairs of overlapping segments (by index in sorted order), for warnings. */
export function overlaps(segments: readonly Segment[]): Array<[Segment, Segment]> {
  const s = sortSegments(segments)
  const out: Array<[Segment, Segment]> = []
  for (let i = 0; i < s.length; i++) {
    for (let j = i + 1; j < s.length && s[j].start < s[i].end; j++) out.push([s[i], s[j]])
  }
  return out
}

/** Centre times of T frames every `hop` seconds starting at `offset`. */
export function frameCentres(frames: number, hop: number, offset = 0): Float64Array {
  return Float64Array.from({ length: frames }, (_, t) => offset + t * hop)
}

export interface ToFramesOptions {
  /** Class for frames no segment covers; required unless `partial`. */
  background?: string
  /** Partial labelling: unlabelled frames become IGNORE. */
  partial?: boolean
  /** Labels not in `classes`: 'error' (default) throws, 'ignore' skips the segment. */
  unknown?: 'error' | 'ignore'
}

/** Segments → class index per frame (IGNORE = −1) under the frame-centre rule. */
export function segmentsToFrames(
  segments: readonly Segment[],
  frameTimes: ArrayLike<number>,
  classes: readonly string[],
  options: ToFramesOptions = {},
): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]))
  let fill = IGNORE
  if (!options.partial) {
    if (options.background === undefined || !index.has(options.background)) {
      throw new RangeError(
        `background class ${JSON.stringify(options.background)} is not among the classes (or use partial labelling)`,
      )
    }
    fill = index.get(options.background)!
  }
  const T = frameTimes.length
  const out = new Int32Array(T).fill(fill)
  for (const s of sortSegments(segments)) {
    const c = index.get(s.label)
    if (c === undefined) {
      if (options.unknown === 'ignore') continue
      throw new RangeError(`label "${s.label}" is not a class (${classes.join(', ')})`)
    }
    if (s.end === s.start) {
      const t = nearest(frameTimes, s.start)
      if (t >= 0) out[t] = c
      continue
    }
    for (let t = lowerBound(frameTimes, s.start); t < T && frameTimes[t] < s.end; t++) out[t] = c
  }
  return out
}

export interface ToSegmentsOptions {
  /** Majority-filter width in frames (odd; 1 = off). */
  medianFilter?: number
  /** Segments shorter than this (seconds) are dropped, after merging. */
  minDuration?: number
  /** Same-label segments separated by at most this many seconds are joined. */
  mergeGap?: number
  /** Class index that produces no segments (besides IGNORE). */
  background?: number
}

/** Class index per frame → segments (see the header for the steps). */
export function framesToSegments(
  frameLabels: ArrayLike<number>,
  frameTimes: ArrayLike<number>,
  classes: readonly string[],
  options: ToSegmentsOptions = {},
): Segment[] {
  const T = frameLabels.length
  if (frameTimes.length !== T)
    throw new RangeError(`${T} labels but ${frameTimes.length} frame times`)
  const labels = modeFilter(frameLabels, options.medianFilter ?? 1)
  const edge = (t: number) => {
    // boundary between frame t−1 and t
    if (T === 1) return frameTimes[0]
    if (t <= 0) return Math.max(0, frameTimes[0] - (frameTimes[1] - frameTimes[0]) / 2)
    if (t >= T) return frameTimes[T - 1] + (frameTimes[T - 1] - frameTimes[T - 2]) / 2
    return (frameTimes[t - 1] + frameTimes[t]) / 2
  }
  let segs: Segment[] = []
  for (let t = 0; t < T;) {
    let u = t + 1
    while (u < T && labels[u] === labels[t]) u++
    const c = labels[t]
    if (c !== IGNORE && c !== options.background) {
      if (c < 0 || c >= classes.length)
        throw new RangeError(`frame ${t}: class index ${c} out of range`)
      segs.push({ start: edge(t), end: edge(u), label: classes[c] })
    }
    t = u
  }
  const gap = options.mergeGap ?? 0
  if (gap > 0) {
    const merged: Segment[] = []
    for (const s of segs) {
      const last = merged[merged.length - 1]
      if (last && last.label === s.label && s.start - last.end <= gap + 1e-9) last.end = s.end
      else merged.push({ ...s })
    }
    segs = merged
  }
  const minDur = options.minDuration ?? 0
  return minDur > 0 ? segs.filter((s) => s.end - s.start >= minDur - 1e-9) : segs
}

/**
 * Majority vote over a centred window of k frames (k odd), the categorical analogue of a median
 * filter; ties keep the centre frame's label. IGNORE frames vote like any class.
 */
export function modeFilter(labels: ArrayLike<number>, k: number): Int32Array {
  const T = labels.length
  const out = Int32Array.from(labels)
  if (k <= 1) return out
  if (k % 2 === 0) throw new RangeError(`median filter width must be odd (got ${k})`)
  const h = (k - 1) / 2
  const counts = new Map<number, number>()
  const bump = (c: number, d: number) => counts.set(c, (counts.get(c) ?? 0) + d)
  for (let t = 0; t < Math.min(T, h); t++) bump(labels[t], 1)
  for (let t = 0; t < T; t++) {
    if (t + h < T) bump(labels[t + h], 1)
    if (t - h - 1 >= 0) bump(labels[t - h - 1], -1)
    let best = labels[t]
    let bestN = counts.get(best) ?? 0
    for (const [c, n] of counts) if (n > bestN) [best, bestN] = [c, n]
    out[t] = best
  }
  return out
}

function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (a[m] < x) lo = m + 1
    else hi = m
  }
  return lo
}

function nearest(a: ArrayLike<number>, x: number): number {
  if (a.length === 0) return -1
  const i = lowerBound(a, x)
  if (i === 0) return 0
  if (i === a.length) return a.length - 1
  return x - a[i - 1] <= a[i] - x ? i - 1 : i
}
