/** The view requests (getPeaks, getSeries, getMediaSource) through Service.call, as the renderer sends them. */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PeaksWindow, SeriesWindow } from '../api'
import { makeWav } from './audio/testing'
import { Service } from '../service'

let dir: string
let service: Service
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-views-'))
  service = new Service(() => {}, { mediaUrl: (id) => `/media?id=${encodeURIComponent(id)}` })
  await fs.writeFile(path.join(dir, 'tone.wav'), wav(4, 8000))
  // 1000 rows at 100 Hz; channel a is a ramp 0..999, b has one spike at row 500.
  const rows = [
    'time,a,b',
    ...Array.from({ length: 1000 }, (_, i) => `${i / 100},${i},${i === 500 ? 50 : 0}`),
  ]
  await fs.writeFile(path.join(dir, 'imu.csv'), rows.join('\n') + '\n')
  await ok('createProject', { dir })
  await ok('addMedia', { paths: ['tone.wav', 'imu.csv'] })
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await service.call(method, params)
  if (!r.ok) throw new Error(r.error.message)
  return r.result as T
}

/** 16-bit mono WAV: first half silent, second half full-scale ±0.5 square wave. */
function wav(seconds: number, rate: number): Buffer {
  const n = seconds * rate
  const x = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : i % 2 ? 0.5 : -0.5))
  return makeWav({ bits: 16, rate, channels: [x] })
}

describe('getPeaks', () => {
  it('gives the peaks of one channel and the channel count of the file', async () => {
    // Left silent, right a ±0.5 square wave.
    const n = 8000
    const right = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 0.5 : -0.5))
    await fs.writeFile(
      path.join(dir, 'stereo.wav'),
      makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(n), right] }),
    )
    await ok('addMedia', { paths: ['stereo.wav'] })
    const peak = (p: PeaksWindow) => Math.max(...p.minMax.map(Math.abs))
    const get = (channel?: 'mix' | number) =>
      ok<PeaksWindow>('getPeaks', {
        media: 'stereo.wav',
        start: 0,
        end: 1,
        pixels: 50,
        ...(channel === undefined ? {} : { channel }),
        jobId: `pc${channel}`,
      })
    const [mix, l, r] = [await get(), await get(0), await get(1)]
    expect([mix.channels, l.channels, r.channels]).toEqual([2, 2, 2])
    expect(peak(l)).toBe(0)
    expect(peak(r)).toBeCloseTo(0.5, 3)
    expect(peak(mix)).toBeCloseTo(0.25, 3)
    const none = await service.call('getPeaks', {
      media: 'stereo.wav',
      start: 0,
      end: 1,
      pixels: 50,
      channel: 2,
      jobId: 'pc9',
    })
    expect(none).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('2 channels: there is no channel 3') },
    })
  })

  it('returns the coarsest level that still gives a bucket per pixel, for the window only', async () => {
    // 1 s at 8 kHz over 10 px: 800 samples/px → 256-sample buckets (1024 would be too coarse).
    const w = await ok<PeaksWindow>('getPeaks', {
      media: 'tone.wav',
      start: 2.5,
      end: 3.5,
      pixels: 10,
      jobId: 'p1',
    })
    expect(w.duration).toBe(4)
    expect(w.bucketSize).toBe(256)
    expect(w.start).toBeLessThanOrEqual(2.5)
    expect(w.start).toBeGreaterThan(2.5 - 256 / 8000)
    expect(w.minMax.length / 2).toBeGreaterThanOrEqual(Math.floor(8000 / 256))
    expect(w.minMax.length / 2).toBeLessThanOrEqual(Math.ceil(8000 / 256) + 1)
    expect(w.minMax[0]).toBe(-0.5)
    expect(w.minMax[1]).toBe(0.5)
  })

  it('reads the samples themselves when zoomed in past the finest pyramid level', async () => {
    // 10 ms at 8 kHz over 200 px: 0.4 samples per pixel → one sample per bucket.
    const w = await ok<PeaksWindow>('getPeaks', {
      media: 'tone.wav',
      start: 3,
      end: 3.01,
      pixels: 200,
      jobId: 'r1',
    })
    expect(w.bucketSize).toBe(1)
    expect(w.start).toBe(3)
    expect(w.minMax.length / 2).toBe(80)
    for (let k = 0; k < 80; k++) {
      const v = (3 * 8000 + k) % 2 ? 0.5 : -0.5
      expect([w.minMax[2 * k], w.minMax[2 * k + 1]]).toEqual([v, v])
    }
    // 0.1 s over 100 px: 8 samples per pixel → buckets of 8 (finer than the pyramid's 256).
    const coarse = await ok<PeaksWindow>('getPeaks', {
      media: 'tone.wav',
      start: 1.95,
      end: 2.05,
      pixels: 100,
      jobId: 'r2',
    })
    expect(coarse.bucketSize).toBe(8)
    expect(coarse.minMax.slice(0, 2)).toEqual([0, 0])
    expect(coarse.minMax.slice(-2)).toEqual([-0.5, 0.5])
  })

  it('sees silence before the middle and clamps a window past the end', async () => {
    const quiet = await ok<PeaksWindow>('getPeaks', {
      media: 'tone.wav',
      start: 0,
      end: 1,
      pixels: 100,
      jobId: 'p2',
    })
    expect(Math.max(...quiet.minMax.map(Math.abs))).toBe(0)
    const past = await ok<PeaksWindow>('getPeaks', {
      media: 'tone.wav',
      start: 10,
      end: 20,
      pixels: 100,
      jobId: 'p3',
    })
    expect(past.minMax).toEqual([])
    const whole = await ok<PeaksWindow>('getPeaks', {
      media: 'tone.wav',
      start: 0,
      end: 1e9,
      pixels: 4,
      jobId: 'p4',
    })
    expect(whole.start).toBe(0)
    expect(whole.minMax.length / 2).toBeGreaterThanOrEqual(4)
  })

  it('refuses a CSV, an unknown media id, a path outside the project and a reversed window', async () => {
    const csv = await service.call('getPeaks', {
      media: 'imu.csv',
      start: 0,
      end: 1,
      pixels: 10,
      jobId: 'q1',
    })
    expect(csv).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    const other = await service.call('getPeaks', {
      media: '../etc/passwd',
      start: 0,
      end: 1,
      pixels: 10,
      jobId: 'q2',
    })
    expect(other).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    const reversed = await service.call('getPeaks', {
      media: 'tone.wav',
      start: 2,
      end: 1,
      pixels: 10,
      jobId: 'q3',
    })
    expect(reversed).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    const extra = await service.call('getPeaks', {
      media: 'tone.wav',
      start: 0,
      end: 1,
      pixels: 10,
      jobId: 'q4',
      path: '/x',
    })
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
  })
})

