/**
 * Decoding per-frame class scores into one label sequence, and the label-feedback input of an
 * output-recurrent tagger (teacher forcing, scheduled sampling).
 *
 * Greedy:  ŷ_t = argmax_c ℓ_t(c)                     ℓ_t = log p(c | frame t), (T, C)
 * Viterbi: ŷ = argmax_y  π(y_0) + ℓ_0(y_0) + Σ_{t≥1} [ λ·A(y_{t−1}, y_t) + ℓ_t(y_t) ]
 *          with log initial π (C), log transitions A (C, C) row = previous label, λ ≥ 0 the
 *          transition weight (λ = 0 gives greedy). The dynamic programme, exactly as computed:
 *            δ_0(c) = π(c) + ℓ_0(c)
 *            δ_t(c) = max_p [ δ_{t−1}(p) + λ·A(p, c) ] + ℓ_t(c),  ψ_t(c) = the first argmax p
 *            ŷ_{T−1} = argmax_c δ_{T−1}(c),  ŷ_{t−1} = ψ_t(ŷ_t)
 *          −∞ entries forbid a start or a transition (e.g. phases that only move forward).
 * Ties go to the lowest class index, so results are deterministic.
 *
 * Transitions are estimated from labelled sequences by counting with add-α smoothing:
 *   A(p, c) = log (n(p→c) + α) / (Σ_c' n(p→c') + C·α),  π(c) = log (n_0(c) + α) / (N + C·α)
 * where an ignored frame (label < 0) breaks the chain.
 *
 * Label feedback (the output recurrence): frame t's extra input is onehot(y_{t−1}) (C), zero at
 * t = 0 and after an ignored frame. Teacher forcing feeds the true y_{t−1}; scheduled sampling
 * (Bengio et al. 2015) feeds the model's own previous prediction with probability ε instead.
 *
 * Shapes (tensor.ts legend): one sequence (T, C); a batch is time-major (T, B, C) with lengths.
 */
import type { FloatArray } from './kernels'
import type { Rng } from './rng'

/** Log-probabilities from logits, row by row: ℓ = z − log Σ e^z (rows of C, in place allowed). */
export function logSoftmaxRows<A extends FloatArray>(
  out: A, // (R, C) overwrite
  logits: FloatArray, // (R, C)
  R: number,
  C: number,
): A {
  for (let r = 0; r < R; r++) {
    let m = -Infinity
    for (let j = 0; j < C; j++) m = Math.max(m, logits[r * C + j])
    let s = 0
    for (let j = 0; j < C; j++) s += Math.exp(logits[r * C + j] - m)
    const lz = m + Math.log(s)
    for (let j = 0; j < C; j++) out[r * C + j] = logits[r * C + j] - lz
  }
  return out
}

/** Greedy decode of one sequence: the per-frame argmax. Rows are `ld` apart (batch: B·C). */
export function greedyDecode(
  path: Int32Array, // (T) overwrite
  logp: FloatArray, // (T, ·) row t at off + t·ld
  T: number,
  C: number,
  off = 0,
  ld = C,
): Int32Array {
  for (let t = 0; t < T; t++) {
    const r = off + t * ld
    let best = 0
    for (let c = 1; c < C; c++) if (logp[r + c] > logp[r + best]) best = c
    path[t] = best
  }
  return path
}

export interface Transitions {
  /** A (C, C): log p(y_t = c | y_{t−1} = p) at [p·C + c]. */
  logTrans: Float64Array
  /** π (C): log p(y_0 = c). */
  logInit: Float64Array
}

export interface ViterbiOptions {
  /** λ: weight of the transition log-probabilities (default 1). */
  transitionWeight?: number
  /** Element offset of frame 0 in logp, and the row stride (a batch: b·C and B·C). */
  off?: number
  ld?: number
}

/**
 * Viterbi decode of one sequence of T frames into `path`; returns the best path's score
 * (−∞ when every path is forbidden; the path is then all 0).
 */
