/**
 * An exported dataset opens in NumPy (Debian's python3-numpy, without Framewise) and holds what
 * the engine computes: the features of extractFileFeatures, the frame labels of frameLabels, the
 * multi-hot targets of multiHotTargets, the split of splitByFile, bit for bit.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Service } from '../service'
import { syntheticAudio, syntheticSeries } from '../data/synthetic'
import { extractFileFeatures } from '../features/extract'
import { parseFeatureSpec } from '../features/spec'
import { frameLabels, splitByFile } from '../data/dataset'
import { multiHotTargets } from '../data/multi-hot'
import { encodeNpy } from '../data/npy'
import { hasTool } from '../testing/tools'
import { exportDataset, MULTI_HOT_MASKED } from './export-dataset'

const PYTHON = '/usr/bin/python3'
const hasNumpy = hasTool(
  'python3-numpy',
  PYTHON,
  ['-c', 'import numpy'],
  'apt-get install python3-numpy',
)

/** Prints every array of the export as JSON: dtype, shape and values, read by numpy.load alone. */
const READ = `
import sys, json, os, numpy as np
out = sys.argv[1]
index = json.load(open(os.path.join(out, 'index.json')))
def arr(rel):
    a = np.load(os.path.join(out, rel), allow_pickle=False)
    return {'dtype': str(a.dtype), 'shape': list(a.shape), 'values': a.ravel().tolist()}
print(json.dumps([{'features': arr(f['features']),
  'labels': {t: arr(p) for t, p in f['labels'].items()}} for f in index['files']]))
`

let dir: string
let out: string
const classes = [
  { name: 'background', color: '#999999', hotkey: null, role: 'background' as const },
  { name: 'tone', color: '#ff0000', hotkey: 1 },
  { name: 'chirp', color: '#00ff00', hotkey: 2 },
  { name: 'noise', color: '#0000ff', hotkey: 3 },
  { name: 'skip', color: '#000000', hotkey: null, role: 'ignore' as const },
]
const audio = [0, 1, 2].map((i) => syntheticAudio(700 + i, 3))
/** An overlapping tier: each file's events, and 'chirp' or 'tone' over nearly all of them. */
const events = audio.map((a) => [
  ...a.segments,
  { start: 0, end: 2.4, label: 'chirp' },
  { start: 0, end: 2.4, label: 'tone' },
  { start: 2.5, end: 2.6, label: 'skip' },
])

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-export-dataset-'))
  out = path.join(dir, 'export')
  const service = new Service(() => {})
  await service.call('createProject', { dir })
  await service.call('setClasses', { classes })
  for (let i = 0; i < audio.length; i++) {
    await fs.writeFile(path.join(dir, `r${i}.wav`), audio[i].wav)
    await service.call('addMedia', { paths: [`r${i}.wav`] })
    const tiers = [
      { name: 'labels', kind: 'exclusive' as const, segments: audio[i].segments },
      // the last file has no events tier: it gets no label file for it
      ...(i < 2
        ? [{ name: 'call events', kind: 'overlapping' as const, segments: events[i] }]
        : []),
    ]
    const saved = await service.call('saveLabels', { media: `r${i}.wav`, tiers, baseRevision: 0 })
    expect(saved).toMatchObject({ ok: true })
  }
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('encodeNpy', () => {
  it('pads the header so the data starts at a multiple of 64 bytes, and refuses a wrong shape', () => {
    for (const a of [new Float32Array(6), new Int16Array(7), new Uint8Array(1)]) {
      const b = encodeNpy(a, a.length === 6 ? [2, 3] : [a.length])
      const header = b.readUInt16LE(8)
      expect((10 + header) % 64).toBe(0)
      expect(b.length).toBe(10 + header + a.byteLength)
      expect(b.toString('latin1', 10 + header - 1, 10 + header)).toBe('\n')
    }
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values, the array 5/)
  })
})

