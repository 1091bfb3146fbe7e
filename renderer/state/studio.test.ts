import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LabelClass, MediaEntry, ProjectView, SeriesWindow } from '../../engine/api'
// A test-only value import from engine/: the defaults the engine would send.
import { SETTING_EXCLUSIONS, TRAIN_DEFAULTS } from '../../engine/train/settings'
import { PRESETS } from '../../engine/features/spec'
import { fake, settle } from './fake-api'
import { Studio } from './studio.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const CLASSES: LabelClass[] = [
  { name: 'none', color: '#cccccc', hotkey: null, role: 'background' },
  { name: 'walk', color: '#ff0000', hotkey: 1, role: 'class' },
  { name: 'run', color: '#00ff00', hotkey: 2, role: 'class' },
]

const entry = (id: string, kind: MediaEntry['kind']): MediaEntry => ({
  id,
  path: id,
  kind,
  segmentCount: 0,
  status: 'unlabelled',
})

const PROJECT: ProjectView = {
  dir: '/projects/gait',
  name: 'gait',
  classes: CLASSES,
  media: [entry('a.csv', 'series'), entry('b.csv', 'series'), entry('c.wav', 'audio')],
  frameHop: { audio: 0.02, seriesRows: 5 },
}

/** A series of 10 s at `rate` rows/s with two channels, decimated to `points` (so zooming in fetches again). */
function series(rate: number, points: number): SeriesWindow {
  const zeros = new Array<number>(points).fill(0)
  return {
    duration: 10,
    sampleRate: rate,
    rows: 10 * rate,
    channels: ['x', 'y'],
    ranges: [
      [0, 1],
      [0, 1],
    ],
    times: zeros,
    values: [zeros, zeros],
  }
}

let studio: Studio
let stop: () => void

// What the player needs of a browser.
class FakeAudio {
  preload = ''
  src = ''
  onerror: (() => void) | null = null
  pause(): void {}
  removeAttribute(): void {}
}

beforeEach(() => {
  vi.stubGlobal('Audio', FakeAudio)
  vi.stubGlobal('requestAnimationFrame', () => 0)
  vi.stubGlobal('cancelAnimationFrame', () => {})
  fake.reset()
  let view = PROJECT
  fake.handle('getProject', () => view)
  fake.handle('setClasses', ({ classes }) => (view = { ...view, classes: classes as LabelClass[] }))
  fake.handle('getLabels', ({ media }) => {
    const segments = [{ start: 1, end: 2, label: media === 'a.csv' ? 'walk' : 'run' }]
    return {
      media,
      revision: 1,
      tiers: [{ name: 'labels', kind: 'exclusive', segments }],
      segments,
    }
  })
  fake.handle('getSeries', ({ media, points }) => series(media === 'a.csv' ? 50 : 100, points))
  fake.handle('getPeaks', () => ({
    duration: 4,
    sampleRate: 16000,
    channels: 1,
    bucketSize: 256,
    start: 0,
    secondsPerBucket: 0.016,
    minMax: [],
  }))
  fake.handle('getMediaSource', ({ media }) => ({ url: `/media/${media}`, mime: 'audio/wav' }))
  fake.handle('getPrediction', () => null)
  fake.handle('trainingDefaults', () => ({
    settings: { ...TRAIN_DEFAULTS, hidden: 48 },
    exclusions: [...SETTING_EXCLUSIONS],
    features: PRESETS.mfcc(),
  }))
  fake.handle('listRuns', () => [])
  fake.handle('listModels', () => [])
  studio = new Studio(() => true)
  stop = studio.start()
})

afterEach(() => {
  stop()
  vi.unstubAllGlobals()
})

describe('the studio', () => {
  it('opens the first file of the project: its labels and its signal', async () => {
    await settle()
    expect(studio.project.selectedId).toBe('a.csv')
    expect(studio.labels.media).toBe('a.csv')
    expect(studio.labels.segments).toEqual([{ start: 1, end: 2, label: 'walk' }])
    expect(studio.signal.media).toBe('a.csv')
    expect(studio.view.duration).toBe(10)
    expect(studio.channels).toEqual(['x', 'y'])
    expect(studio.project.durations['a.csv']).toBe(10)
  })

  it('asks the engine for the training defaults and the runs once a project is open', async () => {
    await settle()
    expect(studio.training.form?.hidden).toBe(48)
    expect(studio.training.error).toBeNull()
    expect(fake.paramsOf('trainingDefaults')).toHaveLength(1)
    expect(fake.paramsOf('listRuns').length).toBeGreaterThan(0)
    expect(fake.paramsOf('listModels').length).toBeGreaterThan(0)
  })

  it('selecting another file loads its labels and its signal', async () => {
    await settle()
    studio.project.selectedId = 'b.csv'
    await settle()
    expect(studio.labels.media).toBe('b.csv')
    expect(studio.labels.segments).toEqual([{ start: 1, end: 2, label: 'run' }])
    expect(studio.signal.media).toBe('b.csv')
    expect(studio.signal.sampleRate).toBe(100)
    expect(fake.paramsOf('getLabels').map((p) => p.media)).toEqual(['a.csv', 'b.csv'])
    expect(fake.paramsOf('getPrediction').map((p) => p.media)).toEqual(['a.csv', 'b.csv'])
  })

  it('shows every channel of a newly opened series, until the picker changes them', async () => {
    await settle()
    studio.channels = ['y']
    // Zooming in fetches the window again: the choice stays.
    const fetched = fake.paramsOf('getSeries').length
    studio.view.setWindow(4, 0.5)
    await settle()
    expect(fake.paramsOf('getSeries').length).toBeGreaterThan(fetched)
    expect(studio.channels).toEqual(['y'])
    studio.project.selectedId = 'b.csv'
    await settle()
    expect(studio.channels).toEqual(['x', 'y'])
  })

  it('snaps to the project hop of the selected kind', async () => {
    await settle()
    // A series hop is in rows: 5 rows at 50 rows/s.
    expect(studio.view.frame).toBeCloseTo(0.1)
    studio.project.selectedId = 'b.csv'
    await settle()
    expect(studio.view.frame).toBeCloseTo(0.05)
    studio.project.selectedId = 'c.wav'
    await settle()
    expect(studio.view.frame).toBe(0.02)
    studio.view.gridFrames = 5
    expect(studio.view.hop).toBeCloseTo(0.1)
  })

  it('falls back to the first class when the chosen one is deleted', async () => {
    await settle()
    expect(studio.labels.currentClass).toBe('walk')
    studio.labels.currentClass = 'run'
    expect(studio.labels.currentClass).toBe('run')
    await studio.project.setClasses(CLASSES.filter((c) => c.name !== 'run'))
    expect(studio.labels.currentClass).toBe('walk')
    await studio.project.setClasses(CLASSES.filter((c) => c.role !== 'class'))
    expect(studio.labels.currentClass).toBeNull()
  })

  it('runs a digit key through the actions: it picks the class of the next segment', async () => {
    await settle()
    expect(studio.perform({ action: 'class', digit: 2 })).toBe(true)
    expect(studio.labels.currentClass).toBe('run')
    // While the shortcuts sheet is open, keys other than Escape and ? do nothing.
    studio.help = true
    expect(studio.perform({ action: 'class', digit: 1 })).toBe(false)
    expect(studio.labels.currentClass).toBe('run')
  })
})