describe('getSeries', () => {
  it('returns the rows of a window as they are when they fit', async () => {
    const s = await ok<SeriesWindow>('getSeries', {
      media: 'imu.csv',
      start: 1,
      end: 2,
      points: 1000,
      jobId: 's1',
    })
    expect(s.channels).toEqual(['a', 'b'])
    expect(s.rows).toBe(1000)
    expect(s.sampleRate).toBeCloseTo(100, 6)
    expect(s.duration).toBeCloseTo(10, 6)
    expect(s.ranges).toEqual([
      [0, 999],
      [0, 50],
    ])
    // Rows from the one before the window to the first at or after its end, so lines reach both edges.
    expect(s.times[0]).toBeCloseTo(0.99, 9)
    expect(s.times.at(-1)).toBeCloseTo(2, 9)
    expect(s.values[0]).toEqual(s.times.map((t) => Math.round(t * 100)))
  })

  it('decimates to min/max pairs above the point budget without losing a spike', async () => {
    const s = await ok<SeriesWindow>('getSeries', {
      media: 'imu.csv',
      start: 0,
      end: 10,
      points: 20,
      jobId: 's2',
    })
    expect(s.times).toHaveLength(20)
    for (let i = 1; i < s.times.length; i++) expect(s.times[i]).toBeGreaterThan(s.times[i - 1])
    expect(Math.max(...s.values[1])).toBe(50)
    expect(s.values[0][0]).toBe(0)
    expect(Math.max(...s.values[0])).toBe(999)
  })

  it('refuses an audio file', async () => {
    const r = await service.call('getSeries', {
      media: 'tone.wav',
      start: 0,
      end: 1,
      points: 10,
      jobId: 's3',
    })
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-input' } })
  })
})