describe.skipIf(!hasNumpy)('export-dataset', () => {
  it('writes features, labels per tier and the split that numpy reads as the engine computes them', async () => {
    const index = await exportDataset({ dir, out })
    expect(index.files.map((f) => f.name)).toEqual(['r0.wav', 'r1.wav', 'r2.wav'])
    expect(index.split).toMatchObject(splitByFile(3, 0.2, 1))
    expect(index.tiers.map((t) => [t.name, t.kind, t.dtype, t.classes])).toEqual([
      ['labels', 'exclusive', 'int16', ['background', 'tone', 'chirp', 'noise']],
      ['call events', 'overlapping', 'uint8', ['tone', 'chirp', 'noise']],
    ])
    expect(Object.keys(index.files[2].labels)).toEqual(['labels'])
    const r = spawnSync(PYTHON, ['-c', READ, out], { encoding: 'utf8', maxBuffer: 1 << 28 })
    expect(r.stderr).toBe('')
    const read = JSON.parse(r.stdout) as {
      features: { dtype: string; shape: number[]; values: number[] }
      labels: Record<string, { dtype: string; shape: number[]; values: number[] }>
    }[]
    const spec = parseFeatureSpec({ kind: 'audio' })
    const cmap = {
      names: ['background', 'tone', 'chirp', 'noise'],
      background: 'background',
      ignore: ['skip'],
    }
    for (let i = 0; i < 3; i++) {
      const m = await extractFileFeatures(path.join(dir, `r${i}.wav`), spec, { workers: 0 })
      expect(read[i].features.dtype).toBe('float32')
      expect(read[i].features.shape).toEqual([m.frames, 39])
      // float32 → float64 in Python → JSON → float32 again is exact
      expect(Float32Array.from(read[i].features.values)).toEqual(m.data)
      const y = read[i].labels.labels
      expect([y.dtype, y.shape]).toEqual(['int16', [m.frames]])
      expect(Int32Array.from(y.values)).toEqual(
        frameLabels(audio[i].segments, m.frameTimes, cmap, `r${i}.wav`),
      )
      if (i === 2) continue
      const mh = read[i].labels['call events']
      expect([mh.dtype, mh.shape]).toEqual(['uint8', [m.frames, 3]])
      const want = multiHotTargets(events[i], m.frameTimes, cmap, `r${i}.wav`)
      expect(mh.values).toEqual(Array.from(want, (v) => (v < 0 ? MULTI_HOT_MASKED : v)))
      // overlaps are kept: some frame has two classes on, and the ignored stretch is masked
      const rows = Array.from({ length: m.frames }, (_, t) => mh.values.slice(3 * t, 3 * t + 3))
      expect(rows.some((r) => r.filter((v) => v === 1).length >= 2)).toBe(true)
      expect(mh.values).toContain(MULTI_HOT_MASKED)
    }
  })

  it('writes global statistics of the training files into the spec and standardises with them', async () => {
    const spec = path.join(dir, 'global.json')
    await fs.writeFile(
      spec,
      JSON.stringify({ kind: 'audio', normalization: { mode: 'global', mean: [], std: [] } }),
    )
    const index = await exportDataset({ dir, out: path.join(dir, 'global'), features: spec })
    if (index.spec.normalization.mode !== 'global') throw new Error('not global')
    expect(index.spec.normalization.mean).toHaveLength(39)
    // the written training features have mean 0 and std 1 per dimension
    for (const v of index.stats.mean) expect(Math.abs(v)).toBeLessThan(1e-4)
    for (const v of index.stats.std) expect(Math.abs(v - 1)).toBeLessThan(1e-4)
    // and every file holds what Framewise computes for the spec the model will carry
    const r = spawnSync(PYTHON, ['-c', READ, path.join(dir, 'global')], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    const read = JSON.parse(r.stdout) as { features: { values: number[] } }[]
    for (let i = 0; i < 3; i++) {
      const m = await extractFileFeatures(path.join(dir, `r${i}.wav`), index.spec, { workers: 0 })
      expect(Float32Array.from(read[i].features.values)).toEqual(m.data)
    }
  })

  it('exports a data folder of CSV series: row labels, global statistics of the training files', async () => {
    const folder = path.join(dir, 'series')
    await fs.mkdir(folder)
    const series = [0, 1, 2].map((i) => syntheticSeries(40 + i, 20))
    for (let i = 0; i < 3; i++) await fs.writeFile(path.join(folder, `s${i}.csv`), series[i].csv)
    const exported = path.join(dir, 'series-export')
    const index = await exportDataset({ dir: folder, out: exported })
    expect(index.classes.names).toEqual(['rest', 'run', 'walk'])
    expect(index.tiers).toMatchObject([{ name: 'labels', kind: 'exclusive', dtype: 'int16' }])
    expect(index.dims).toBe(3)
    if (index.spec.normalization.mode !== 'global') throw new Error('series default is global')
    expect(index.spec.normalization.mean).toHaveLength(3)
    const r = spawnSync(PYTHON, ['-c', READ, exported], { encoding: 'utf8', maxBuffer: 1 << 26 })
    expect(r.stderr).toBe('')
    const read = JSON.parse(r.stdout) as { labels: { labels: { values: number[] } } }[]
    for (let i = 0; i < 3; i++) {
      // one frame per row (frameLength 1): each frame takes its row's label
      const want = series[i].labels.map((l) => index.classes.names.indexOf(l))
      expect(read[i].labels.labels.values).toEqual(want)
    }
  })
})