export function viterbi(
  path: Int32Array, // (T) overwrite
  logp: FloatArray, // (T, C) log-probabilities, rows `ld` apart from `off`
  tr: Transitions,
  T: number,
  C: number,
  opts: ViterbiOptions = {},
): number {
  const { transitionWeight: lam = 1, off = 0, ld = C } = opts
  if (T === 0) return 0
  let delta = new Float64Array(C) // δ_{t−1}
  let next = new Float64Array(C) // δ_t
  const psi = new Int32Array(T * C) // (T, C) back-pointers
  for (let c = 0; c < C; c++) delta[c] = tr.logInit[c] + logp[off + c]
  for (let t = 1; t < T; t++) {
    const r = off + t * ld
    for (let c = 0; c < C; c++) {
      let best = -Infinity
      let arg = 0
      for (let p = 0; p < C; p++) {
        const a = tr.logTrans[p * C + c]
        // λ·A with λ = 0 must ignore −∞ transitions too (0·−∞ is NaN)
        const v = delta[p] + (lam === 0 ? 0 : lam * a)
        if (v > best) {
          best = v
          arg = p
        }
      }
      next[c] = best + logp[r + c]
      psi[t * C + c] = arg
    }
    ;[delta, next] = [next, delta]
  }
  let last = 0
  for (let c = 1; c < C; c++) if (delta[c] > delta[last]) last = c
  const score = delta[last]
  if (score === -Infinity) {
    path.fill(0, 0, T)
    return score
  }
  path[T - 1] = last
  for (let t = T - 1; t > 0; t--) path[t - 1] = psi[t * C + path[t]]
  return score
}

/** Viterbi over a padded time-major batch: paths (T, B), frames t ≥ lengths[b] get −1. */
export function viterbiBatch(
  paths: Int32Array, // (T, B) overwrite
  logp: FloatArray, // (T, B, C)
  lengths: Int32Array, // (B)
  tr: Transitions,
  T: number,
  C: number,
  transitionWeight = 1,
): Float64Array {
  const B = lengths.length
  const scores = new Float64Array(B)
  const path = new Int32Array(T)
  for (let b = 0; b < B; b++) {
    const n = lengths[b]
    scores[b] = viterbi(path, logp, tr, n, C, { transitionWeight, off: b * C, ld: B * C })
    for (let t = 0; t < T; t++) paths[t * B + b] = t < n ? path[t] : -1
  }
  return scores
}

/** Add-α estimate of π and A from label sequences (labels < 0 are ignored and break chains). */
export function estimateTransitions(
  sequences: ArrayLike<number>[],
  C: number,
  alpha = 1,
): Transitions {
  const n = new Float64Array(C * C)
  const n0 = new Float64Array(C)
  for (const seq of sequences) {
    let prev = -1
    for (let t = 0; t < seq.length; t++) {
      const y = seq[t]
      if (y >= C) throw new RangeError(`label ${y} is outside 0..${C - 1}`)
      if (y >= 0 && prev >= 0) n[prev * C + y]++
      else if (y >= 0 && t === 0) n0[y]++
      prev = y
    }
  }
  const logTrans = new Float64Array(C * C)
  const logInit = new Float64Array(C)
  const N = n0.reduce((a, b) => a + b, 0)
  for (let c = 0; c < C; c++) logInit[c] = Math.log((n0[c] + alpha) / (N + C * alpha))
  for (let p = 0; p < C; p++) {
    let row = 0
    for (let c = 0; c < C; c++) row += n[p * C + c]
    for (let c = 0; c < C; c++) {
      logTrans[p * C + c] = Math.log((n[p * C + c] + alpha) / (row + C * alpha))
    }
  }
  return { logTrans, logInit }
}

export interface FeedbackSampling {
  /** The model's own labels (T, B) from the previous pass (or step), fed back with prob ε. */
  predicted: Int32Array
  /** ε: probability of feeding the prediction instead of the truth at each frame. */
  prob: number
  rng: Rng
}

/**
 * The label-feedback input (T, B, C): row (t, b) = onehot(y_{t−1, b}), zero at t = 0, after an
 * ignored label and on padding. With `sampling`, y_{t−1} is the prediction with probability ε.
 */
export function previousLabelInput<A extends FloatArray>(
  out: A, // (T, B, C) overwrite
  labels: Int32Array, // (T, B)
  lengths: Int32Array, // (B)
  T: number,
  C: number,
  sampling: FeedbackSampling | null = null,
): A {
  const B = lengths.length
  out.fill(0, 0, T * B * C)
  for (let t = 1; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (t >= lengths[b]) continue
      const q = (t - 1) * B + b
      const y =
        sampling && sampling.rng.uniform() < sampling.prob ? sampling.predicted[q] : labels[q]
      if (y >= 0 && y < C) out[(t * B + b) * C + y] = 1
    }
  }
  return out
}
