// FLAC slices decoded from their own frames (flac-frames.ts) against the whole-file decode, and
// the feature path that uses them (the workers' flacFrames jobs) against decode-then-extract.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hasTool, requireUnderCi } from '../../testing/tools'
import { loadNativeFlac } from '../../kernels/flac'
import { decodeAudio } from './decode'
import { headerSample, readFlacInfo, readFlacRange } from './flac-frames'
import { makeWav } from './testing'
import { resample } from './resample'
import { directFlac, extractFileFeatures } from '../../features/extract'
import { audioFrameCount, computeAudioFrames } from '../../features/audio-features'
import { appendDeltas } from '../../features/deltas'
import { parseFeatureSpec, type AudioSpec } from '../../features/spec'
import { Rng } from '../../../models/rng'

const hasSox = hasTool('sox', 'sox', ['--version'], 'apt-get install sox')
const requireNative = requireUnderCi(
  !(loadNativeFlac() instanceof Error),
  'the native kernel addon',
  'g++ and node-gyp build it in npm ci',
)
const dir = mkdtempSync(join(tmpdir(), 'fw-flac-frames-'))

/** Seeded noise plus a tone per channel, as a FLAC made by sox from a WAV. */
function flacOf(
  name: string,
  rate: number,
  channels: number,
  seconds: number,
  sox: string[] = [],
  bits = 16,
): string {
  const rng = new Rng(7)
  const n = rate * seconds
  const ch = Array.from({ length: channels }, (_, c) =>
    Float64Array.from(
      { length: n },
      (_, i) => 0.05 * rng.normal() + 0.3 * Math.sin((2 * Math.PI * (440 + 200 * c) * i) / rate),
    ).map((v) => Math.max(-1, Math.min(1, v))),
  )
  const wav = join(dir, `${name}.wav`)
  writeFileSync(wav, makeWav({ bits, rate, channels: ch }))
  const flac = join(dir, `${name}.flac`)
  execFileSync('sox', [wav, ...sox, flac])
  return flac
}

/** Samples that differ (or a length mismatch): a count, since a diff of 10⁵ values is slow. */
function mismatches(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length)
  let n = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++
  return n
}

describe.skipIf(!hasSox)('FLAC slices decoded from their own frames', () => {
  it('any slice equals the same samples of the whole-file decode (mix and one channel)', async () => {
    const file = flacOf('stereo48', 48000, 2, 40)
    const info = await readFlacInfo(file)
    expect(info).toMatchObject({ sampleRate: 48000, channels: 2, bits: 16, frames: 48000 * 40 })
    expect(info!.blockSize).toBeGreaterThan(0)
    for (const channel of ['mix', 1] as const) {
      const whole = (await decodeAudio(file, { channel })).samples
      // the start, frame edges, mid-frame, the end
      const spans = [
        [0, 1000],
        [info!.blockSize - 5, 3 * info!.blockSize + 7],
        [777_777, 1_234_567],
        [whole.length - 5000, whole.length],
      ]
      for (const [s0, s1] of spans)
        for (const kernel of [null, undefined]) {
          // null: audio-decode decodes the frames; undefined: the native decoder when present
          const part = await readFlacRange(file, info!, channel, s0, s1, kernel)
          const want = whole.subarray(s0, s1)
          expect(mismatches(part, want), `${channel} ${s0}…${s1} ${kernel}`).toBe(0)
        }
    }
  })

  // sox -C 0 … 8: fixed predictors only up to LPC of high order, stereo decorrelation modes,
  // escape-coded partitions; 24-bit and 6 channels for the sample sizes and channel layouts
  const encodings: [string, number, number, string[], number][] = [
    ['C0 stereo', 44100, 2, ['-C', '0'], 16],
    ['C5 stereo', 48000, 2, ['-C', '5'], 16],
    ['C8 stereo', 48000, 2, ['-C', '8'], 16],
    ['C8 mono 24-bit', 16000, 1, ['-C', '8'], 24],
    ['C5 6 channels', 48000, 6, ['-C', '5'], 16],
  ]
  for (const [title, rate, channels, sox, bits] of encodings) {
    it(`native decoder = audio-decode, sample for sample: ${title}`, async () => {
      const native = loadNativeFlac()
      if (native instanceof Error) return expect(requireNative).toBe(false)
      const file = flacOf(title.replace(/ /g, '-'), rate, channels, 6, sox, bits)
      const info = (await readFlacInfo(file))!
      expect(info.bits).toBe(bits)
      for (const channel of ['mix', channels - 1] as const) {
        const whole = (await decodeAudio(file, { channel })).samples
        for (const [s0, s1] of [
          [0, whole.length],
          [12345, 54321],
        ]) {
          const got = await readFlacRange(file, info, channel, s0, s1, native)
          expect(mismatches(got, whole.subarray(s0, s1)), `${channel} ${s0}…${s1}`).toBe(0)
        }
      }
    })
  }

  it('a damaged frame stops the native decoder with an error naming its byte', async () => {
    const native = loadNativeFlac()
    if (native instanceof Error) return expect(requireNative).toBe(false)
    const file = flacOf('damaged', 16000, 1, 5)
    const info = (await readFlacInfo(file))!
    const b = readFileSync(file)
    b[Math.floor(b.length / 2)] ^= 0x55
    writeFileSync(file, b)
    await expect(readFlacRange(file, info, 'mix', 0, info.frames, native)).rejects.toThrow(
      /FLAC frame at byte \d+ does not decode/,
    )
  })

  it('a frame header is recognised only with its CRC-8 and the stream’s own format', async () => {
    const file = flacOf('mono16', 16000, 1, 5)
    const info = (await readFlacInfo(file))!
    const b = readFileSync(file)
    expect(headerSample(b, info.firstFrame, info)).toBe(0)
    const bad = Buffer.from(b.subarray(info.firstFrame, info.firstFrame + 16))
    bad[4] ^= 1 // the frame number changes, the CRC-8 no longer fits
    expect(headerSample(bad, 0, info)).toBe(-1)
    expect(headerSample(b, info.firstFrame, { ...info, channels: 2 })).toBe(-1)
    expect(headerSample(b, info.firstFrame + 1, info)).toBe(-1)
  })

  it('the feature workers decode their own slices: rows = decode → resample → features', async () => {
    const file = flacOf('stereo44', 44100, 2, 62)
    const spec = parseFeatureSpec({ kind: 'audio', normalization: { mode: 'none' } }) as AudioSpec
    expect((await directFlac(file, spec, 2))?.info.blockSize).toBeGreaterThan(0) // the path under test
    const fm = await extractFileFeatures(file, spec, { workers: 2 })
    const x = resample((await decodeAudio(file)).samples, 44100, 16000)
    const T = audioFrameCount(x.length, 160)
    const want = appendDeltas(computeAudioFrames(x, spec, 0, T), T, 13, 2, 2)
    expect(fm.frames).toBe(T)
    let d = 0
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(fm.data[i] - want[i]))
    expect(d).toBe(0)
  })
})
