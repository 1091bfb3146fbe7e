/**
 * Normalisation of (T, F) feature matrices: streaming mean/std over a training set (Chan et al.'s
 * parallel update in float64, so files can be added one at a time or merged from workers),
 * per-file CMVN, and applying a FeatureSpec's normalisation.
 */
import type { Normalization } from './spec'

/** Standard deviations below this are treated as this (constant dimensions stay finite). */
export const STD_FLOOR = 1e-5

export class RunningStats {
  /** Frames seen. */
  count = 0
  /** Per-dimension mean. */
  readonly mean: Float64Array
  /** Per-dimension sum of squared deviations from the mean. */
  readonly m2: Float64Array

  constructor(readonly dims: number) {
    this.mean = new Float64Array(dims)
    this.m2 = new Float64Array(dims)
  }

  /** Adds T frames of a (T, F) matrix. */
  add(x: Float32Array, T = x.length / this.dims): this {
    const F = this.dims
    const other = new RunningStats(F)
    other.count = T
    const { mean, m2 } = other
    for (let t = 0, i = 0; t < T; t++) for (let f = 0; f < F; f++, i++) mean[f] += x[i]
    for (let f = 0; f < F; f++) mean[f] /= Math.max(1, T)
    for (let t = 0, i = 0; t < T; t++) {
      for (let f = 0; f < F; f++, i++) {
        const d = x[i] - mean[f]
        m2[f] += d * d
      }
    }
    return this.merge(other)
  }

  /** Combines another accumulator into this one. */
  merge(o: RunningStats): this {
    const n = this.count + o.count
    if (o.count === 0) return this
    for (let f = 0; f < this.dims; f++) {
      const d = o.mean[f] - this.mean[f]
      this.mean[f] += (d * o.count) / n
      this.m2[f] += o.m2[f] + (d * d * this.count * o.count) / n
    }
    this.count = n
    return this
  }

  /** Population mean and std (floored at STD_FLOOR). */
  result(): { mean: number[]; std: number[] } {
    const std = Array.from(this.m2, (m) =>
      Math.max(STD_FLOOR, Math.sqrt(m / Math.max(1, this.count))),
    )
    return { mean: Array.from(this.mean), std }
  }
}

/** x ← (x − mean) / std in place, per dimension. */
export function standardize(
  x: Float32Array,
  F: number,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
): Float32Array {
  if (mean.length !== F || std.length !== F)
    throw new RangeError(`normalisation has ${mean.length} dims, features have ${F}`)
  for (let i = 0; i < x.length; i += F)
    for (let f = 0; f < F; f++) x[i + f] = (x[i + f] - mean[f]) / std[f]
  return x
}

/**
 * Applies a spec's normalisation in place: none, per-file CMVN or stored global stats. Per-file
 * CMVN uses `stats` when given (gathered chunk by chunk while the features were computed).
 */
export function normalize(
  x: Float32Array,
  F: number,
  n: Normalization,
  stats?: RunningStats,
): Float32Array {
  if (n.mode === 'none' || x.length === 0) return x
  // Global statistics not computed yet (a spec before training): the features as extracted.
  if (n.mode === 'global' && n.mean.length === 0) return x
  if (n.mode === 'global') return standardize(x, F, n.mean, n.std)
  if (stats && (stats.dims !== F || stats.count * F !== x.length))
    throw new RangeError(`stats cover ${stats.count} × ${stats.dims}, features are ${x.length}`)
  const { mean, std } = (stats ?? new RunningStats(F).add(x)).result()
  return standardize(x, F, mean, std)
}