describe('getMediaSource', () => {
  it('gives the transport URL and MIME type of project audio only', async () => {
    expect(await ok('getMediaSource', { media: 'tone.wav' })).toEqual({
      url: '/media?id=tone.wav',
      mime: 'audio/wav',
    })
    expect(await service.call('getMediaSource', { media: 'imu.csv' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    })
    expect(await service.call('getMediaSource', { media: 'nope.wav' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    })
  })

  it('says so where the transport cannot serve media', async () => {
    const bare = new Service(() => {})
    await bare.call('openProject', { dir })
    expect(await bare.call('getMediaSource', { media: 'tone.wav' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('playback') },
    })
  })
})

describe('importLabels / exportLabels', () => {
  const segments = [
    { start: 0.5, end: 1.25, label: 'event' },
    { start: 2, end: 3, label: 'event' },
  ]

  it('exports the saved labels in the format of the extension and reads them back', async () => {
    await ok('saveLabels', { media: 'tone.wav', baseRevision: 0, segments })
    for (const [name, format] of [
      ['out.txt', 'audacity'],
      ['out.selections.txt', 'raven'],
      ['out.TextGrid', 'textgrid'],
      ['out.csv', 'csv'],
      ['out.json', 'json'],
    ]) {
      const written = await ok<{ file: string; format: string; count: number }>('exportLabels', {
        media: 'tone.wav',
        path: name,
      })
      expect(written).toEqual({ file: path.join(dir, name), format, count: 2 })
      const read = await ok<{ segments: unknown[]; unknownClasses: string[] }>('importLabels', {
        media: 'tone.wav',
        path: name,
      })
      expect(read.segments).toEqual(segments)
      expect(read.unknownClasses).toEqual([])
    }
  })

  it('keeps an existing file unless told to overwrite, and needs a format it can tell', async () => {
    await fs.writeFile(path.join(dir, 'taken.txt'), 'mine')
    expect(
      await service.call('exportLabels', { media: 'tone.wav', path: 'taken.txt' }),
    ).toMatchObject({ ok: false, error: { code: 'conflict' } })
    expect(await fs.readFile(path.join(dir, 'taken.txt'), 'utf8')).toBe('mine')
    expect(
      await service.call('exportLabels', { media: 'tone.wav', path: 'taken.txt', overwrite: true }),
    ).toMatchObject({ ok: true })
    expect(
      await service.call('exportLabels', { media: 'tone.wav', path: 'x.labels-out' }),
    ).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    expect(
      await service.call('exportLabels', { media: 'tone.wav', path: 'x.dat', format: 'json' }),
    ).toMatchObject({ ok: true })
    expect(
      await service.call('exportLabels', { media: 'tone.wav', path: 'x.dat', format: 'exe' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(await service.call('exportLabels', { media: 'nope.wav', path: 'y.txt' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    })
  })

  it('reports classes the project does not have, and names the file of an unreadable one', async () => {
    await fs.writeFile(
      path.join(dir, 'aud.txt'),
      '0.1\t0.2\tbird\n0.3\t0.5\tevent\n0.6\t0.7\tfrog\n',
    )
    const read = await ok<{ segments: { label: string }[]; unknownClasses: string[] }>(
      'importLabels',
      { media: 'tone.wav', path: path.join(dir, 'aud.txt') },
    )
    expect(read.segments.map((s) => s.label)).toEqual(['bird', 'event', 'frog'])
    expect(read.unknownClasses).toEqual(['bird', 'frog'])
    const missing = await service.call('importLabels', { media: 'tone.wav', path: 'missing.txt' })
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('missing.txt') },
    })
  })
})

describe('getSpectrogram', () => {
  type Image = { columns: number; bands: number; rowHz: number[]; pixels: string }
  const brightest = (img: Image, c: number) => {
    const px = Buffer.from(img.pixels, 'base64')
    let best = 0
    for (let b = 1; b < img.bands; b++)
      if (px[b * img.columns + c] > px[best * img.columns + c]) best = b
    return best
  }

  it('puts a 1 kHz sine in the row centred nearest 1 kHz, on either scale, and silence at 0', async () => {
    const rate = 8000
    const n = 2 * rate
    // Silence for 1 s, then a 1 kHz sine.
    const x = Float64Array.from({ length: n }, (_, i) =>
      i < rate ? 0 : (12000 / 32768) * Math.sin((2 * Math.PI * 1000 * i) / rate),
    )
    const b = makeWav({ bits: 16, rate, channels: [x] })
    await fs.writeFile(path.join(dir, 'sine.wav'), b)
    await ok('addMedia', { paths: ['sine.wav'] })
    for (const scale of ['linear', 'mel'] as const) {
      const img = await ok<Image>('getSpectrogram', {
        media: 'sine.wav',
        start: 0,
        end: 2,
        columns: 40,
        bands: 40,
        scale,
        window: 'blackman',
        fftSize: 512,
        jobId: `g1${scale}`,
      })
      expect(Buffer.from(img.pixels, 'base64')).toHaveLength(40 * 40)
      const expected = img.rowHz.reduce(
        (a, f, k) => (Math.abs(f - 1000) < Math.abs(img.rowHz[a] - 1000) ? k : a),
        0,
      )
      for (const c of [25, 30, 35])
        expect(Math.abs(brightest(img, c) - expected)).toBeLessThanOrEqual(1)
      const px = Buffer.from(img.pixels, 'base64')
      for (let band = 0; band < img.bands; band++) expect(px[band * img.columns + 5]).toBe(0)
    }
  })

  it('refuses an FFT size that is not a power of two and a reversed frequency range', async () => {
    const base = { media: 'tone.wav', start: 0, end: 1, columns: 10, bands: 16 }
    for (const bad of [{ fftSize: 1000 }, { fMin: 3000, fMax: 2000 }])
      expect(await service.call('getSpectrogram', { ...base, ...bad, jobId: 'g4' })).toMatchObject({
        ok: false,
        error: { code: 'invalid-request' },
      })
  })

  it('refuses a CSV and an empty window', async () => {
    expect(
      await service.call('getSpectrogram', {
        media: 'imu.csv',
        start: 0,
        end: 1,
        columns: 10,
        bands: 16,
        jobId: 'g2',
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    })
    expect(
      await service.call('getSpectrogram', {
        media: 'tone.wav',
        start: 1,
        end: 1,
        columns: 10,
        bands: 16,
        jobId: 'g3',
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    })
  })
})
