/**
 * Per-frame softmax + masked, class-weighted cross-entropy with an ignore label, the way
 * PyTorch's nn.CrossEntropyLoss(weight, ignore_index, reduction='mean') computes it:
 *   p = softmax(z_{t,b})                                   (C)
 *   loss = Σ_{valid (t,b)} w_y · (−log p_y)  /  norm,      norm = Σ_{valid} w_y
 *   dz_{t,b} = w_y · (p − onehot(y)) / norm                 (0 on frames that are not valid)
 * A frame is valid when t < lengths[b] and its label is not `ignoreLabel`.
 * `norm` can be given: with data-parallel workers each passes the global Σ w_y so that summing
 * their gradients gives the gradient of the whole batch.
 */
import type { FloatArray } from './kernels'

export interface LossOptions {
  /** Per-class weights (C); omitted = all 1. */
  classWeights?: ArrayLike<number> | null
  /** Label value of frames that contribute nothing (default −1). */
  ignoreLabel?: number
  /** Divide by this instead of the local Σ w_y (data parallel: the global Σ w_y). */
  norm?: number
}

export interface LossResult {
  /** The normalised loss. */
  loss: number
  /** Σ w_y · (−log p_y) over valid frames, unnormalised. */
  sum: number
  /** Σ w_y over valid frames (the default norm). */
  weightSum: number
  /** Number of valid frames. */
  count: number
}

export function crossEntropy<A extends FloatArray>(
  dlogits: A | null, // (T, B, C) overwrite, or null for the loss only
  logits: A, // (T, B, C)
  labels: Int32Array, // (T, B)
  lengths: Int32Array, // (B)
  T: number,
  B: number,
  C: number,
  opts: LossOptions = {},
): LossResult {
  const ignore = opts.ignoreLabel ?? -1
  const w = opts.classWeights
  let weightSum = 0
  let count = 0
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const y = labels[t * B + b]
      if (t >= lengths[b] || y === ignore) continue
      if (!(y >= 0 && y < C))
        throw new RangeError(`label ${y} at (${t}, ${b}) is outside 0..${C - 1}`)
      weightSum += w ? w[y] : 1
      count++
    }
  }
  const norm = opts.norm ?? weightSum
  const scale = norm > 0 ? 1 / norm : 0
  let sum = 0
  if (dlogits) dlogits.fill(0, 0, T * B * C)
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const y = labels[t * B + b]
      if (t >= lengths[b] || y === ignore) continue
      const r = (t * B + b) * C
      let m = -Infinity
      for (let j = 0; j < C; j++) m = Math.max(m, logits[r + j])
      // e_j = exp(z_j − m) computed once: Σ e_j gives log Z, e_j / Σ e_j the softmax
      let s = 0
      if (dlogits) {
        for (let j = 0; j < C; j++) s += dlogits[r + j] = Math.exp(logits[r + j] - m)
      } else {
        for (let j = 0; j < C; j++) s += Math.exp(logits[r + j] - m)
      }
      const wy = w ? w[y] : 1
      sum += wy * (m + Math.log(s) - logits[r + y])
      if (dlogits) {
        const k = (wy * scale) / s
        for (let j = 0; j < C; j++) dlogits[r + j] *= k
        dlogits[r + y] -= wy * scale
      }
    }
  }
  return { loss: sum * scale, sum, weightSum, count }
}

/** Frame accuracy over valid frames: argmax of the logits against the labels. */
export function frameAccuracy(
  logits: FloatArray, // (T, B, C)
  labels: Int32Array, // (T, B)
  lengths: Int32Array, // (B)
  T: number,
  B: number,
  C: number,
  ignoreLabel = -1,
): number {
  let right = 0
  let n = 0
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const y = labels[t * B + b]
      if (t >= lengths[b] || y === ignoreLabel) continue
      const r = (t * B + b) * C
      let best = 0
      for (let j = 1; j < C; j++) if (logits[r + j] > logits[r + best]) best = j
      right += best === y ? 1 : 0
      n++
    }
  }
  return n > 0 ? right / n : NaN
}
