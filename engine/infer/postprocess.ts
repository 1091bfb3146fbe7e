/**
 * Probabilities → frame labels → segments. The argmax is ours; the majority ("median") filter
 * and frames → segments (edges at midpoints between frame centres, gap merge across background,
 * min duration) are engine/labels/segments.ts, the same code that turns labels into frames for
 * training, so a prediction reads back as the labels it stands for.
 */
import { framesToSegments, modeFilter, type Segment } from '../labels/segments'
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
  return k > 1 ? modeFilter(arg, k) : arg
}

/** Segments of the non-background classes of already filtered frame labels, in time order. */
export function labelsToSegments(
  labels: Int32Array,
  frameTimes: Float64Array,
  classes: string[],
  background: number | null,
  post: PostProcess,
): Segment[] {
  return framesToSegments(labels, frameTimes, classes, {
    medianFilter: 1,
    minDuration: post.minDuration,
    mergeGap: post.mergeGap,
    background: background ?? undefined,
  })
}
