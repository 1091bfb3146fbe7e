import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseFeatureSpec } from '../features/spec'
import {
  assembleDataset,
  frameLabels,
  rowFrameLabels,
  splitByFile,
  type ClassMap,
  type DataFile,
} from './dataset'
import { trainTagger } from '../train/loop'
import { parseTrainSettings } from '../train/settings'
import { AUDIO_CLASSES, SERIES_CLASSES, syntheticAudio, syntheticSeries } from './synthetic'

const audioClasses: ClassMap = {
  names: ['background', ...AUDIO_CLASSES],
  background: 'background',
  ignore: [],
}

describe('frame labels', () => {
  const times = Float64Array.from({ length: 10 }, (_, t) => t * 0.1) // centres 0, 0.1, …, 0.9

  it('follow the frame-centre rule with background elsewhere', () => {
    const y = frameLabels([{ start: 0.15, end: 0.4, label: 'tone' }], times, audioClasses, 'f')
    expect(Array.from(y)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0, 0]) // 0.2 and 0.3 are inside; 0.4 is not
  })

  it('let the later segment win an overlap, ignore ignore-labels, and leave frames out without background', () => {
    const classes: ClassMap = { names: ['tone', 'chirp'], background: null, ignore: ['unsure'] }
    const y = frameLabels(
      [
        { start: 0.05, end: 0.55, label: 'tone' },
        { start: 0.35, end: 0.75, label: 'chirp' },
        { start: 0.8, end: 0.9, label: 'unsure' },
      ],
      times,
      classes,
      'f',
    )
    expect(Array.from(y)).toEqual([-1, 0, 0, 0, 1, 1, 1, 1, -1, -1])
  })

  it('name the file and the class when a label is unknown', () => {
    expect(() =>
      frameLabels([{ start: 0, end: 1, label: 'bird' }], times, audioClasses, 'a.wav'),
    ).toThrow(/a.wav: unknown label class 'bird'/)
  })

  it('take the centre row of each series frame', () => {
    const classes: ClassMap = { names: ['rest', 'walk'], background: null, ignore: [] }
    const rows = ['rest', 'rest', 'walk', 'walk', 'walk', null]
    expect(Array.from(rowFrameLabels(rows, 6, 1, 1, classes, 'x.csv'))).toEqual([0, 0, 1, 1, 1, -1])
    expect(Array.from(rowFrameLabels(rows, 2, 3, 3, classes, 'x.csv'))).toEqual([0, 1]) // centres: rows 1 and 4
  })
})

describe('split by file', () => {
  it('is seeded, disjoint, complete, and keeps a file on each side', () => {
    const a = splitByFile(10, 0.2, 5)
    expect(splitByFile(10, 0.2, 5)).toEqual(a)
    expect(a.val).toHaveLength(2)
    expect([...a.train, ...a.val].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 10 }, (_, i) => i),
    )
    expect(splitByFile(2, 0.01, 1).val).toHaveLength(1)
    expect(splitByFile(1, 0.5, 1).val).toHaveLength(0)
    expect(splitByFile(10, 0.2, 6)).not.toEqual(a)
  })
})

describe('assembled datasets train models that generalise to unseen files', () => {
  let dir: string
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-dataset-'))
  })
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('audio: tones, chirps and noise bursts reach validation macro-F1 ≥ 0.9', async () => {
    const files: DataFile[] = []
    for (let i = 0; i < 8; i++) {
      const a = syntheticAudio(100 + i, 12)
      const p = path.join(dir, `rec${i}.wav`)
      await fs.writeFile(p, a.wav)
      files.push({
        name: `rec${i}.wav`,
        path: p,
        labels: { kind: 'segments', segments: a.segments },
      })
    }
    const spec = parseFeatureSpec({ kind: 'audio' })
    const { data, files: split } = await assembleDataset(files, spec, audioClasses, {
      seed: 1,
      valFraction: 0.25,
      cacheDir: path.join(dir, 'cache'),
    })
    expect(split.val).toHaveLength(2)
    expect(data.F).toBe(39)
    expect(data.train[0].labels.length).toBe(Math.floor((12 * 16000) / 160) + 1)
    const settings = parseTrainSettings({
      hidden: 24,
      layers: 1,
      epochs: 8,
      batch: 8,
      chunk: 200,
      lr: 0.01,
      threads: 1,
      patience: 0,
    })
    const r = await trainTagger(data, settings, { kernels: 'ts' })
    const best = r.history[r.bestEpoch - 1]
    expect(best.valMacroF1).toBeGreaterThanOrEqual(0.9)
  })

  it('series: rest / walk / run regimes with global normalisation reach validation macro-F1 ≥ 0.9', async () => {
    const files: DataFile[] = []
    for (let i = 0; i < 5; i++) {
      const s = syntheticSeries(200 + i, 90)
      const p = path.join(dir, `log${i}.csv`)
      await fs.writeFile(p, s.csv)
      files.push({ name: `log${i}.csv`, path: p, labels: { kind: 'rows', labels: s.labels } })
    }
    const spec = parseFeatureSpec({
      kind: 'series',
      channels: ['ax', 'ay', 'az'],
      frameLength: 10,
      hopLength: 5,
      stats: ['mean', 'std'],
      normalization: { mode: 'global', mean: [], std: [] },
    })
    const classes: ClassMap = { names: [...SERIES_CLASSES], background: null, ignore: [] }
    const assembled = await assembleDataset(files, spec, classes, { seed: 2, valFraction: 0.2 })
    const norm = assembled.spec.normalization
    expect(norm.mode).toBe('global')
    if (norm.mode === 'global') expect(norm.mean).toHaveLength(6)
    const settings = parseTrainSettings({
      hidden: 16,
      layers: 1,
      epochs: 10,
      batch: 8,
      chunk: 150,
      lr: 0.01,
      threads: 1,
      patience: 0,
    })
    const r = await trainTagger(assembled.data, settings, { kernels: 'ts' })
    expect(r.history[r.bestEpoch - 1].valMacroF1).toBeGreaterThanOrEqual(0.9)
  })
})
