import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobContext } from '../jobs'
import { trainProject } from '../train/project'
import { AUDIO_CLASSES, syntheticAudio } from '../data/synthetic'
import { smoothLabels, viterbiLabels } from '../infer/postprocess'
import { predictFile } from '../infer/predict'
import { readModel } from '../onnx/read'
import { exportModel, importModel, listModels, modelPath } from './models'
import { predictMedia, readPrediction } from './predictions'
import { Project } from './store'

let dir: string
let project: Project
const ctx = (): JobContext => ({ signal: new AbortController().signal, progress: () => {} })
const external = path.resolve('engine/infer/fixtures/tagger_A_lstm.onnx') // PyTorch-exported, F=40, C=4, logits

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-models-'))
  project = await Project.create(dir)
  await project.setClasses([
    { name: 'background', color: '#999999', hotkey: null, role: 'background' },
    ...AUDIO_CLASSES.map((name, i) => ({
      name,
      color: '#ff0000',
      hotkey: i + 1,
      role: 'class' as const,
    })),
  ])
  for (let i = 0; i < 3; i++) {
    const a = syntheticAudio(700 + i, 6)
    await fs.writeFile(path.join(dir, `r${i}.wav`), a.wav)
    await project.addMedia([`r${i}.wav`])
    if (i < 2) await project.writeLabels(`r${i}.wav`, a.segments, 0)
  }
  await trainProject(project, ctx(), {
    settings: { hidden: 8, layers: 1, epochs: 2, chunk: 100, threads: 1 },
  })
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('project models', () => {
  it('lists the trained model with its card', async () => {
    const models = await listModels(project)
    expect(models).toHaveLength(1)
    expect(models[0]).toMatchObject({
      source: 'trained',
      classes: ['background', ...AUDIO_CLASSES],
    })
    expect(models[0].tagger).toMatchObject({ cell: 'gru', hiddenSize: 8, bidirectional: true })
  })

  it('predicts an unlabelled file and keeps the prediction', async () => {
    const [model] = await listModels(project)
    const p = await predictMedia(project, model.id, 'r2.wav', ctx())
    expect(p.labels).toHaveLength(Math.floor((6 * 16000) / 160) + 1)
    expect(p.hop).toBeCloseTo(0.01, 9)
    expect(p.confidence.every((c) => c >= 1 / 4 - 1e-6 && c <= 1)).toBe(true)
    expect(await readPrediction(project, 'r2.wav')).toEqual(p)
    expect(await readPrediction(project, 'r1.wav')).toBeNull()
  })

  it('predicts with the Viterbi setting the panel sends, re-decoding cached probabilities', async () => {
    const [model] = await listModels(project)
    expect(model.transitions).toBe(true)
    expect(model.postprocess).toMatchObject({
      medianFilter: 1,
      viterbi: { enabled: true, weight: 1 },
    })
    const tagger = await readModel(modelPath(project, model.id))
    const { probabilities: probs } = await predictFile(tagger, project.mediaPath('r2.wav'))
    const C = tagger.numClasses
    const stages: string[] = []
    const watch = (): JobContext => ({
      signal: new AbortController().signal,
      progress: (_f, m) => void stages.push(m ?? ''),
    })
    const on = await predictMedia(project, model.id, 'r2.wav', watch())
    expect(on.labels).toEqual([...viterbiLabels(probs, C, tagger.transitions!, 1)])
    stages.length = 0
    const off = await predictMedia(project, model.id, 'r2.wav', watch(), {
      viterbi: { enabled: false, weight: 1 },
    })
    expect(off.labels).toEqual([...smoothLabels(probs, C, 1)])
    expect(stages).toEqual(['segments']) // no features, no model: the cached probabilities
    const heavy = await predictMedia(project, model.id, 'r2.wav', watch(), {
      viterbi: { enabled: true, weight: 5 },
    })
    expect(heavy.labels).toEqual([...viterbiLabels(probs, C, tagger.transitions!, 5)])
    expect(await readPrediction(project, 'r2.wav')).toEqual(heavy)
  })

  it('imports an external model once its features and classes fit, and refuses a mismatch before copying', async () => {
    const logmel40 = { kind: 'audio', features: [{ name: 'logmel' }], deltas: 0 }
    await expect(
      importModel(project, external, { features: logmel40, classes: ['a', 'b', 'c'] }),
    ).rejects.toThrow(/4 classes.*3 class names/)
    await expect(
      importModel(project, external, {
        features: { kind: 'audio' },
        classes: ['a', 'b', 'c', 'd'],
      }),
    ).rejects.toThrow(/40 features.*39/)
    expect((await listModels(project)).filter((m) => m.source === 'imported')).toHaveLength(0)
    const imported = await importModel(project, external, {
      features: logmel40,
      classes: ['a', 'b', 'c', 'd'],
    })
    expect(imported).toMatchObject({
      id: 'file:tagger_A_lstm.onnx',
      source: 'imported',
      classes: ['a', 'b', 'c', 'd'],
    })
    const p = await predictMedia(project, imported.id, 'r0.wav', ctx())
    expect(p.classes).toEqual(['a', 'b', 'c', 'd'])
    expect(Math.max(...p.confidence)).toBeLessThanOrEqual(1) // logits were turned into probabilities
  })

  it('imports the same model four times at once under four names, each with its own card', async () => {
    const logmel40 = { kind: 'audio', features: [{ name: 'logmel' }], deltas: 0 }
    const before = (await listModels(project)).filter((m) => m.source === 'imported').length
    const opts = { features: logmel40, classes: ['a', 'b', 'c', 'd'] }
    const views = await Promise.all([1, 2, 3, 4].map(() => importModel(project, external, opts)))
    expect(new Set(views.map((v) => v.id)).size).toBe(4)
    const listed = (await listModels(project)).filter((m) => m.source === 'imported')
    expect(listed).toHaveLength(before + 4)
    expect(listed.every((m) => m.classes.length === 4)).toBe(true)
    const size = (await fs.stat(external)).size
    for (const v of views) expect((await fs.stat(modelPath(project, v.id))).size).toBe(size)
    expect((await fs.readdir(path.join(dir, 'models'))).filter((n) => n.endsWith('.tmp'))).toEqual(
      [],
    )
  })

  it('exports a model with its card', async () => {
    const [model] = await listModels(project)
    const dest = path.join(dir, 'exported.onnx')
    const r = await exportModel(project, model.id, dest)
    expect((await fs.stat(r.model)).size).toBeGreaterThan(1000)
    expect(JSON.parse(await fs.readFile(r.card, 'utf8')).format).toBe('framewise-model-card')
    await expect(exportModel(project, model.id, path.join(dir, 'x.txt'))).rejects.toThrow(
      /must end in .onnx/,
    )
    await expect(exportModel(project, 'run:../../etc', dest)).rejects.toThrow(/bad model id/)
  })
})
