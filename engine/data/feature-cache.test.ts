/**
 * Training from on-disk feature caches equals training from memory bit for bit (same features,
 * same loss curve, same weights), a second assembly reads the caches instead of extracting
 * again, and a damaged cache file is rebuilt.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseFeatureSpec } from '../features/spec'
import { assembleDataset, type ClassMap, type DataFile } from './dataset'
import {
  cachedRows,
  featureCacheKey,
  featuresOf,
  readCachedFrames,
  readRows,
  withTempFeatureCache,
  writeCachedFeatures,
} from './feature-cache'
import { runTrainingWorker } from '../train/job'
import { trainTagger } from '../train/loop'
import { parseTrainSettings } from '../train/settings'
import { dataHash } from '../train/runs'
import { AUDIO_CLASSES, SERIES_CLASSES, syntheticAudio, syntheticSeries } from './synthetic'
import type { Sequence } from './sequences'

const audioClasses: ClassMap = {
  names: ['background', ...AUDIO_CLASSES],
  background: 'background',
  ignore: [],
}

let dir: string
let audio: DataFile[]
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-feature-cache-'))
  audio = []
  for (let i = 0; i < 5; i++) {
    const a = syntheticAudio(300 + i, 4 + i)
    const p = path.join(dir, `rec${i}.wav`)
    await fs.writeFile(p, a.wav)
    audio.push({ name: `rec${i}.wav`, path: p, labels: { kind: 'segments', segments: a.segments } })
  }
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const settings = parseTrainSettings({
  hidden: 8,
  layers: 1,
  epochs: 2,
  batch: 4,
  chunk: 60,
  lr: 0.01,
  threads: 1,
  patience: 0,
})

function sameSequences(a: Sequence[], b: Sequence[]): void {
  expect(b.map((s) => s.name)).toEqual(a.map((s) => s.name))
  a.forEach((s, i) => {
    expect(b[i].rows).toBeDefined()
    expect(s.rows).toBeUndefined()
    expect(b[i].x).toHaveLength(0) // not in the heap
    expect(Buffer.from(featuresOf(b[i]).buffer).equals(Buffer.from(s.x.buffer))).toBe(true)
    expect(b[i].labels).toEqual(s.labels)
  })
}

describe('training from on-disk feature caches', () => {
  it('audio, per-file CMVN: the same features, loss curve and weights as from memory', async () => {
    const spec = parseFeatureSpec({ kind: 'audio' })
    const opts = { seed: 3, valFraction: 0.4 }
    const cache = path.join(dir, 'cache-a')
    const mem = await assembleDataset(audio, spec, audioClasses, opts)
    const disk = await assembleDataset(audio, spec, audioClasses, { ...opts, featureCache: cache })
    expect(disk.spec).toEqual(mem.spec)
    expect(disk.files).toEqual(mem.files)
    expect(disk.data.F).toBe(mem.data.F)
    sameSequences(mem.data.train, disk.data.train)
    sameSequences(mem.data.val, disk.data.val)
    expect(dataHash([...disk.data.train, ...disk.data.val])).toBe(
      dataHash([...mem.data.train, ...mem.data.val]),
    )
    const a = await trainTagger(mem.data, settings, { kernels: 'ts' })
    const b = await trainTagger(disk.data, settings, { kernels: 'ts' })
    expect(b.history.map((h) => [h.trainLoss, h.valLoss, h.valMacroF1])).toEqual(
      a.history.map((h) => [h.trainLoss, h.valLoss, h.valMacroF1]),
    )
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true)
    // as the product trains: in the training worker (the sequences cross as plain data), 2 threads
    const two = parseTrainSettings({ ...settings, threads: 2 })
    const c = await trainTagger(mem.data, two, { kernels: 'ts' })
    const d = await runTrainingWorker(disk.data, two, { kernels: 'ts' })
    expect(d.history.map((h) => h.trainLoss)).toEqual(c.history.map((h) => h.trainLoss))
    expect(Buffer.from(d.params.buffer).equals(Buffer.from(c.params.buffer))).toBe(true)
    expect((await fs.readdir(cache)).filter((f) => f.endsWith('.f32'))).toHaveLength(5)
  })

  it('series, global normalisation: the same statistics, features and weights', async () => {
    const files: DataFile[] = []
    for (let i = 0; i < 4; i++) {
      const s = syntheticSeries(400 + i, 40)
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
    const opts = { seed: 2, valFraction: 0.25 }
    const mem = await assembleDataset(files, spec, classes, opts)
    const disk = await assembleDataset(files, spec, classes, {
      ...opts,
      featureCache: path.join(dir, 'cache-s'),
    })
    expect(disk.spec).toEqual(mem.spec)
    sameSequences(mem.data.train, disk.data.train)
    sameSequences(mem.data.val, disk.data.val)
    const s = parseTrainSettings({ ...settings, chunk: 30 })
    const a = await trainTagger(mem.data, s, { kernels: 'ts' })
    const b = await trainTagger(disk.data, s, { kernels: 'ts' })
    expect(b.history.map((h) => h.trainLoss)).toEqual(a.history.map((h) => h.trainLoss))
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true)
  })

  it('a second assembly reads the caches; a damaged or changed one is rebuilt', async () => {
    const spec = parseFeatureSpec({ kind: 'audio' })
    const cache = path.join(dir, 'cache-b')
    const opts = { seed: 1, valFraction: 0.2, featureCache: cache }
    const first = await assembleDataset(audio, spec, audioClasses, opts)
    const keys = await Promise.all(audio.map((f) => featureCacheKey(f.path, spec)))
    const mtimes = async () =>
      Promise.all(keys.map(async (k) => (await fs.stat(path.join(cache, k))).mtimeMs))
    const before = await mtimes()
    const again = await assembleDataset(audio, spec, audioClasses, opts)
    expect(await mtimes()).toEqual(before) // nothing extracted or written again
    sameSequences(first.data.train.map(inMemory), again.data.train)

    // a torn file fails its size check and is rewritten
    const torn = path.join(cache, keys[0])
    await fs.truncate(torn, (await fs.stat(torn)).size - 4)
    expect(await readCachedFrames(cache, keys[0])).toBeNull()
    const rebuilt = await assembleDataset(audio, spec, audioClasses, opts)
    expect(await readCachedFrames(cache, keys[0])).not.toBeNull()
    sameSequences(first.data.train.map(inMemory), rebuilt.data.train)

    // another spec, another key
    const other = parseFeatureSpec({ kind: 'audio', hopLength: 320 })
    expect(await featureCacheKey(audio[0].path, other)).not.toBe(keys[0])
    // a changed media file, another key
    await fs.utimes(audio[0].path, new Date(), new Date(Date.now() + 10_000))
    expect(await featureCacheKey(audio[0].path, spec)).not.toBe(keys[0])
  })

  it('a temporary cache folder is removed after its use, also when the use fails', async () => {
    let kept = ''
    const value = await withTempFeatureCache(async (d) => {
      kept = d
      await writeCachedFeatures(d, 'k.f32', new Float32Array(2), Float64Array.of(0, 0.01), 1)
      return 7
    })
    expect(value).toBe(7)
    await expect(fs.stat(kept)).rejects.toThrow(/ENOENT/)
    await expect(
      withTempFeatureCache(async (d) => {
        kept = d
        throw new Error('training failed')
      }),
    ).rejects.toThrow('training failed')
    await expect(fs.stat(kept)).rejects.toThrow(/ENOENT/)
  })

  it('reads rows at any offset and refuses rows outside the file', async () => {
    const F = 3
    const x = Float32Array.from({ length: 10 * F }, (_, i) => i * 0.5)
    const times = Float64Array.from({ length: 10 }, (_, t) => t / 100)
    await writeCachedFeatures(path.join(dir, 'rows'), 'k.f32', x, times, F)
    expect(await readCachedFrames(path.join(dir, 'rows'), 'k.f32')).toEqual({
      frames: 10,
      F,
      frameTimes: times,
    })
    const rows = cachedRows(path.join(dir, 'rows'), 'k.f32', 10, F)
    const buf = new Float32Array(4 * F)
    expect(Array.from(readRows(rows, 7, 3, buf))).toEqual(Array.from(x.subarray(21, 30)))
    const norm = cachedRows(path.join(dir, 'rows'), 'k.f32', 10, F, {
      mean: [1, 2, 3],
      std: [2, 2, 2],
    })
    expect(Array.from(readRows(norm, 1, 1, buf))).toEqual([
      (1.5 - 1) / 2,
      (2 - 2) / 2,
      (2.5 - 3) / 2,
    ])
    expect(() => readRows(rows, 8, 3, buf)).toThrow(/rows 8\.\.11 outside 0\.\.10/)
  })
})

/** A disk-backed sequence as a plain one (its rows read whole). */
function inMemory(s: Sequence): Sequence {
  return { name: s.name, x: featuresOf(s), labels: s.labels }
}
