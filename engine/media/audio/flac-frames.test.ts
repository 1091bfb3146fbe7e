// FLAC slices decoded from their own frames (flac-frames.ts) against the whole-file decode, and
// the feature path that uses them (the workers' flacFrames jobs) against decode-then-extract.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hasTool } from '../../testing/tools'
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
const dir = mkdtempSync(join(tmpdir(), 'fw-flac-frames-'))

/** Seeded noise plus a tone per channel, as a FLAC made by sox from a 16-bit WAV. */
function flacOf(name: string, rate: number, channels: number, seconds: number): string {
  const rng = new Rng(7)
  const n = rate * seconds
  const ch = Array.from({ length: channels }, (_, c) =>
    Float64Array.from(
      { length: n },
      (_, i) => 0.05 * rng.normal() + 0.3 * Math.sin((2 * Math.PI * (440 + 200 * c) * i) / rate),
    ).map((v) => Math.max(-1, Math.min(1, v))),
  )
  const wav = join(dir, `${name}.wav`)
  writeFileSync(wav, makeWav({ bits: 16, rate, channels: ch }))
  const flac = join(dir, `${name}.flac`)
  execFileSync('sox', [wav, flac])
  return flac
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
      for (const [s0, s1] of spans) {
        const part = await readFlacRange(file, info!, channel, s0, s1)
        expect(Array.from(part), `${channel} ${s0}…${s1}`).toEqual(
          Array.from(whole.subarray(s0, s1)),
        )
      }
    }
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
