/**
 * Δ and ΔΔ by the HTK regression formula, edges replicated (c_t = c_0 for t < 0, c_{T−1} past the end):
 *
 *   d_t = Σ_{n=1..N} n · (c_{t+n} − c_{t−n}) / (2 Σ_{n=1..N} n²)
 *
 * ΔΔ is Δ applied to Δ. Input and output are (T, F) row-major.
 */

export function delta(x: Float32Array, T: number, F: number, N: number): Float32Array {
  const out = new Float32Array(T * F)
  let denom = 0
  for (let n = 1; n <= N; n++) denom += n * n
  denom *= 2
  for (let t = 0; t < T; t++) {
    for (let n = 1; n <= N; n++) {
      const a = Math.min(T - 1, t + n) * F
      const b = Math.max(0, t - n) * F
      for (let f = 0; f < F; f++) out[t * F + f] += (n * (x[a + f] - x[b + f])) / denom
    }
  }
  return out
}

/** [c, Δc] or [c, Δc, ΔΔc] concatenated per row → (T, F · (1 + order)). */
export function appendDeltas(
  x: Float32Array,
  T: number,
  F: number,
  order: 0 | 1 | 2,
  N: number,
): Float32Array {
  if (order === 0) return x
  const d = delta(x, T, F, N)
  const dd = order === 2 ? delta(d, T, F, N) : undefined
  const W = F * (1 + order)
  const out = new Float32Array(T * W)
  for (let t = 0; t < T; t++) {
    out.set(x.subarray(t * F, (t + 1) * F), t * W)
    out.set(d.subarray(t * F, (t + 1) * F), t * W + F)
    if (dd) out.set(dd.subarray(t * F, (t + 1) * F), t * W + 2 * F)
  }
  return out
}

/**
 * Frames a … b−1 of the base features that rows t0 … t1−1 of appendDeltas (order, width N) read:
 * each Δ reaches N frames out, so Δ^order reaches order · N (clamped to the file's 0 … T−1,
 * where the edge replication happens).
 */
export function deltaSpan(
  order: 0 | 1 | 2,
  N: number,
  t0: number,
  t1: number,
  T: number,
): [number, number] {
  return [Math.max(0, t0 - order * N), Math.min(T, t1 + order * N)]
}

/**
 * Rows t0 … t1−1 of appendDeltas over a whole (T, F) matrix, from its frames a … b−1 only
 * (`x`, with [a, b) = deltaSpan(…)): the same values, since every frame they read is in x or
 * is the file's edge, so workers can append Δ/ΔΔ to their own chunks.
 */
export function appendDeltasRange(
  x: Float32Array,
  a: number,
  b: number,
  F: number,
  order: 0 | 1 | 2,
  N: number,
  t0: number,
  t1: number,
): Float32Array {
  const W = F * (1 + order)
  const rows = appendDeltas(x, b - a, F, order, N)
  return a === t0 && b === t1 ? rows : rows.slice((t0 - a) * W, (t1 - a) * W)
}
