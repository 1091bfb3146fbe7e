/** The Train panel's features preview: the training extraction over a window, as bytes. */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeWav } from '../media/audio/testing'
import { MAX_PREVIEW_SECONDS, featurePreview } from './preview'
import { parseFeatureSpec, PRESETS, type AudioSpec } from './spec'

const ctx = { signal: new AbortController().signal, progress: () => {} }
const RATE = 44100
let dir: string
let tone: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-preview-'))
  // 2 s of a 12 kHz tone: above the 8 kHz a 16 kHz spec keeps
  const x = Float64Array.from(
    { length: 2 * RATE },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * 12000 * i) / RATE),
  )
  tone = path.join(dir, 'tone.wav')
  await fs.writeFile(tone, makeWav({ bits: 16, rate: RATE, channels: [x] }))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const audio = (input: object) => parseFeatureSpec({ kind: 'audio', ...input }) as AudioSpec

describe('featurePreview', () => {
  it('computes the spec over the window at its rate, one byte per dimension and column', async () => {
    const spec = PRESETS.mfcc() as AudioSpec
    const p = await featurePreview(tone, 0.5, 1.5, spec, ctx)
    expect(p).toMatchObject({ start: 0.5, end: 1.5, truncated: false, fileSampleRate: RATE })
    expect(p.sampleRate).toBe(16000)
    expect(p.frames).toBe(Math.floor(16000 / 160) + 1)
    expect(p.dims).toBe(39)
    expect(p.names).toHaveLength(39)
    expect(Buffer.from(p.pixels, 'base64')).toHaveLength(p.dims * p.columns)
    expect(p.hi).toBeGreaterThan(p.lo)
  })

  it('shows a 12 kHz tone in the top mel bands of a full-band spec and nowhere at 16 kHz', async () => {
    const full = audio({
      sampleRate: RATE,
      features: [{ name: 'logmel' }],
      deltas: 0,
      normalization: { mode: 'none' },
    })
    const low = audio({
      features: [{ name: 'logmel' }],
      deltas: 0,
      normalization: { mode: 'none' },
    })
    const brightestBand = async (spec: AudioSpec) => {
      const p = await featurePreview(tone, 0.5, 1.5, spec, ctx)
      const px = Buffer.from(p.pixels, 'base64')
      const c = Math.floor(p.columns / 2)
      let best = 0
      for (let d = 1; d < p.dims; d++)
        if (px[d * p.columns + c] > px[best * p.columns + c]) best = d
      return { best, dims: p.dims, spread: p.hi - p.lo }
    }
    const f = await brightestBand(full)
    // HTK mel of 12 kHz within 0–22.05 kHz: band ≈ 40 · mel(12k)/mel(22.05k) ≈ 31
    expect(f.best).toBeGreaterThan(25)
    const l = await brightestBand(low)
    // resampled to 16 kHz the tone is gone: the bands are only the resampler's residue
    expect(l.spread).toBeLessThan(f.spread)
  })

  it(`computes at most ${MAX_PREVIEW_SECONDS} s and says the window was cut`, async () => {
    const long = path.join(dir, 'long.wav')
    const n = (MAX_PREVIEW_SECONDS + 5) * 8000
    await fs.writeFile(
      long,
      makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(n).fill(0.1)] }),
    )
    const p = await featurePreview(
      long,
      0,
      MAX_PREVIEW_SECONDS + 5,
      audio({ sampleRate: 8000 }),
      ctx,
    )
    expect(p.end).toBe(MAX_PREVIEW_SECONDS)
    expect(p.truncated).toBe(true)
    expect(p.columns).toBeLessThanOrEqual(1200)
  })
})
