/**
 * Probabilities → frame labels → segments.
 *   label_t   = argmax_c p[t, c], then a majority (median) filter of width k over the labels
 *   segments  = runs of one non-background label; a run of frames [a, b) spans
 *               [time_a − hop/2, time_{b−1} + hop/2] (clamped at 0): each frame stands for the
 *               hop around its centre, the inverse of labelling a frame by its centre time
 *   then      same-class neighbours with only background between them, ≤ mergeGap apart, merged, segments < minDuration dropped
 */
import type { Segment } from '../api'
import type { PostProcess } from '../onnx/metadata'

/** Argmax per frame of (T, C), then a majority filter of odd width k (ties keep the frame's label). */
export function smoothLabels(probs: Float32Array, C: number, k: number): Int32Array {
  const T = probs.length / C
  const arg = new Int32Array(T)
  for (let t = 0; t < T; t++) {
    let best = 0
    for (let j = 1; j < C; j++) if (probs[t * C + j] > probs[t * C + best]) best = j
    arg[t] = best
  }
  if (k <= 1) return arg
  const h = k >> 1
  const counts = new Int32Array(C)
  const out = new Int32Array(T)
  for (let t = 0; t < Math.min(h, T); t++) counts[arg[t]]++
  for (let t = 0; t < T; t++) {
    if (t + h < T) counts[arg[t + h]]++
    if (t - h - 1 >= 0) counts[arg[t - h - 1]]--
    let best = arg[t]
    for (let j = 0; j < C; j++) if (counts[j] > counts[best]) best = j
    out[t] = best
  }
  return out
}

/** Segments of the non-background labels (see the file comment), in time order. */
export function framesToSegments(
  labels: Int32Array,
  frameTimes: Float64Array,
  hop: number,
  classes: string[],
  background: number | null,
  post: PostProcess,
): Segment[] {
  const runs: Segment[] = []
  const T = labels.length
  for (let a = 0; a < T; ) {
    let b = a + 1
    while (b < T && labels[b] === labels[a]) b++
    if (labels[a] !== background) {
      const start = Math.max(0, frameTimes[a] - hop / 2)
      runs.push({ start, end: frameTimes[b - 1] + hop / 2, label: classes[labels[a]] })
    }
    a = b
  }
  const merged: Segment[] = []
  for (const s of runs) {
    // Merge only across background: another class in the gap keeps both segments.
    const prev = merged[merged.length - 1]
    if (prev && prev.label === s.label && s.start - prev.end <= post.mergeGap + 1e-9)
      prev.end = s.end
    else merged.push({ ...s })
  }
  return merged.filter((s) => s.end - s.start >= post.minDuration - 1e-9)
}
