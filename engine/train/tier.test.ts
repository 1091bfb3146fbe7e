/**
 * Which tier a model learns (settings.tier): the dataset is built from that tier of every file,
 * its card names it, a project holds models of different tiers, and an overlapping tier trains
 * a multi-label (sigmoid) tagger on all its events, overlaps included.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Segment } from '../api'
import { AUDIO_CLASSES, syntheticAudio } from '../data/synthetic'
import type { JobContext } from '../jobs'
import { listModels } from '../project/models'
import { Project } from '../project/store'
import { trainProject } from './project'
import { RunStore } from './runs'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-traintier-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const ctx: JobContext = { signal: new AbortController().signal, progress: () => {} }
const small = { hidden: 8, layers: 1, epochs: 1, batch: 4, chunk: 100, threads: 1, patience: 0 }

/** Files with an exclusive tier 'species' (the synthetic events) and an overlapping tier 'events'. */
async function tieredProject(): Promise<Project> {
  const project = await Project.create(dir)
  await project.setClasses([
    { name: 'background', color: '#999999', hotkey: null, role: 'background' },
    ...[...AUDIO_CLASSES, 'hum'].map((name, i) => ({
      name,
      color: '#ff0000',
      hotkey: i + 1,
      role: 'class' as const,
    })),
  ])
  for (let i = 0; i < 3; i++) {
    const a = syntheticAudio(400 + i, 6)
    await fs.writeFile(path.join(dir, `r${i}.wav`), a.wav)
    await project.addMedia([`r${i}.wav`])
    // 'hum' spans every event of the file: it overlaps them all
    const events: Segment[] = [...a.segments, { start: 0.5, end: 5.5, label: 'hum' }]
    await project.writeLabels(
      `r${i}.wav`,
      [
        { name: 'species', kind: 'exclusive', segments: a.segments },
        { name: 'events', kind: 'overlapping', segments: events },
      ],
      0,
    )
  }
  return project
}

const cardOf = async (project: Project, runId: string, model: string) =>
  JSON.parse(
    await fs.readFile(
      path.join(new RunStore(project.dir).dir(runId), model.replace(/\.onnx$/, '.json')),
      'utf8',
    ),
  )

describe('the tier a model learns', () => {
  it('default: each file’s first exclusive tier; named: that tier, recorded in the run and card', async () => {
    const project = await tieredProject()
    const species = await trainProject(project, ctx, { settings: small })
    expect(species.settings.tier).toBeUndefined()
    expect(species.classes).toEqual(['background', ...AUDIO_CLASSES, 'hum'])
    expect((await cardOf(project, species.id, species.model!)).tier).toBeUndefined()

    // the overlapping tier with a sigmoid head: its classes are every event class, 'hum' included
    const events = await trainProject(project, ctx, {
      settings: { ...small, tier: 'events', head: 'sigmoid' },
    })
    expect(events.status).toBe('done')
    expect(events.settings.tier).toBe('events')
    expect(events.classes).toEqual([...AUDIO_CLASSES, 'hum'])
    const card = await cardOf(project, events.id, events.model!)
    expect(card.tier).toBe('events')
    expect(card.tagger.head).toBe('sigmoid')
    // both models stay in the project, each with its tier
    expect((await new RunStore(project.dir).list()).map((r) => r.id).sort()).toEqual(
      [species.id, events.id].sort(),
    )
    const views = await listModels(project)
    expect(views.find((m) => m.id === `run:${events.id}`)?.tier).toBe('events')
    expect(views.find((m) => m.id === `run:${species.id}`)?.tier).toBeUndefined()
  })

  it('a tier no file has is refused naming the tiers there are', async () => {
    const project = await tieredProject()
    await expect(
      trainProject(project, ctx, { settings: { ...small, tier: 'phase' } }),
    ).rejects.toThrow(
      `${project.dir}: no file has a tier named "phase" (tiers: "species", "events"); name one of them`,
    )
  })
})
