/**
 * The Train panel's feature requests through the service: trainingDefaults names the spec
 * training will use, previewFeatures computes it (or a chosen one) over a window of a project's
 * recording, and refuses what it cannot preview with one line saying why.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Envelope, FeaturePreview, Results } from './api'
import { PRESETS } from './features/spec'
import { makeWav } from './media/audio/testing'
import { Service } from './service'

let dir: string
let service: Service
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-service-preview-'))
  service = new Service(() => {})
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const ok = <T>(e: Envelope<unknown>): T => {
  if (!e.ok) throw new Error(e.error.message)
  return e.result as T
}

async function project() {
  const x = Float64Array.from(
    { length: 44100 },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 44100),
  )
  await fs.writeFile(path.join(dir, 'bird.wav'), makeWav({ bits: 16, rate: 44100, channels: [x] }))
  await fs.writeFile(path.join(dir, 'log.csv'), 'time,a\n0,1\n1,2\n')
  ok(await service.call('createProject', { dir }))
  ok(
    await service.call('addMedia', {
      paths: ['bird.wav', 'log.csv'].map((f) => path.join(dir, f)),
    }),
  )
}

describe('the Train panel’s features', () => {
  it('trainingDefaults gives the default audio spec for a project without one', async () => {
    await project()
    const d = ok<Results['trainingDefaults']>(await service.call('trainingDefaults', {}))
    expect(d.features).toEqual(PRESETS.mfcc())
  })

  it('previews the project’s spec, or the one sent, over the window', async () => {
    await project()
    const req = { media: 'bird.wav', start: 0.2, end: 0.7, jobId: 'p' }
    const byDefault = ok<FeaturePreview>(await service.call('previewFeatures', req))
    expect(byDefault).toMatchObject({ sampleRate: 16000, fileSampleRate: 44100, dims: 39 })
    expect(byDefault.frames).toBe(Math.floor((0.5 * 16000) / 160) + 1)
    const chosen = ok<FeaturePreview>(
      await service.call('previewFeatures', { ...req, jobId: 'q', features: PRESETS.logmel() }),
    )
    expect(chosen.dims).toBe(40)
  })

  it('refuses a CSV series and a series spec for audio, saying so', async () => {
    await project()
    const csv = await service.call('previewFeatures', {
      media: 'log.csv',
      start: 0,
      end: 1,
      jobId: 'c',
    })
    expect(csv.ok ? '' : csv.error.message).toBe('log.csv: the features preview is for audio files')
    const wrong = await service.call('previewFeatures', {
      media: 'bird.wav',
      start: 0,
      end: 1,
      jobId: 'd',
      features: PRESETS.raw(),
    })
    expect(wrong.ok ? '' : wrong.error.message).toBe('bird.wav: an audio file needs audio features')
  })
})
