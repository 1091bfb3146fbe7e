/**
 * The native resampling kernel (native/resample.cc) for engine/media/audio/resample.ts: the
 * polyphase inner loop of its Kaiser-windowed sinc, outputs o0 … o1−1 from a slice of the input,
 *
 *   resampleRange(x, origin, length, L, M, Wc, table, o0, o1, y)
 *   y[o − o0] = Σ_{k = kLo … kHi−1} x[j0 + k − origin] · table[p·K + k],
 *   i = ⌊o·M / L⌋,  p = o·M − i·L,  j0 = i − Wc + 1,  K = 2·Wc,  kLo = max(0, −j0),  kHi = min(K, length − j0)
 *
 * with resample.ts's tap table (L phases × K taps, float32). x holds input samples origin …
 * origin + x.length − 1 of an input `length` samples long; y receives o1 − o0 values. The sum
 * runs in float32 vector lanes (TS: float64), which changes outputs by ≲ 1e-6 of full scale, far
 * below the filter's 70 dB stopband (engine/kernels/resample.test.ts). Throws (TypeError) when
 * an argument does not fit, e.g. an output that reads samples x does not hold.
 *
 * Same selection rule as the other kernels (load.ts): FRAMEWISE_KERNELS=ts forces TS,
 * FRAMEWISE_KERNELS=native makes a missing addon an error, unset uses the addon if it loads.
 */
import { kernelsWanted, loadNativeTable, type NativeIsa, type NativeTable } from './load'

/** The kernel's signature, as the addon's table (load.ts) declares it. */
export type ResampleRange = NativeTable['resampleRange']

let cached: ResampleRange | null | undefined

/** The native kernel (widest ISA, or `isa`), or an Error saying why it cannot be used. */
export function loadNativeResample(isa?: NativeIsa): ResampleRange | Error {
  const t = loadNativeTable(isa)
  if (t instanceof Error) return t
  if (typeof t.resampleRange !== 'function') {
    return new Error('the native addon predates resampleRange (run: node scripts/build-kernels.js)')
  }
  return t.resampleRange
}

/** The resampling kernel to use, or null for the TS loop (cached per thread). */
export function resampleKernel(): ResampleRange | null {
  if (cached !== undefined) return cached
  const want = kernelsWanted()
  if (want === 'ts') return (cached = null)
  const k = loadNativeResample()
  if (k instanceof Error) {
    if (want === 'native') throw k
    return (cached = null)
  }
  return (cached = k)
}

/** Which resampler runs: 'native-<isa>' or 'ts' (for benchmarks and logs). */
export function resampleKernelName(): string {
  if (!resampleKernel()) return 'ts'
  const t = loadNativeTable()
  return t instanceof Error ? 'ts' : t.name
}
