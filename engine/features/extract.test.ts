import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeAiff, makeWav } from '../media/audio/testing'
import { readSeriesCsv } from '../media/series/csv'
import { resample } from '../media/audio/resample'
import {
  audioBaseFeatures,
  directWav,
  extractFileFeatures,
  extractSeriesFeatures,
  resampleParallel,
} from './extract'
import { audioFrameCount, computeAudioFrames } from './audio-features'
import { appendDeltas } from './deltas'
import { normalize } from './normalize'
import { parseFeatureSpec, type AudioSpec, type SeriesSpec } from './spec'

const dir = mkdtempSync(join(tmpdir(), 'fw-extract-'))
const noise = (n: number, seed = 1) => {
  let s = seed
  return new Float32Array(n).map(
    () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.5,
  )
}

describe('audioBaseFeatures', () => {
  it('two workers give exactly the rows of a single-thread pass, with progress', async () => {
    const x = noise(16000 * 40) // 40 s → 4001 frames → worker path
    const spec = parseFeatureSpec({
      kind: 'audio',
      features: [{ name: 'mfcc', n: 13 }, { name: 'spectralFlux' }],
    }) as AudioSpec
    const seen: number[] = []
    const par = await audioBaseFeatures(x, spec, { workers: 2, onProgress: (f) => seen.push(f) })
    const T = audioFrameCount(x.length, 160)
    const ref = computeAudioFrames(x, spec, 0, T)
    expect(par.length).toBe(ref.length)
    let d = 0
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(par[i] - ref[i]))
    expect(d).toBe(0)
    expect(seen.at(-1)).toBe(1)
  })
  it('stops on abort', async () => {
    const c = new AbortController()
    c.abort(new Error('cancelled'))
    const spec = parseFeatureSpec({ kind: 'audio' }) as AudioSpec
    await expect(audioBaseFeatures(noise(16000 * 40), spec, { signal: c.signal })).rejects.toThrow()
  })
})

describe('WAV files read by the feature workers themselves', () => {
  // 16 kHz WAVs at the spec's rate take the direct path (workers decode their own slices); the
  // rows must be exactly those of decoding the whole file first, for every channel choice.
  const L = Float64Array.from(noise(16000 * 35, 4))
  const R = Float64Array.from(noise(16000 * 35, 5))
  const ref = async (channel: 'mix' | number, spec: AudioSpec) => {
    const { decodeAudio } = await import('../media/audio/decode')
    const file = join(dir, `direct-ref.wav`)
    writeFileSync(file, makeWav({ bits: 16, rate: 16000, channels: [L, R] }))
    const { samples } = await decodeAudio(file, { channel })
    return computeAudioFrames(samples, spec, 0, audioFrameCount(samples.length, 160))
  }
  const title = '16-bit stereo, channel %s: same rows as decode-then-extract'
  it.each([['mix'], [1]] as const)(title, async (channel) => {
    const spec = parseFeatureSpec({
      kind: 'audio',
      channel,
      features: [{ name: 'logmel' }, { name: 'rms' }],
      deltas: 0,
      normalization: { mode: 'none' },
    }) as AudioSpec
    const file = join(dir, `direct-${channel}.wav`)
    writeFileSync(file, makeWav({ bits: 16, rate: 16000, channels: [L, R] }))
    expect((await directWav(file, spec, 2))?.info.frames).toBe(L.length) // the path under test
    const seen: number[] = []
    const onProgress = (f: number) => seen.push(f)
    const fm = await extractFileFeatures(file, spec, { workers: 2, onProgress })
    const want = await ref(channel, spec)
    expect(fm.frames).toBe(3501)
    expect(fm.data.length).toBe(want.length)
    let d = 0
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(fm.data[i] - want[i]))
    expect(d).toBe(0)
    expect(seen.at(-1)).toBe(1)
  })
  it('per-file CMVN from statistics gathered chunk by chunk = from the whole matrix', async () => {
    const { normalize } = await import('./normalize')
    const spec = parseFeatureSpec({
      kind: 'audio',
      features: [{ name: 'logmel' }],
      deltas: 0,
      normalization: { mode: 'per-file' },
    }) as AudioSpec
    const file = join(dir, 'direct-cmvn.wav')
    writeFileSync(file, makeWav({ bits: 16, rate: 16000, channels: [L] }))
    const fm = await extractFileFeatures(file, spec, { workers: 2 })
    const whole = normalize(await ref(0, spec), 40, spec.normalization) // channel 0 = L
    let d = 0
    for (let i = 0; i < whole.length; i++) d = Math.max(d, Math.abs(fm.data[i] - whole[i]))
    expect(d).toBeLessThan(1e-5)
  })
  it('stops on abort', async () => {
    const file = join(dir, 'direct-abort.wav')
    writeFileSync(file, makeWav({ bits: 16, rate: 16000, channels: [L] }))
    const spec = parseFeatureSpec({ kind: 'audio' }) as AudioSpec
    expect(await directWav(file, spec, 2)).toBeDefined()
    const c = new AbortController()
    const run = extractFileFeatures(file, spec, {
      workers: 2,
      signal: c.signal,
      onProgress: (f) => f > 0.2 && c.abort(new Error('cancelled')),
    })
    await expect(run).rejects.toThrow('cancelled')
  })
  const title44 = '44.1 kHz stereo: workers resample slices; rows = decode → resample → extract'
  it(title44, async () => {
    const spec = parseFeatureSpec({
      kind: 'audio',
      features: [{ name: 'mfcc', n: 13 }, { name: 'rms' }],
      deltas: 0,
      normalization: { mode: 'none' },
    }) as AudioSpec
    const at44 = join(dir, 'direct-44k.wav')
    const L44 = Float64Array.from(noise(44100 * 33, 11))
    const R44 = Float64Array.from({ length: L44.length }, (_, i) => Math.sin(i / 7) * 0.3)
    writeFileSync(at44, makeWav({ bits: 16, rate: 44100, channels: [L44, R44] }))
    const wav = await directWav(at44, spec, 2)
    expect(wav?.info.sampleRate).toBe(44100) // the path under test
    const fm = await extractFileFeatures(at44, spec, { workers: 2 })
    const { decodeAudio } = await import('../media/audio/decode')
    const x = resample((await decodeAudio(at44)).samples, 44100, 16000)
    const T = audioFrameCount(x.length, 160)
    const want = computeAudioFrames(x, spec, 0, T)
    expect(fm.frames).toBe(T)
    expect(T).toBe(3301)
    let d = 0
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(fm.data[i] - want[i]))
    expect(d).toBe(0)
  })
  it('is not taken for short files or no workers', async () => {
    const spec = parseFeatureSpec({ kind: 'audio' }) as AudioSpec
    const short = join(dir, 'direct-short.wav')
    writeFileSync(short, makeWav({ bits: 16, rate: 16000, channels: [L.subarray(0, 16000 * 20)] }))
    const short44 = join(dir, 'direct-short44.wav')
    const L20 = L.subarray(0, 44100 * 20)
    writeFileSync(short44, makeWav({ bits: 16, rate: 44100, channels: [L20] }))
    expect(await directWav(short, spec, 2)).toBeUndefined()
    expect(await directWav(short44, spec, 2)).toBeUndefined()
    expect(await directWav(join(dir, 'direct-mix.wav'), spec, 0)).toBeUndefined()
  })
})

