/** The spectrogram's numbers: dB re full scale, rows at their frequencies, a level fixed per file. */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpectrogramImage } from '../api'
import { makeWav } from './audio/testing'
import {
  MAX_FRAMES_PER_COLUMN,
  PowerSpectrum,
  defaultFftSize,
  rowMap,
  spectrogramWindow,
  type SpectrogramOptions,
} from './spectrogram'

const ctx = { signal: new AbortController().signal, progress: () => {} }
let dir: string
const RATE = 16000
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-spectro-'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const sine = (n: number, f: number, a: number, rate = RATE) =>
  Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / rate))

async function wavFile(name: string, channels: Float64Array[], rate = RATE): Promise<string> {
  const file = path.join(dir, name)
  await fs.writeFile(file, makeWav({ bits: 16, rate, channels }))
  return file
}

const bytes = (img: SpectrogramImage) => Buffer.from(img.pixels, 'base64')
const dbAt = (img: SpectrogramImage, row: number, col: number) =>
  img.dbLo + bytes(img)[row * img.columns + col] * img.dbStep
/** The row with the largest byte in column c. */
function brightestRow(img: SpectrogramImage, c: number): number {
  const px = bytes(img)
  let best = 0
  for (let r = 1; r < img.bands; r++)
    if (px[r * img.columns + c] > px[best * img.columns + c]) best = r
  return best
}
const nearestRow = (img: SpectrogramImage, hz: number) =>
  img.rowHz.reduce((a, f, r) => (Math.abs(f - hz) < Math.abs(img.rowHz[a] - hz) ? r : a), 0)

describe('PowerSpectrum', () => {
  it.each(['hann', 'hamming', 'blackman'] as const)(
    'reads a full-scale sine at a bin centre as 0 dB in its bin (%s)',
    (kind) => {
      const N = 512
      const ps = new PowerSpectrum(N, kind)
      const k = 37
      const frame = Float32Array.from(sine(N, (k * RATE) / N, 1))
      const P = new Float64Array(ps.bins)
      ps.accumulate(frame, P)
      expect(10 * Math.log10(P[k])).toBeCloseTo(0, 1)
      // Half amplitude: −6.02 dB.
      P.fill(0)
      ps.accumulate(Float32Array.from(sine(N, (k * RATE) / N, 0.5)), P)
      expect(10 * Math.log10(P[k])).toBeCloseTo(-6.02, 1)
    },
  )

  it('picks the power of two nearest 25 ms', () => {
    expect(defaultFftSize(16000)).toBe(512)
    expect(defaultFftSize(44100)).toBe(1024)
    expect(defaultFftSize(8000)).toBe(256)
  })
})

describe('rowMap', () => {
  it('centres linear rows evenly and mel rows evenly in mel', () => {
    const lin = rowMap(4, 'linear', 0, 8000, 512, RATE)
    expect([...lin.hz]).toEqual([1000, 3000, 5000, 7000])
    // Row 0 spans [0, 2000): bins 0 … 63 at 31.25 Hz.
    expect([lin.k0[0], lin.k1[0]]).toEqual([0, 63])
    const mel = rowMap(2, 'mel', 0, 8000, 512, RATE)
    const m = (f: number) => 2595 * Math.log10(1 + f / 700)
    expect(m(mel.hz[0])).toBeCloseTo(m(8000) / 4, 6)
    expect(m(mel.hz[1])).toBeCloseTo((3 * m(8000)) / 4, 6)
  })

  it('interpolates rows narrower than a bin', () => {
    const fine = rowMap(1000, 'linear', 1000, 1100, 512, RATE)
    expect(fine.k1[500]).toBeLessThan(fine.k0[500])
    expect(fine.kf[500]).toBeCloseTo(fine.hz[500] / (RATE / 512), 9)
  })
})

