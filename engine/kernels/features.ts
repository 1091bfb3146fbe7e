/**
 * The native log-mel kernel (native/features.cc) for engine/features/audio-features.ts: frames t0 … t1−1
 * of a signal → ln(max(mel power, 1e-10)), computed as frames.ts's TS path computes it (same
 * window, real FFT, mel segments, float64 throughout), ≈ 5× less CPU per frame.
 *
 *   logmelFrames(x, origin, length, t0, t1, hop, win, segStart, rise, out)
 *
 * x holds samples origin … origin + x.length − 1 of a signal `length` samples long (zero
 * outside 0 … length − 1); frame t covers samples t·hop − N/2 … t·hop + N/2 − 1, N = win.length
 * (a power of two ≥ 8); segStart (B + 2) and rise (N/2 + 1) are mel.ts's `melSegments`; out
 * receives (t1 − t0) × B values, row-major. Throws (TypeError) when an argument does not fit,
 * e.g. a frame that reads samples x does not hold.
 *
 *   mfccFrames(x, origin, length, t0, t1, hop, win, segStart, rise, dct, out)
 *
 * the same log-mel rows times the DCT matrix (dct: n × B float32, mel.ts's dctMatrix), summed in
 * float64 as audio-features.ts's mfcc entry does; out (Float32Array) receives (t1 − t0) × n.
 * It spares the default spec (13 MFCC) a float64 block copy and a TS DCT per frame.
 *
 * Same selection rule as the training kernels (load.ts): FRAMEWISE_KERNELS=ts forces the TS
 * path, FRAMEWISE_KERNELS=native makes a missing addon an error, unset uses the addon if it loads.
 */
import { kernelsWanted, loadNativeTable, type NativeIsa, type NativeTable } from './load'

/** The kernel's signature, as the addon's table (load.ts) declares it. */
export type LogmelFrames = NativeTable['logmelFrames']
/** The MFCC kernel's signature. */
export type MfccFrames = NativeTable['mfccFrames']

let cached: LogmelFrames | null | undefined

/** The native kernel (widest ISA, or `isa`), or an Error saying why it cannot be used. */
export function loadNativeLogmel(isa?: NativeIsa): LogmelFrames | Error {
  const t = loadNativeTable(isa)
  if (t instanceof Error) return t
  if (typeof t.logmelFrames !== 'function') {
    return new Error('the native addon predates logmelFrames (run: node scripts/build-kernels.js)')
  }
  return t.logmelFrames
}

/** The log-mel kernel to use, or null for the TS path (cached per thread). */
export function logmelKernel(): LogmelFrames | null {
  if (cached !== undefined) return cached
  const want = kernelsWanted()
  if (want === 'ts') return (cached = null)
  const k = loadNativeLogmel()
  if (k instanceof Error) {
    if (want === 'native') throw k
    return (cached = null)
  }
  return (cached = k)
}

/** The native MFCC kernel (widest ISA, or `isa`), or an Error saying why it cannot be used. */
export function loadNativeMfcc(isa?: NativeIsa): MfccFrames | Error {
  const t = loadNativeTable(isa)
  if (t instanceof Error) return t
  if (typeof t.mfccFrames !== 'function') {
    return new Error('the native addon predates mfccFrames (run: node scripts/build-kernels.js)')
  }
  return t.mfccFrames
}

let cachedMfcc: MfccFrames | null | undefined

/** The MFCC kernel to use, or null for log-mel + the TS DCT (cached per thread). */
export function mfccKernel(): MfccFrames | null {
  if (cachedMfcc !== undefined) return cachedMfcc
  if (!logmelKernel()) return (cachedMfcc = null)
  const k = loadNativeMfcc()
  return (cachedMfcc = k instanceof Error ? null : k)
}
