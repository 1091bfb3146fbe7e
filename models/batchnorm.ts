/**
 * Batch normalisation over the channels of a time-major, channel-last activation
 * (T, B, W, C): W positions per frame (frequency bins), C channels, as in PyTorch's BatchNorm2d
 * over an image (B, C, T, W). Only valid frames count (t < lengths[b]): padding is never part of
 * the statistics and gets y = 0, dx = 0, so a sequence normalises the same in any batch.
 *
 * Training (batch statistics over the N = W·Σ_b lengths[b] valid positions):
 *   μ = Σx / N,  σ² = Σ(x − μ)² / N,  x̂ = (x − μ) / √(σ² + ε),  y = γ x̂ + β
 *   running_mean ← (1 − m) running_mean + m μ ;  running_var ← (1 − m) running_var + m σ² N/(N − 1)
 *   dγ += Σ dy x̂ ;  dβ += Σ dy ;  dx = γ / (N √(σ² + ε)) · (N dy − Σdy − x̂ Σ(dy x̂))
 * Eval (running statistics): x̂ = (x − running_mean) / √(running_var + ε), dx = γ dy / √(·) —
 * PyTorch's momentum 0.1 and ε 1e-5.
 */
import type { FloatArray } from './kernels'

export const BN_MOMENTUM = 0.1
export const BN_EPS = 1e-5

/** Which frames of a (T, B, W, C) activation are valid. */
export interface FrameRows {
  T: number
  B: number
  /** Positions per frame (frequency bins). */
  W: number
  /** (B) valid frames of each sequence. */
  lengths: Int32Array
}

/** What one training forward keeps for backward, per channel. */
export interface BatchNormCache {
  mean: Float64Array // (C) batch mean (training) or running mean (eval)
  invStd: Float64Array // (C) 1 / √(σ² + ε)
  count: number // N valid positions
  training: boolean
}

export const allocBatchNormCache = (C: number): BatchNormCache => ({
  mean: new Float64Array(C),
  invStd: new Float64Array(C),
  count: 0,
  training: false,
})

/** Calls fn(offset of position 0 of frame (t, b)) for every valid frame. */
function eachValid(r: FrameRows, C: number, fn: (off: number) => void): void {
  for (let t = 0; t < r.T; t++)
    for (let b = 0; b < r.B; b++) if (t < r.lengths[b]) fn((t * r.B + b) * r.W * C)
}

/**
 * y = BN(x), padding frames 0. In training, updates `running` (mean, var) in place. x and y may
 * be the same array.
 */
export function batchNormForward<A extends FloatArray>(
  y: A,
  x: A,
  rows: FrameRows,
  C: number,
  gamma: A,
  beta: A,
  running: { mean: FloatArray; var: FloatArray },
  cache: BatchNormCache,
  training: boolean,
): void {
  const { mean, invStd } = cache
  const WC = rows.W * C
  cache.training = training
  let N = 0
  eachValid(rows, C, () => (N += rows.W))
  cache.count = N
  if (training) {
    mean.fill(0)
    const sq = new Float64Array(C)
    eachValid(rows, C, (o) => {
      for (let q = 0; q < WC; q += C) for (let c = 0; c < C; c++) mean[c] += x[o + q + c]
    })
    for (let c = 0; c < C; c++) mean[c] /= Math.max(1, N)
    eachValid(rows, C, (o) => {
      for (let q = 0; q < WC; q += C)
        for (let c = 0; c < C; c++) {
          const d = x[o + q + c] - mean[c]
          sq[c] += d * d
        }
    })
    for (let c = 0; c < C; c++) {
      const v = sq[c] / Math.max(1, N)
      invStd[c] = 1 / Math.sqrt(v + BN_EPS)
      running.mean[c] = (1 - BN_MOMENTUM) * running.mean[c] + BN_MOMENTUM * mean[c]
      const unbiased = N > 1 ? sq[c] / (N - 1) : v
      running.var[c] = (1 - BN_MOMENTUM) * running.var[c] + BN_MOMENTUM * unbiased
    }
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = running.mean[c]
      invStd[c] = 1 / Math.sqrt(running.var[c] + BN_EPS)
    }
  }
  const n = rows.T * rows.B * WC
  const done = new Uint8Array(rows.T * rows.B)
  eachValid(rows, C, (o) => {
    done[o / WC] = 1
    for (let q = 0; q < WC; q += C)
      for (let c = 0; c < C; c++)
        y[o + q + c] = gamma[c] * (x[o + q + c] - mean[c]) * invStd[c] + beta[c]
  })
  for (let f = 0; f < n / WC; f++) if (!done[f]) y.fill(0, f * WC, (f + 1) * WC)
}

/**
 * dx (overwritten; 0 on padding) and dγ, dβ (accumulated) from dy, for the forward that filled
 * `cache` on input x. dx may be dy.
 */
export function batchNormBackward<A extends FloatArray>(
  dx: A,
  dgamma: A,
  dbeta: A,
  dy: A,
  x: A,
  rows: FrameRows,
  C: number,
  gamma: A,
  cache: BatchNormCache,
): void {
  const { mean, invStd, count: N } = cache
  const WC = rows.W * C
  const sdy = new Float64Array(C)
  const sdyx = new Float64Array(C)
  eachValid(rows, C, (o) => {
    for (let q = 0; q < WC; q += C)
      for (let c = 0; c < C; c++) {
        const g = dy[o + q + c]
        sdy[c] += g
        sdyx[c] += g * (x[o + q + c] - mean[c]) * invStd[c]
      }
  })
  for (let c = 0; c < C; c++) {
    dgamma[c] += sdyx[c]
    dbeta[c] += sdy[c]
  }
  const done = new Uint8Array(rows.T * rows.B)
  eachValid(rows, C, (o) => {
    done[o / WC] = 1
    for (let q = 0; q < WC; q += C)
      for (let c = 0; c < C; c++) {
        const i = o + q + c
        const s = gamma[c] * invStd[c]
        dx[i] = cache.training
          ? (s / N) * (N * dy[i] - sdy[c] - (x[i] - mean[c]) * invStd[c] * sdyx[c])
          : s * dy[i]
      }
  })
  for (let f = 0; f < rows.T * rows.B; f++) if (!done[f]) dx.fill(0, f * WC, (f + 1) * WC)
}
