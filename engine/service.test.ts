import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Progress } from './api'
import { makeWav, sine } from './media/audio/testing'
import { Service } from './service'

let dir: string
let events: Progress[]
let service: Service
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-service-'))
  events = []
  service = new Service(
    (event, ...args) => void (event === 'progress' && events.push(args[0] as Progress)),
  )
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

/** A 16-bit mono PCM WAV of `seconds` of a 440 Hz sine at `rate`, amplitude 16000/32768. */
const sineWav = (seconds: number, rate = 8000) =>
  makeWav({
    bits: 16,
    rate,
    channels: [sine(Math.round(seconds * rate), 440, rate, 16000 / 32768)],
  })

describe('Service.call validates at the boundary', () => {
  it.each([
    ['no params object', 'openProject', 'x'],
    ['wrong type', 'openProject', { dir: 7 }],
    ['extra field', 'openProject', { dir: '/tmp', sneaky: true }],
    [
      'bad segment',
      'saveLabels',
      { media: 'a.wav', baseRevision: 0, segments: [{ start: 2, end: 1, label: 'x' }] },
    ],
    [
      'NaN time',
      'saveLabels',
      { media: 'a.wav', baseRevision: 0, segments: [{ start: Number.NaN, end: 1, label: 'x' }] },
    ],
    ['bad job id', 'cancelJob', { jobId: '../../etc' }],
    ['an empty clip class', 'setClipClass', { media: 'a.wav', clipClass: '  ' }],
    ['a missing clip class (null clears it)', 'setClipClass', { media: 'a.wav' }],
    ['a reviewed flag that is not a boolean', 'setReviewed', { media: 'a.wav', reviewed: 'yes' }],
    [
      'duplicate class names',
      'setClasses',
      {
        classes: [
          { name: 'a', color: '#000000', hotkey: null },
          { name: 'a', color: '#000000', hotkey: null },
        ],
      },
    ],
  ])('refuses %s', async (_, method, params) => {
    const r = await service.call(method, params)
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    if (!r.ok) expect(r.error.message).toContain(method)
  })

  it('refuses unknown and prototype method names', async () => {
    for (const m of ['nope', '__proto__', 'constructor', 'toString', 42, null])
      expect(await service.call(m, {})).toMatchObject({
        ok: false,
        error: { code: 'unknown-method' },
      })
  })

  it('needs an open project for project requests', async () => {
    expect(await service.call('getLabels', { media: 'a.wav' })).toMatchObject({
      ok: false,
      error: { code: 'no-project' },
    })
  })
})

describe('Service workflow', () => {
  it('creates a project, adds a WAV, reports progress for its waveform, saves labels', async () => {
    await fs.writeFile(path.join(dir, 'tone.wav'), sineWav(2))
    expect(await service.call('createProject', { dir })).toMatchObject({ ok: true })
    const added = await service.call('addMedia', { paths: [path.join(dir, 'tone.wav')] })
    expect(added).toMatchObject({
      ok: true,
      result: { media: [{ id: 'tone.wav', kind: 'audio', segmentCount: 0 }] },
    })
    const wave = await service.call('getPeaks', {
      media: 'tone.wav',
      start: 0,
      end: 2,
      pixels: 100,
      jobId: 'w1',
    })
    if (!wave.ok) throw new Error(wave.error.message)
    const w = wave.result as {
      duration: number
      sampleRate: number
      minMax: number[]
      bucketSize: number
    }
    expect(w.duration).toBeCloseTo(2, 6)
    const buckets = w.minMax.length / 2
    expect(buckets).toBeGreaterThanOrEqual(100) // at least one bucket per pixel asked for
    expect(buckets * w.bucketSize).toBeGreaterThanOrEqual(2 * w.sampleRate) // covering the whole 2 s
    const max = Math.max(...w.minMax.filter((_, i) => i % 2 === 1))
    const min = Math.min(...w.minMax.filter((_, i) => i % 2 === 0))
    expect(max).toBeCloseTo(16000 / 32768, 3)
    expect(min).toBeCloseTo(-16000 / 32768, 3)
    expect(events.filter((e) => e.jobId === 'w1').at(-1)?.fraction).toBe(1)
    const saved = await service.call('saveLabels', {
      media: 'tone.wav',
      baseRevision: 0,
      segments: [{ start: 0.5, end: 1, label: 'event' }],
    })
    expect(saved).toMatchObject({ ok: true, result: { revision: 1 } })
  })

  it('turns a corrupt WAV into a bad-input error naming the file', async () => {
    await fs.writeFile(path.join(dir, 'bad.wav'), Buffer.from('RIFF\x10\x00\x00\x00WAVEjunk'))
    await service.call('createProject', { dir })
    await service.call('addMedia', { paths: ['bad.wav'] })
    const r = await service.call('getPeaks', {
      media: 'bad.wav',
      start: 0,
      end: 1,
      pixels: 10,
      jobId: 'w2',
    })
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    if (!r.ok) expect(r.error.message).toContain(path.join(dir, 'bad.wav'))
  })
})
