import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobContext } from '../jobs'
import { Project } from '../project/store'
import { classMapOf, trainProject, type TrainingUpdate } from './project'
import { RunStore } from './runs'
import { AUDIO_CLASSES, syntheticAudio } from '../data/synthetic'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-trainproject-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

function context(controller = new AbortController()): JobContext & { fractions: number[] } {
  const fractions: number[] = []
  return {
    signal: controller.signal,
    progress: (f) => void (f !== null && fractions.push(f)),
    fractions,
  }
}

async function labelledProject(files = 3): Promise<Project> {
  const project = await Project.create(dir)
  await project.setClasses([
    { name: 'background', color: '#999999', hotkey: null, role: 'background' },
    ...AUDIO_CLASSES.map((name, i) => ({
      name,
      color: '#ff0000',
      hotkey: i + 1,
      role: 'class' as const,
    })),
    { name: 'unsure', color: '#000000', hotkey: null, role: 'ignore' },
  ])
  for (let i = 0; i < files; i++) {
    const a = syntheticAudio(300 + i, 6)
    await fs.writeFile(path.join(dir, `r${i}.wav`), a.wav)
    await project.addMedia([`r${i}.wav`])
    await project.writeLabels(`r${i}.wav`, a.segments, 0)
  }
  return project
}

const small = { hidden: 8, layers: 1, epochs: 2, batch: 4, chunk: 100, threads: 1, patience: 0 }

describe('training a project', () => {
  it('maps project classes: ignore-role classes are not outputs; background only when labelling is complete', () => {
    const classes = [
      { name: 'bg', color: '#000000', hotkey: null, role: 'background' as const },
      { name: 'a', color: '#000000', hotkey: 1, role: 'class' as const },
      { name: 'skip', color: '#000000', hotkey: null, role: 'ignore' as const },
    ]
    expect(classMapOf(classes, 'complete')).toEqual({
      names: ['bg', 'a'],
      background: 'bg',
      ignore: ['skip'],
    })
    expect(classMapOf(classes, 'partial').background).toBeNull()
  })

  it('records the run, checkpoints every epoch and exports a model onnxruntime runs', async () => {
    const project = await labelledProject()
    const updates: TrainingUpdate[] = []
    const ctx = context()
    const run = await trainProject(project, ctx, {
      settings: small,
      onUpdate: (u) => updates.push(u),
    })
    expect(run.status).toBe('done')
    expect(run.history).toHaveLength(2)
    expect(run.files.train.length + run.files.val.length).toBe(3)
    expect(run.files.val).toHaveLength(1)
    expect(run.classes).toEqual(['background', ...AUDIO_CLASSES])
    expect(updates.filter((u) => u.epoch).map((u) => u.epoch!.epoch)).toEqual([1, 2])
    expect(ctx.fractions.at(-1)).toBe(1)

    const store = new RunStore(project.dir)
    expect((await store.list()).map((r) => r.id)).toEqual([run.id])
    expect((await store.readCheckpoint(run.id)).epoch).toBe(2)
    const model = path.join(store.dir(run.id), run.model!)
    const session = await ort.InferenceSession.create(model)
    const out = await session.run({
      features: new ort.Tensor('float32', new Float32Array(50 * 39), [1, 50, 39]),
    })
    expect(out.probabilities.dims).toEqual([1, 50, 4])
    await session.release()
    const card = JSON.parse(await fs.readFile(model.replace(/\.onnx$/, '.json'), 'utf8'))
    expect(card.runId).toBe(run.id)
  })

  it('resumes a run from its checkpoint', async () => {
    const project = await labelledProject()
    const first = await trainProject(project, context(), { settings: small })
    const store = new RunStore(project.dir)
    const record = await store.read(first.id)
    await store.write({ ...record, settings: { ...record.settings, epochs: 3 } })
    const resumed = await trainProject(project, context(), { resume: first.id })
    expect(resumed.id).toBe(first.id)
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3])
  })

  it('marks a cancelled run as cancelled and keeps its last checkpoint usable', async () => {
    const project = await labelledProject()
    const controller = new AbortController()
    const run = trainProject(project, context(controller), {
      settings: { ...small, epochs: 200 },
      onUpdate: (u) => u.epoch?.epoch === 1 && controller.abort(),
    })
    await expect(run).rejects.toThrow()
    const [record] = await new RunStore(project.dir).list()
    expect(record.status).toBe('cancelled')
    expect(
      (await new RunStore(project.dir).readCheckpoint(record.id)).epoch,
    ).toBeGreaterThanOrEqual(1)
  })

  it('refuses a project without labels, naming the folder', async () => {
    const project = await Project.create(dir)
    await expect(trainProject(project, context(), { settings: small })).rejects.toThrow(
      `${dir}: no labelled files`,
    )
  })
})
