/**
 * Mel filterbank and DCT, written out so that fixtures/make_mfcc.py can check them against an
 * independent numpy/scipy implementation.
 *
 *   mel(f) = 2595 · log10(1 + f / 700)                                  (HTK mel scale)
 *   edges m_0 … m_{B+1} evenly spaced in mel between mel(fMin) and mel(fMax), f_j = mel⁻¹(m_j)
 *   w_b(f) = max(0, min((f − f_b) / (f_{b+1} − f_b), (f_{b+2} − f) / (f_{b+2} − f_{b+1})))
 *   mel power  E_b = Σ_k w_b(k · sr / N) · |X_k|²,  k = 0 … N/2           (triangles, peak 1)
 *   log-mel    L_b = ln(max(E_b, 1e-10))
 *   MFCC       c_i = √(2/B)·s_i · Σ_b L_b · cos(π i (b + ½) / B),  s_0 = 1/√2, else 1   (DCT-II, ortho)
 */

export const LOG_FLOOR = 1e-10

export const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700)
export const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1)

/** Sparse filterbank: filter b has weights `weights[b]` over bins first[b] … first[b] + len − 1. */
export interface MelBank {
  /** Number of filters B. */
  bands: number
  /** First nonzero bin of each filter. */
  first: Int32Array
  /** Weights of each filter over its nonzero bins. */
  weights: Float32Array[]
}

export function melFilterbank(
  bands: number,
  frameLength: number,
  sampleRate: number,
  fMin: number,
  fMax: number,
): MelBank {
  const bins = frameLength / 2 + 1
  const m0 = hzToMel(fMin)
  const m1 = hzToMel(fMax)
  const edges = Array.from({ length: bands + 2 }, (_, j) =>
    melToHz(m0 + ((m1 - m0) * j) / (bands + 1)),
  )
  const first = new Int32Array(bands)
  const weights: Float32Array[] = []
  for (let b = 0; b < bands; b++) {
    const [lo, mid, hi] = [edges[b], edges[b + 1], edges[b + 2]]
    const w: number[] = []
    let start = -1
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / frameLength
      const v = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)))
      if (v > 0) {
        if (start < 0) start = k
        w[k - start] = v
      } else if (start >= 0) break
    }
    first[b] = Math.max(0, start)
    weights.push(Float32Array.from(w))
  }
  return { bands, first, weights }
}

/** (n, B) orthonormal DCT-II rows, first n kept. */
export function dctMatrix(n: number, B: number): Float32Array {
  const m = new Float32Array(n * B)
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(2 / B) * (i === 0 ? Math.SQRT1_2 : 1)
    for (let b = 0; b < B; b++) m[i * B + b] = s * Math.cos((Math.PI * i * (b + 0.5)) / B)
  }
  return m
}

/**
 * The same triangles as segments between adjacent edges, for applying them in one pass over the
 * bins. Segment s holds the bins with f_s ≤ f < f_{s+1} (s = 0 … B) and each bin's rising weight
 * r_k = (f − f_s) / (f_{s+1} − f_s). Filter b rises over segment b and falls over segment b + 1
 * with weight 1 − r_k (the two triangles meeting there sum to 1), so with
 *   S_s = Σ_{k ∈ s} |X_k|²   and   R_s = Σ_{k ∈ s} r_k · |X_k|²
 * the mel power is E_b = R_b + S_{b+1} − R_{b+1}: one multiply-add per bin instead of two.
 */
export interface MelSegments {
  /** Number of filters B. */
  bands: number
  /** Segment s covers bins start[s] … start[s+1] − 1. (B + 2) */
  start: Int32Array
  /** Rising weight r_k of every bin (0 outside fMin … fMax). (N/2 + 1) */
  rise: Float64Array
}

export function melSegments(
  bands: number,
  frameLength: number,
  sampleRate: number,
  fMin: number,
  fMax: number,
): MelSegments {
  const bins = frameLength / 2 + 1
  const m0 = hzToMel(fMin)
  const m1 = hzToMel(fMax)
  const edges = Array.from({ length: bands + 2 }, (_, j) =>
    melToHz(m0 + ((m1 - m0) * j) / (bands + 1)),
  )
  const hz = (k: number) => (k * sampleRate) / frameLength
  const start = new Int32Array(bands + 2)
  const rise = new Float64Array(bins)
  let k = 0
  while (k < bins && hz(k) < edges[0]) k++
  for (let s = 0; s <= bands; s++) {
    start[s] = k
    const [lo, hi] = [edges[s], edges[s + 1]]
    // the last segment keeps a bin exactly at fMax (weight 0 either way)
    while (k < bins && (hz(k) < hi || (s === bands && hz(k) === hi))) {
      rise[k] = (hz(k) - lo) / (hi - lo)
      k++
    }
  }
  start[bands + 1] = k
  return { bands, start, rise }
}
