/**
 * Peaks read block by block (buildWavPeaks, what loadPeaks uses for WAV/AIFF) equal the pyramid
 * of the whole decoded signal, bucket for bucket, across block edges and for every channel choice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Rng } from '../../../models/rng'
import { decodeAudio } from './decode'
import { buildPeaks, buildWavPeaks } from './peaks'
import { makeWav } from './testing'

const dir = mkdtempSync(path.join(tmpdir(), 'fw-peaks-stream-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 2 blocks of 4096 × 256 frames and a ragged rest, so block and bucket edges are crossed. */
const FRAMES = 2 * 4096 * 256 + 70_001

function noise(seed: number, n: number): Float64Array {
  const rng = new Rng(seed)
  return Float64Array.from({ length: n }, (_, i) => 0.4 * rng.normal() * Math.sin(i / 5000))
}

describe('buildWavPeaks = buildPeaks(decodeAudio)', () => {
  const cases = [
    { name: 'stereo 16-bit, mix', bits: 16, channels: 2, channel: 'mix' as const },
    { name: 'stereo 16-bit, channel 1', bits: 16, channels: 2, channel: 1 },
    { name: 'mono 24-bit', bits: 24, channels: 1, channel: 'mix' as const },
  ]
  for (const c of cases)
    it(c.name, async () => {
      const file = path.join(dir, `${c.bits}-${c.channels}.wav`)
      const signals = Array.from({ length: c.channels }, (_, k) => noise(k + 1, FRAMES))
      writeFileSync(file, makeWav({ bits: c.bits, rate: 48000, channels: signals }))
      const whole = await decodeAudio(file, { channel: c.channel })
      const expected = buildPeaks(whole.samples, whole.sampleRate)
      const got = await buildWavPeaks(file, { channel: c.channel })
      expect(got.sampleRate).toBe(48000)
      expect(got.length).toBe(FRAMES)
      expect(got.levels.map((l) => l.bucketSize)).toEqual(expected.levels.map((l) => l.bucketSize))
      for (let k = 0; k < got.levels.length; k++)
        expect(got.levels[k].minMax).toEqual(expected.levels[k].minMax)
    })

  it('a channel the file does not have is refused naming the file', async () => {
    const file = path.join(dir, 'mono.wav')
    writeFileSync(file, makeWav({ bits: 16, rate: 8000, channels: [noise(3, 1000)] }))
    await expect(buildWavPeaks(file, { channel: 2 })).rejects.toThrow(/mono\.wav.*channel 2/)
  })
})