describe('spectrogramWindow', () => {
  const opts = (o: Partial<SpectrogramOptions> = {}) => o

  it('puts a sine in the row of its frequency, linear and mel, and zoomed in frequency', async () => {
    const file = await wavFile('tones.wav', [sine(2 * RATE, 3000, 0.5)])
    for (const scale of ['linear', 'mel'] as const) {
      const img = await spectrogramWindow(file, 0, 2, 50, 128, ctx, opts({ scale }))
      expect(img.rowHz).toHaveLength(128)
      for (const c of [10, 25, 40])
        expect(Math.abs(brightestRow(img, c) - nearestRow(img, 3000))).toBeLessThanOrEqual(1)
      // A 0.5-amplitude sine is −6 dB re full scale (within a byte step and the window's scallop).
      expect(Math.abs(dbAt(img, brightestRow(img, 25), 25) + 6)).toBeLessThan(2)
    }
    const zoom = await spectrogramWindow(file, 0, 2, 50, 100, ctx, opts({ fMin: 2000, fMax: 4000 }))
    expect(zoom.fMin).toBe(2000)
    expect(zoom.fMax).toBe(4000)
    expect(zoom.rowHz[0]).toBeCloseTo(2010, 6)
    expect(Math.abs(brightestRow(zoom, 25) - 50)).toBeLessThanOrEqual(1)
  })

  it('keeps one dB range for the file: a quiet stretch is as dark zoomed in as in the whole view', async () => {
    // 2 s of faint noise, then 2 s of a loud tone.
    let seed = 7
    const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1
    const x = Float64Array.from({ length: 4 * RATE }, (_, i) =>
      i < 2 * RATE ? 0.002 * noise() : 0.8 * Math.sin((2 * Math.PI * 1000 * i) / RATE),
    )
    const file = await wavFile('quiet-loud.wav', [x])
    const whole = await spectrogramWindow(file, 0, 4, 80, 64, ctx)
    const quiet = await spectrogramWindow(file, 0.5, 1.5, 80, 64, ctx)
    expect([quiet.dbLo, quiet.dbStep, quiet.floorDb, quiet.ceilingDb]).toEqual([
      whole.dbLo,
      whole.dbStep,
      whole.floorDb,
      whole.ceilingDb,
    ])
    const mean = (img: SpectrogramImage, c0: number, c1: number) => {
      const px = bytes(img)
      let s = 0
      for (let r = 0; r < img.bands; r++) for (let c = c0; c < c1; c++) s += px[r * img.columns + c]
      return s / (img.bands * (c1 - c0))
    }
    const zoomedMean = mean(quiet, 0, 80)
    expect(Math.abs(zoomedMean - mean(whole, 10, 30))).toBeLessThan(4)
    // Noise at −54 dBFS over 256 bins reads far below the tone's ceiling, zoomed in or not.
    expect(whole.dbLo + zoomedMean * whole.dbStep).toBeLessThan(whole.ceilingDb - 40)
    expect(dbAt(whole, nearestRow(whole, 1000), 60)).toBeGreaterThan(whole.ceilingDb - 6)
  })

  it('computes a column per pixel at deep zoom and bounds the frames per column zoomed out', async () => {
    const file = await wavFile('long.wav', [sine(60 * RATE, 500, 0.3)])
    // 50 ms on 800 px: 1 sample per column, so frames overlap far more than the least 50%.
    const deep = await spectrogramWindow(file, 10, 10.05, 800, 64, ctx)
    expect(deep.columns).toBe(800)
    expect(deep.framesPerColumn).toBe(1)
    expect(deep.hop).toBeCloseTo(0.05 / 800, 12)
    expect(deep.overlap).toBeGreaterThan(0.99)
    const px = bytes(deep)
    const row = nearestRow(deep, 500)
    // The tone is steady: every column shows it (no stretched or empty columns).
    for (let c = 0; c < 800; c++) expect(px[row * 800 + c]).toBeGreaterThan(200)
    const out = await spectrogramWindow(file, 0, 60, 100, 64, ctx)
    expect(out.framesPerColumn).toBe(MAX_FRAMES_PER_COLUMN)
    expect(out.hop).toBeCloseTo(0.6, 9)
  })

  it('shows the chosen channel or the mix, and names the channels a file has', async () => {
    const file = await wavFile('stereo.wav', [sine(RATE, 1000, 0.5), sine(RATE, 5000, 0.5)])
    const left = await spectrogramWindow(file, 0, 1, 20, 80, ctx, opts({ channel: 0 }))
    const right = await spectrogramWindow(file, 0, 1, 20, 80, ctx, opts({ channel: 1 }))
    expect([left.channels, right.channels, right.channel]).toEqual([2, 2, 1])
    expect(Math.abs(brightestRow(left, 10) - nearestRow(left, 1000))).toBeLessThanOrEqual(1)
    expect(Math.abs(brightestRow(right, 10) - nearestRow(right, 5000))).toBeLessThanOrEqual(1)
    const mix = await spectrogramWindow(file, 0, 1, 20, 80, ctx)
    expect(dbAt(mix, nearestRow(mix, 1000), 10)).toBeGreaterThan(mix.ceilingDb - 10)
    expect(dbAt(mix, nearestRow(mix, 5000), 10)).toBeGreaterThan(mix.ceilingDb - 10)
    await expect(spectrogramWindow(file, 0, 1, 20, 80, ctx, opts({ channel: 2 }))).rejects.toThrow(
      /stereo\.wav.*2 channels: there is no channel 3/,
    )
  })
})
