/**
 * `npm run bench:features`: real-time factor (seconds of audio per second of compute) of
 * 13 MFCC + Δ + ΔΔ with per-file CMVN at 16 kHz, 512-sample frames, 10 ms hop, on 2 worker
 * threads of the reused pool, for 10 minutes of synthetic audio. Prints one JSON line with the
 * warm-pool `rtf`, the first run including worker start-up (`rtfColdStart`; tsx compiles the
 * workers here, the built app does not), the single-thread rate, and `rtfFromWav44k`: the whole
 * path from a 44.1 kHz stereo WAV (decode, resample to 16 kHz on the pool, features).
 */
import { writeFileSync } from 'node:fs'
import { makeWav } from '../engine/media/audio/testing'
import { extractAudioFeatures, extractFileFeatures } from '../engine/features/extract'
import { parseFeatureSpec, type AudioSpec } from '../engine/features/spec'

const seconds = Number(process.env.FW_BENCH_SECONDS ?? 600)
const sr = 16000
const x = new Float32Array(seconds * sr)
let seed = 7
for (let i = 0; i < x.length; i++) {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  const t = i / sr
  x[i] = 0.3 * Math.sin(2 * Math.PI * (200 + 100 * Math.sin(t)) * t) + 0.05 * (seed / 2 ** 31 - 0.5)
}
const spec = parseFeatureSpec({
  kind: 'audio',
  features: [{ name: 'mfcc', n: 13 }],
  deltas: 2,
}) as AudioSpec

const time = async (workers: number) => {
  const t0 = performance.now()
  const m = await extractAudioFeatures(x, spec, { workers })
  return { s: (performance.now() - t0) / 1000, frames: m.frames, dims: m.dims }
}
const cold = await time(2) // starts the worker pool
const two = await time(2) // warm pool, as in the app after the first file
const one = await time(0)
// End to end from a 44.1 kHz stereo WAV: decode + resample to 16 kHz + features, no cache.
const wav = `/tmp/framewise-bench-features-${seconds}s.wav`
const src = new Float64Array(seconds * 44100).map(
  (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 44100),
)
writeFileSync(wav, makeWav({ bits: 16, rate: 44100, channels: [src, src] }))
const p0 = performance.now()
await extractFileFeatures(wav, spec, { workers: 2 })
const pipelineS = (performance.now() - p0) / 1000
console.log(
  JSON.stringify({
    bench: 'features',
    rtf: Math.round(seconds / two.s),
    audioSeconds: seconds,
    seconds: +two.s.toFixed(3),
    workers: 2,
    rtfColdStart: Math.round(seconds / cold.s),
    framesPerSecond: Math.round(two.frames / two.s),
    dims: two.dims,
    rtfOneThread: Math.round(seconds / one.s),
    rtfFromWav44k: Math.round(seconds / pipelineS),
    spec: 'mfcc13+d+dd, 16 kHz, N=512, hop=160, per-file CMVN',
  }),
)
