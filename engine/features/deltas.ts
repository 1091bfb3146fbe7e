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
