/**
 * The review loop through the studio's actions: accept (A) and reject (X) the predicted segment at
 * the playhead, each moving on to the next and each one undo step; Accept all skips rejected
 * segments; a class key right after drawing picks the next class; Page Down/Up change file;
 * Evaluate sends the file choice; a rename replaces the model's card.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type {
  LabelClass,
  MediaEntry,
  ModelView,
  PredictionView,
  Segment,
  Tier,
} from '../../engine/api'
import { RequestError } from '../api/client'
import { fake, settle } from './fake-api'
import { Studio } from './studio.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const CLASSES: LabelClass[] = [
  { name: 'bg', color: '#cccccc', hotkey: null, role: 'background' },
  { name: 'call', color: '#ff0000', hotkey: 1, role: 'class' },
  { name: 'song', color: '#00ff00', hotkey: 2, role: 'class' },
]
const entry = (id: string): MediaEntry => ({
  id,
  path: id,
  kind: 'audio',
  segmentCount: 0,
  status: 'unlabelled',
})
const PREDICTED: Segment[] = [
  { start: 1, end: 2, label: 'call' },
  { start: 3, end: 4, label: 'song' },
  { start: 5, end: 6, label: 'call' },
]
const prediction = (media: string): PredictionView => ({
  media,
  model: 'run:r1',
  created: '2026-12-04T14:02:00.000Z',
  classes: ['bg', 'call', 'song'],
  start: 0,
  hop: 0.5,
  labels: new Array(16).fill(0),
  confidence: new Array(16).fill(0.9),
  segments: PREDICTED,
})
const MODEL = {
  id: 'run:r1',
  source: 'trained',
  name: 'tagger · BiGRU 1×8 · 4 Dec 14:02',
  file: '/p/runs/r1/model.onnx',
  created: '2026-12-04T14:02:00.000Z',
  classes: ['bg', 'call', 'song'],
  features: null,
  tagger: null,
  metrics: {},
} satisfies ModelView

class FakeAudio {
  preload = ''
  src = ''
  onerror: (() => void) | null = null
  pause(): void {}
  removeAttribute(): void {}
}

let studio: Studio
let stop: () => void

beforeEach(() => {
  vi.stubGlobal('Audio', FakeAudio)
  vi.stubGlobal('requestAnimationFrame', () => 0)
  vi.stubGlobal('cancelAnimationFrame', () => {})
  fake.reset()
  fake.handle('getProject', () => ({
    dir: '/p',
    name: 'p',
    classes: CLASSES,
    media: [entry('a.wav'), entry('b.wav'), entry('c.wav')],
    frameHop: { audio: 0.5, seriesRows: 5 },
  }))
  fake.handle(
    'getLabels',
    ({ media }) => ({ media, revision: 1, segments: [], tiers: [] }) as never,
  )
  fake.handle(
    'getPeaks',
    () =>
      ({
        duration: 8,
        sampleRate: 16000,
        bucketSize: 256,
        start: 0,
        secondsPerBucket: 0.016,
        minMax: [],
        channels: 1,
      }) as never,
  )
  fake.handle('getMediaSource', ({ media }) => ({ url: `/media/${media}`, mime: 'audio/wav' }))
  fake.handle('getPrediction', ({ media }) => prediction(media))
  fake.handle('setRejected', ({ media, rejected }) => ({ ...prediction(media), rejected }))
  fake.handle('trainingDefaults', () => ({
    settings: {} as never,
    exclusions: [],
    features: {} as never,
  }))
  fake.handle('listRuns', () => [])
  fake.handle('listModels', () => [MODEL])
  studio = new Studio(() => true)
  stop = studio.start()
})

afterEach(() => {
  stop()
  vi.unstubAllGlobals()
})

describe('the review loop', () => {
  it('accepts and rejects the predicted segment at the playhead, moving on, each undoable', async () => {
    await settle()
    expect(studio.prediction?.media).toBe('a.wav')
    studio.view.cursor = 1.2
    studio.perform({ action: 'accept-prediction' })
    expect(studio.labels.segments).toEqual([PREDICTED[0]])
    expect(studio.view.cursor).toBe(3) // on to the next predicted segment
    studio.perform({ action: 'reject-prediction' })
    expect([...studio.rejected]).toEqual([1])
    expect(studio.view.cursor).toBe(5)
    expect(studio.labels.undoName).toBe('Reject predicted segment')

    // Accept all takes what is not rejected
    studio.acceptPrediction('all')
    expect(studio.labels.segments).toEqual([PREDICTED[0], PREDICTED[2]])

    studio.perform({ action: 'undo' }) // the Accept all
    expect(studio.labels.segments).toEqual([PREDICTED[0]])
    studio.perform({ action: 'undo' }) // the rejection
    expect(studio.rejected.size).toBe(0)
    expect(studio.labels.segments).toEqual([PREDICTED[0]])
    studio.perform({ action: 'redo' })
    expect([...studio.rejected]).toEqual([1])
    studio.perform({ action: 'undo' })
    studio.perform({ action: 'undo' }) // the accept
    expect(studio.labels.segments).toEqual([])
    // each change of the rejections is saved with the prediction, in order
    await studio.models.flushRejected()
    expect(fake.paramsOf('setRejected').map((p) => [p.media, p.created, p.rejected])).toEqual([
      ['a.wav', '2026-12-04T14:02:00.000Z', [1]],
      ['a.wav', '2026-12-04T14:02:00.000Z', []],
      ['a.wav', '2026-12-04T14:02:00.000Z', [1]],
      ['a.wav', '2026-12-04T14:02:00.000Z', []],
    ])
  })

  it('takes the rejections a saved prediction comes with: Accept all skips them', async () => {
    fake.handle('getPrediction', ({ media }) => ({ ...prediction(media), rejected: [0, 2] }))
    await settle()
    await studio.models.loadPrediction('a.wav') // as after a restart: saved with its rejections
    expect([...studio.rejected]).toEqual([0, 2])
    studio.acceptPrediction('all')
    expect(studio.labels.segments).toEqual([PREDICTED[1]])
  })

  it('does nothing where no predicted segment is under the playhead', async () => {
    await settle()
    studio.view.cursor = 2.5
    studio.perform({ action: 'accept-prediction' })
    studio.perform({ action: 'reject-prediction' })
    expect(studio.labels.segments).toEqual([])
    expect(studio.rejected.size).toBe(0)
    expect(studio.labels.undoName).toBeNull()
  })

  it('a class key right after drawing picks the next class; on a picked segment it relabels', async () => {
    await settle()
    studio.labels.create(0.5, 1.5) // drawn with the current class, selected
    expect(studio.labels.segments[0].label).toBe('call')
    expect(studio.labels.justDrawn).toBe(true)
    studio.perform({ action: 'class', digit: 2 })
    expect(studio.labels.segments[0].label).toBe('call')
    expect(studio.labels.currentClass).toBe('song')
    studio.labels.create(2, 3)
    expect(studio.labels.segments[1].label).toBe('song')
    // Shift+Tab picks a segment: now the key relabels it
    studio.perform({ action: 'previous-segment' })
    expect(studio.labels.selected).toBe(0)
    expect(studio.labels.justDrawn).toBe(false)
    studio.perform({ action: 'class', digit: 2 })
    expect(studio.labels.segments[0].label).toBe('song')
  })

  it('after Accept all, Tab selects an accepted segment and Delete removes it', async () => {
    await settle()
    studio.acceptPrediction('all')
    expect(studio.labels.segments).toHaveLength(3)
    studio.view.cursor = 0
    expect(studio.perform({ action: 'next-segment' })).toBe(true)
    expect(studio.labels.selected).toBe(0)
    studio.perform({ action: 'delete' })
    expect(studio.labels.segments).toEqual([PREDICTED[1], PREDICTED[2]])
  })

  it('Page Down and Page Up open the next and the previous file', async () => {
    await settle()
    studio.perform({ action: 'next-file' })
    expect(studio.project.selectedId).toBe('b.wav')
    studio.perform({ action: 'next-file' })
    studio.perform({ action: 'next-file' }) // past the last: stays
    expect(studio.project.selectedId).toBe('c.wav')
    studio.perform({ action: 'previous-file' })
    expect(studio.project.selectedId).toBe('b.wav')
    await settle()
    expect(studio.prediction?.media).toBe('b.wav')
  })
})

describe('models', () => {
  it('Evaluate sends the chosen files; a rename replaces the model', async () => {
    fake.handle('evaluate', () => ({}) as never)
    fake.handle('renameModel', ({ name }) => ({ ...MODEL, name, renamed: true }))
    await settle()
    await studio.models.evaluate()
    studio.models.evalFiles = 'all'
    studio.models.includeUnreviewed = true
    await studio.models.evaluate()
    expect(fake.paramsOf('evaluate').map((p) => [p.model, p.files, p.includeUnreviewed])).toEqual([
      ['run:r1', 'validation', false],
      ['run:r1', 'all', true],
    ])
    expect(studio.models.splitOf('a.wav')).toBeNull() // this model's run is not recorded
    studio.models.models = [{ ...MODEL, split: { train: ['a.wav'], validation: ['b.wav'] } }]
    expect(['a.wav', 'b.wav', 'c.wav'].map((m) => studio.models.splitOf(m))).toEqual([
      'train',
      'validation',
      null,
    ])
    expect(await studio.models.rename('run:r1', 'night calls')).toBe(true)
    expect(studio.models.models[0]).toMatchObject({ name: 'night calls', renamed: true })
  })
})

describe('a save sent again after a dropped connection', () => {
  it('is no conflict when the first one landed: the disk holds the same segments', async () => {
    await settle()
    let disk = { revision: 1, tiers: [] as Tier[] }
    fake.handle('saveLabels', ({ tiers }) => {
      // the first send landed; the one sent again carries the old revision
      disk = { revision: 2, tiers: tiers ?? [] }
      throw new RequestError('conflict', 'a.wav: the labels changed on disk (revision 2)')
    })
    fake.handle('getLabels', ({ media }) => ({
      media,
      ...disk,
      segments: disk.tiers[0]?.segments ?? [],
    }))
    studio.labels.create(1, 2)
    await studio.labels.flush()
    expect(studio.labels.conflict).toBeNull()
    expect(studio.labels.status).toBe('saved')
  })

  it('is a conflict when the disk holds something else', async () => {
    await settle()
    fake.handle('saveLabels', () => {
      throw new RequestError('conflict', 'a.wav: changed by another program')
    })
    fake.handle(
      'getLabels',
      ({ media }) =>
        ({
          media,
          revision: 7,
          segments: [{ start: 0, end: 1, label: 'song' }],
          tiers: [],
        }) as never,
    )
    studio.labels.create(1, 2)
    await studio.labels.flush()
    expect(studio.labels.conflict).toMatch(/another program/)
    expect(studio.labels.status).toBe('error')
  })
})