describe('Δ/ΔΔ appended by the workers, chunk by chunk', () => {
  // The default spec (13 MFCC + Δ + ΔΔ): each worker computes a few frames more each side of
  // its chunk, so the rows must be exactly appendDeltas over the whole file's base features.
  const spec = (normalization: 'none' | 'per-file') =>
    parseFeatureSpec({ kind: 'audio', normalization: { mode: normalization } }) as AudioSpec
  const L48 = Float64Array.from(noise(48000 * 62, 21))
  const R48 = Float64Array.from({ length: L48.length }, (_, i) => Math.sin(i / 9) * 0.3)
  const reference = async (file: string, rate: number) => {
    const { decodeAudio } = await import('../media/audio/decode')
    const x = resample((await decodeAudio(file)).samples, rate, 16000)
    const T = audioFrameCount(x.length, 160)
    return { T, raw: appendDeltas(computeAudioFrames(x, spec('none'), 0, T), T, 13, 2, 2) }
  }
  const maxDiff = (a: Float32Array, b: Float32Array) => {
    expect(a.length).toBe(b.length)
    let d = 0
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]))
    return d
  }
  it.each([
    ['48 kHz stereo WAV (the workers read their slices)', 'wav'],
    ['48 kHz stereo AIFF (decoded here, slices sent)', 'aiff'],
  ])('%s: rows = whole-file Δ/ΔΔ exactly; per-file CMVN within 1e-5', async (_, kind) => {
    const file = join(dir, `deltas-48k.${kind === 'wav' ? 'wav' : 'aiff'}`)
    const channels = [L48, R48]
    writeFileSync(
      file,
      kind === 'wav'
        ? makeWav({ bits: 16, rate: 48000, channels })
        : makeAiff({ bits: 16, rate: 48000, channels }),
    )
    expect((await directWav(file, spec('none'), 2)) !== undefined).toBe(kind === 'wav')
    const { T, raw } = await reference(file, 48000)
    expect(T).toBe(6201) // 4 chunks of 2000 frames: three chunk edges inside the file
    const none = await extractFileFeatures(file, spec('none'), { workers: 2 })
    expect(none.dims).toBe(39)
    expect(maxDiff(none.data, raw)).toBe(0)
    const cmvn = await extractFileFeatures(file, spec('per-file'), { workers: 2 })
    expect(maxDiff(cmvn.data, normalize(raw.slice(), 39, { mode: 'per-file' }))).toBeLessThan(1e-5)
  })
})

