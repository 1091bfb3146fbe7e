/**
 * Probabilities → frame labels → segments. The argmax (or Viterbi decoding) is ours; the majority
 * ("median") filter and frames → segments (edges at midpoints between frame centres, gap merge
 * across background, min duration) are engine/labels/segments.ts, the same code that turns labels
 * into frames for training, so a prediction reads back as the labels it stands for.
 *
 * Viterbi (postprocess.viterbi, models/label-decoding.ts): with the model's label transitions π, A
 * (counted on its training labels) and ℓ_t(c) = log max(p_t(c), P_MIN),
 *   ŷ = argmax_y  log π(y_0) + ℓ_0(y_0) + Σ_{t≥1} [ λ·log A(y_{t−1}, y_t) + ℓ_t(y_t) ]
 * over the whole file's stitched probabilities (O(T·C²)), replacing the argmax. Order: Viterbi,
 * then the median filter, then segments — a Viterbi path rarely has a run the filter would
 * remove (each change costs −λ·log A), so the filter is redundant then and models trained with
 * Viterbi on ship it at width 1; it still runs when asked for, as a plain smoother of labels.
 * P_MIN keeps a probability that float32 rounded to 0 from forbidding a frame's class outright.
 */
import { viterbi, type Transitions } from '../../models/label-decoding'
import { framesToSegments, modeFilter, type Segment } from '../labels/segments'
import type { PostProcess } from '../onnx/postprocess-settings'

/** Floor of a probability before its log (see the header). */
export const P_MIN = 1e-30

/** Viterbi path of (T, C) probabilities with transitions `tr` and weight λ (see the header). */
export function viterbiLabels(
  probs: Float32Array,
  C: number,
  tr: Transitions,
  weight: number,
): Int32Array {
  const T = probs.length / C
  const logp = new Float64Array(T * C)
  for (let i = 0; i < logp.length; i++) logp[i] = Math.log(Math.max(probs[i], P_MIN))
  const path = new Int32Array(T)
  viterbi(path, logp, tr, T, C, { transitionWeight: weight })
  return path
}

/**
 * Frame labels of (T, C) probabilities under `post`: Viterbi when post.viterbi is enabled and
 * transitions are given (readModel refuses enabled without them), else the argmax; then the
 * median filter.
 */
export function decodeLabels(
  probs: Float32Array,
  C: number,
  post: PostProcess,
  transitions: Transitions | null,
): Int32Array {
  if (post.viterbi?.enabled && transitions) {
    const path = viterbiLabels(probs, C, transitions, post.viterbi.weight)
    return post.medianFilter > 1 ? modeFilter(path, post.medianFilter) : path
  }
  return smoothLabels(probs, C, post.medianFilter)
}

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
