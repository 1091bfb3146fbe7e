/**
 * The native FLAC frame decoder (native/flac.cc) for engine/media/audio/flac-frames.ts:
 *
 *   flacDecode(data, channels, bits, channel, skip, out, want) → samples written
 *
 * decodes the consecutive frames of `data` (its first byte starts a frame header) of a stream of
 * `channels` channels at `bits` bits, drops the first `skip` samples, and writes up to `want`
 * mono samples into out: the channels' mean (channel −1) or one channel, float32
 * s / (2^(bits−1) − 1), as audio-decode gives them and media/audio/decode.ts mixes them. It returns fewer than `want`
 * when the data ends (a frame cut by the end is left out), and −1 − offset when the frame at
 * byte `offset` does not decode or fails its CRC-16. ≈ 20× less CPU than audio-decode's wasm
 * libFLAC behind its JavaScript frame splitter.
 *
 * Same selection rule as the other kernels (load.ts): FRAMEWISE_KERNELS=ts uses audio-decode,
 * FRAMEWISE_KERNELS=native makes a missing addon an error, unset uses the addon if it loads.
 */
import { kernelsWanted, loadNativeTable, type NativeIsa, type NativeTable } from './load'

/** The kernel's signature, as the addon's table (load.ts) declares it. */
export type FlacDecode = NativeTable['flacDecode']

let cached: FlacDecode | null | undefined

/** The native decoder (widest ISA, or `isa`), or an Error saying why it cannot be used. */
export function loadNativeFlac(isa?: NativeIsa): FlacDecode | Error {
  const t = loadNativeTable(isa)
  if (t instanceof Error) return t
  if (typeof t.flacDecode !== 'function') {
    return new Error('the native addon predates flacDecode (run: node scripts/build-kernels.js)')
  }
  return t.flacDecode
}

/** The FLAC decoder to use, or null for audio-decode (cached per thread). */
export function flacKernel(): FlacDecode | null {
  if (cached !== undefined) return cached
  const want = kernelsWanted()
  if (want === 'ts') return (cached = null)
  const k = loadNativeFlac()
  if (k instanceof Error) {
    if (want === 'native') throw k
    return (cached = null)
  }
  return (cached = k)
}
