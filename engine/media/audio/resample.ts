/**
 * Band-limited resampling by Kaiser-windowed sinc interpolation (J. O. Smith, "Digital Audio
 * Resampling"), polyphase for rational rate ratios. No library on npm was both maintained and
 * tested for aliasing, so this is ours; resample.test.ts checks passband gain and alias rejection.
 *
 *   y[n] = Σ_j x[j] · h(t_n − j),      t_n = n · from / to          (time in input samples)
 *   h(u) = ρ · sinc(ρ u) · kaiser(u / W),   ρ = rolloff · min(1, to / from),  |u| < W = zeros / ρ'
 *
 * where ρ' = min(1, to / from). With zeros = 32, rolloff = 0.9 and β = 7.86 (≈ 80 dB Kaiser
 * design), a 44.1 → 16 kHz conversion is flat to ≈ 6.5 kHz and rejects ≥ 8 kHz (what would alias)
 * by more than 70 dB. Output sample n sits at time n / to, so there is no delay.
 * With g = gcd(from, to), t_n has L = to / g distinct fractional parts: one tap table per phase.
 * The dot product of each output with its phase's taps runs in the native addon when it is
 * present (engine/kernels/resample.ts, ≈ 30× less CPU; FRAMEWISE_KERNELS=ts keeps this loop).
 * Plans (tap tables) are kept per rate pair: the feature workers resample a file in many slices.
 */
import { resampleKernel, type ResampleRange } from '../../kernels/resample'

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side, in output-rate samples (quality vs speed). */
  zeros?: number
  /** Cutoff as a fraction of the lower Nyquist frequency. */
  rolloff?: number
  /** Kaiser window β. */
  beta?: number
  /** The dot-product kernel: default resampleKernel() (native when present); null: the TS loop. */
  kernel?: ResampleRange | null
}

/** Phase tables larger than this are not stored; taps are computed on the fly instead. */
const MAX_TABLE = 1 << 20

/** A slice of the input: x[k] is input sample `origin + k` of a signal `length` samples long. */
export interface InputSlice {
  /** Index in the whole input of x[0]. */
  origin: number
  /** Length of the whole input. */
  length: number
}

/** Output length for n input samples: ⌈n · to / from⌉. */
export const resampledLength = (n: number, from: number, to: number) => Math.ceil((n * to) / from)

interface Plan {
  L: number
  M: number
  Wc: number
  K: number
  table?: Float32Array
  kernel: (u: number) => number
}

/** Plans by `from,to,zeros,rolloff,beta`, the last few used (a table is ≤ 4 MB). */
const plans = new Map<string, Plan>()
const MAX_PLANS = 4

function plan(from: number, to: number, options: ResampleOptions): Plan {
  if (!(from > 0 && to > 0 && Number.isInteger(from) && Number.isInteger(to))) {
    throw new RangeError(`sample rates must be positive integers (got ${from} → ${to})`)
  }
  const { zeros = 32, rolloff = 0.9, beta = 7.86 } = options
  const key = `${from},${to},${zeros},${rolloff},${beta}`
  let p = plans.get(key)
  if (!p) {
    p = makePlan(from, to, zeros, rolloff, beta)
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!)
    plans.set(key, p)
  }
  return p
}

function makePlan(from: number, to: number, zeros: number, rolloff: number, beta: number): Plan {
  const g = gcd(from, to)
  const L = to / g // phases
  const M = from / g // input step per L outputs
  const ratio = Math.min(1, to / from)
  const rho = rolloff * ratio
  const W = zeros / ratio // half-width in input samples
  const Wc = Math.ceil(W)
  const K = 2 * Wc // taps per output: j = i − Wc + 1 … i + Wc
  const i0 = besselI0(beta)
  const kernel = (u: number): number => {
    if (Math.abs(u) >= W) return 0
    const r = u / W
    const w = besselI0(beta * Math.sqrt(1 - r * r)) / i0
    const a = Math.PI * rho * u
    return rho * (a === 0 ? 1 : Math.sin(a) / a) * w
  }
  const table = L * K <= MAX_TABLE ? new Float32Array(L * K) : undefined
  if (table) {
    for (let p = 0; p < L; p++) {
      for (let k = 0; k < K; k++) table[p * K + k] = kernel(p / L + Wc - 1 - k)
    }
  }
  return { L, M, Wc, K, table, kernel }
}

/** Input samples [i0, i1) that outputs o0 … o1−1 read (for handing a slice to a worker). */
export function resampleInputSpan(
  n: number,
  from: number,
  to: number,
  o0: number,
  o1: number,
  options: ResampleOptions = {},
): [number, number] {
  const { L, M, Wc } = plan(from, to, { ...options, zeros: options.zeros ?? 32 })
  const first = Math.floor((o0 * M) / L) - Wc + 1
  const last = Math.floor(((o1 - 1) * M) / L) + Wc
  return [Math.max(0, first), Math.min(n, last + 1)]
}

/** Outputs o0 … o1−1 of resampling the whole input, computed from a slice of it. */
export function resampleRange(
  x: Float32Array,
  slice: InputSlice,
  from: number,
  to: number,
  o0: number,
  o1: number,
  options: ResampleOptions = {},
): Float32Array {
  const { L, M, Wc, K, table, kernel } = plan(from, to, options)
  const y = new Float32Array(o1 - o0)
  const n = slice.length
  const off = slice.origin
  const native = table && (options.kernel === undefined ? resampleKernel() : options.kernel)
  if (native) {
    native(x, off, n, L, M, Wc, table, o0, o1, y)
    return y
  }
  for (let o = o0; o < o1; o++) {
    // t = o·M/L = i + p/L, exact in integers.
    const num = o * M
    const i = Math.floor(num / L)
    const p = num - i * L
    const j0 = i - Wc + 1
    let s = 0
    if (table) {
      const base = p * K
      const kLo = Math.max(0, -j0)
      const kHi = Math.min(K, n - j0)
      const xo = j0 - off
      for (let k = kLo; k < kHi; k++) s += x[xo + k] * table[base + k]
    } else {
      for (let k = 0; k < K; k++) {
        const j = j0 + k
        if (j >= 0 && j < n) s += x[j - off] * kernel(i + p / L - j)
      }
    }
    y[o - o0] = s
  }
  return y
}

/** The whole input resampled from `from` to `to` Hz. */
export function resample(
  x: Float32Array,
  from: number,
  to: number,
  options: ResampleOptions = {},
): Float32Array {
  if (from === to) return x.slice()
  return resampleRange(
    x,
    { origin: 0, length: x.length },
    from,
    to,
    0,
    resampledLength(x.length, from, to),
    options,
  )
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

/** Modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-12) break
  }
  return sum
}