describe('resampleParallel', () => {
  it('two workers give exactly the single-pass resampling of 70 s at 44.1 kHz', async () => {
    const x = noise(44100 * 70, 3)
    const par = await resampleParallel(x, 44100, 16000, { workers: 2 })
    const ref = resample(x, 44100, 16000)
    expect(par.length).toBe(1_120_000)
    let same = true
    for (let i = 0; i < ref.length && same; i++) same = par[i] === ref[i]
    expect(same).toBe(true)
  })
})

describe('extractFileFeatures', () => {
  const wav = join(dir, 'a.wav')
  writeFileSync(wav, makeWav({ bits: 16, rate: 44100, channels: [Array.from(noise(44100 * 2))] }))
  it('resamples, adds Δ/ΔΔ, applies per-file CMVN and caches un-normalised features', async () => {
    const cacheDir = join(dir, 'cache')
    const spec = parseFeatureSpec({ kind: 'audio' })
    const a = await extractFileFeatures(wav, spec, { cacheDir })
    expect(a.frames).toBe(audioFrameCount(32000, 160))
    expect(a.dims).toBe(39)
    expect(a.names.slice(12, 15)).toEqual(['mfcc12', 'd_mfcc0', 'd_mfcc1'])
    expect(a.frameTimes[100]).toBeCloseTo(1, 12)
    // per-file CMVN: each column has mean 0 and std 1
    for (const f of [0, 13, 38]) {
      let m = 0
      let v = 0
      for (let t = 0; t < a.frames; t++) m += a.data[t * 39 + f] / a.frames
      for (let t = 0; t < a.frames; t++) v += (a.data[t * 39 + f] - m) ** 2 / a.frames
      expect(m).toBeCloseTo(0, 4)
      expect(Math.sqrt(v)).toBeCloseTo(1, 3)
    }
    expect(readdirSync(cacheDir)).toHaveLength(1)
    // Same extraction, different normalisation: served from the same cache entry.
    const b = await extractFileFeatures(
      wav,
      parseFeatureSpec({ kind: 'audio', normalization: { mode: 'none' } }),
      { cacheDir },
    )
    expect(readdirSync(cacheDir)).toHaveLength(1)
    expect(b.specHash).not.toBe(a.specHash)
  })
})

describe('series features', () => {
  const csv = join(dir, 's.csv')
  writeFileSync(
    csv,
    'time,a,b\n' +
      Array.from({ length: 10 }, (_, i) => `${i / 10},${i},${i * i}`).join('\n') +
      '\n',
  )
  it('passes rows through as-is, with Δ', async () => {
    const s = await readSeriesCsv(csv)
    const f = extractSeriesFeatures(
      s,
      parseFeatureSpec({
        kind: 'series',
        deltas: 1,
        normalization: { mode: 'none' },
      }) as SeriesSpec,
    )
    expect(f.names).toEqual(['a', 'b', 'd_a', 'd_b'])
    expect(f.frames).toBe(10)
    expect(Array.from(f.data.subarray(5 * 4, 6 * 4))).toEqual([5, 25, 1, 10]) // Δb = (2·(49−9) + (36−16)) / 10
  })
  it('computes window statistics per frame', async () => {
    const s = await readSeriesCsv(csv)
    const spec = parseFeatureSpec({
      kind: 'series',
      channels: ['a'],
      frameLength: 4,
      hopLength: 4,
      stats: ['mean', 'min', 'max', 'std'],
      normalization: { mode: 'none' },
    }) as SeriesSpec
    const f = extractSeriesFeatures(s, spec)
    expect(f.frames).toBe(3)
    expect(Array.from(f.frameTimes)).toEqual([0, 0.4, 0.8])
    // frame 1: rows 2..5 → a = 2,3,4,5
    expect(Array.from(f.data.subarray(4, 8))).toEqual([3.5, 2, 5, Math.fround(Math.sqrt(1.25))])
  })
})

describe('series files', () => {
  it('take every numeric column but the time and label columns, unnormalised until trained', async () => {
    const file = join(dir, 'log-with-labels.csv')
    writeFileSync(file, 'time,ax,ay,label\n0,1,10,rest\n0.1,2,20,\n0.2,3,30,walk\n')
    const m = await extractFileFeatures(file, parseFeatureSpec({ kind: 'series' }))
    expect(m.names).toEqual(['ax', 'ay'])
    expect(Array.from(m.data)).toEqual([1, 10, 2, 20, 3, 30])
    expect(Array.from(m.frameTimes)).toEqual([0, 0.1, 0.2])
  })
})
