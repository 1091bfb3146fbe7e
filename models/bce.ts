/**
 * The multi-label (sigmoid) head's loss: per-frame, per-class binary cross-entropy with logits,
 * masked and class-weighted, the way PyTorch's
 *   nn.BCEWithLogitsLoss(weight=w, pos_weight=q, reduction='none')(z, y) · mask, Σ / Σ mask
 * computes it:
 *   ℓ_{t,b,c} = w_c · [ q_c · y · softplus(−z) + (1 − y) · softplus(z) ]       (−log σ(z) = softplus(−z))
 *   loss = Σ_{valid (t,b,c)} ℓ_{t,b,c}  /  norm,        norm = number of valid (t,b,c)
 *   dz_{t,b,c} = w_c · [ (1 − y) · σ(z) − q_c · y · σ(−z) ] / norm        (0 where not valid)
 * softplus(z) = max(z, 0) + log1p(exp(−|z|)), so no exp overflows and nothing rounds to log 0.
 * An entry is valid when t < lengths[b] and its target is not negative: a target < 0 masks that
 * (frame, class) — every class of a frame an ignore-role label covers, or of an unlabelled frame
 * in a partially labelled file (engine/data/multi-hot.ts writes them). Targets may be soft (0..1).
 * `norm` can be given: data-parallel shards pass the whole batch's count, so their summed
 * gradients are the gradient of the whole batch (as crossEntropy's norm in loss.ts).
 */
import type { FloatArray } from './kernels'

export interface BceOptions {
  /** w: per-class weights (C) on every term; omitted = all 1 (BCEWithLogitsLoss `weight`). */
  classWeights?: ArrayLike<number> | null
  /** q: per-class weights (C) of the positive term; omitted = all 1 (`pos_weight`). */
  posWeights?: ArrayLike<number> | null
  /** Divide by this instead of the local count of valid entries (data parallel: the global one). */
  norm?: number
}

export interface BceResult {
  /** The normalised loss. */
  loss: number
  /** Σ ℓ over valid entries, unnormalised. */
  sum: number
  /** Valid (t, b, c) entries (the default norm). */
  count: number
}

/** log(1 + e^z) without overflow or cancellation. */
export const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))

/** σ(z) = 1 / (1 + e^−z), evaluated on the side where the exponential cannot overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z))
  const e = Math.exp(z)
  return e / (1 + e)
}

/** Valid (t, b, c) entries of a batch: t < lengths[b] and target ≥ 0. */
export function validTargets(
  targets: ArrayLike<number>, // (T, B, C)
  lengths: Int32Array, // (B)
  T: number,
  B: number,
  C: number,
): number {
  let n = 0
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) {
      if (t >= lengths[b]) continue
      const r = (t * B + b) * C
      for (let c = 0; c < C; c++) if (targets[r + c] >= 0) n++
    }
  return n
}

export function binaryCrossEntropy<A extends FloatArray>(
  dlogits: A | null, // (T, B, C) overwrite, or null for the loss only
  logits: A, // (T, B, C)
  targets: ArrayLike<number>, // (T, B, C) in 0..1, < 0 = masked
  lengths: Int32Array, // (B)
  T: number,
  B: number,
  C: number,
  opts: BceOptions = {},
): BceResult {
  const w = opts.classWeights
  const q = opts.posWeights
  const count = validTargets(targets, lengths, T, B, C)
  const norm = opts.norm ?? count
  const scale = norm > 0 ? 1 / norm : 0
  let sum = 0
  if (dlogits) dlogits.fill(0, 0, T * B * C)
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (t >= lengths[b]) continue
      const r = (t * B + b) * C
      for (let c = 0; c < C; c++) {
        const y = targets[r + c]
        if (y < 0) continue
        if (y > 1) throw new RangeError(`target ${y} at (${t}, ${b}, ${c}) is outside 0..1`)
        const z = logits[r + c]
        const wc = w ? w[c] : 1
        const qc = q ? q[c] : 1
        sum += wc * (qc * y * softplus(-z) + (1 - y) * softplus(z))
        if (dlogits) dlogits[r + c] = wc * scale * ((1 - y) * sigmoid(z) - qc * y * sigmoid(-z))
      }
    }
  }
  return { loss: sum * scale, sum, count }
}
