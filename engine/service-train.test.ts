import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EvaluationView, RunView, TrainingEvent } from './api'
import { Service } from './service'
import { syntheticAudio } from './data/synthetic'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-service-train-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('training through the API', () => {
  it('trains the open project as a job with training events, and lists the run', async () => {
    const events: TrainingEvent[] = []
    const service = new Service((event, ...args) => {
      if (event === 'training') events.push(args[0] as TrainingEvent)
    })
    await service.call('createProject', { dir })
    const classes = [
      { name: 'background', color: '#999999', hotkey: null, role: 'background' },
      { name: 'tone', color: '#ff0000', hotkey: 1 },
      { name: 'chirp', color: '#00ff00', hotkey: 2 },
      { name: 'noise', color: '#0000ff', hotkey: 3 },
    ]
    expect(await service.call('setClasses', { classes })).toMatchObject({ ok: true })
    for (let i = 0; i < 2; i++) {
      const a = syntheticAudio(500 + i, 5)
      await fs.writeFile(path.join(dir, `r${i}.wav`), a.wav)
      await service.call('addMedia', { paths: [`r${i}.wav`] })
      expect(
        await service.call('saveLabels', {
          media: `r${i}.wav`,
          segments: a.segments,
          baseRevision: 0,
        }),
      ).toMatchObject({ ok: true })
    }
    const settings = { hidden: 8, layers: 1, epochs: 2, batch: 4, chunk: 100, threads: 1 }
    const trained = await service.call('train', { jobId: 't1', settings })
    if (!trained.ok) throw new Error(trained.error.message)
    const run = trained.result as RunView
    expect(run.status).toBe('done')
    expect(events.filter((e) => e.epoch).map((e) => e.epoch!.epoch)).toEqual([1, 2])
    expect(events.every((e) => e.jobId === 't1' && e.runId === run.id)).toBe(true)
    const runs = await service.call('listRuns', {})
    expect(runs).toMatchObject({ ok: true, result: [{ id: run.id, status: 'done' }] })
    const scored = await service.call('evaluate', {
      jobId: 'e1',
      model: `run:${run.id}`,
      files: 'all',
    })
    if (!scored.ok) throw new Error(scored.error.message)
    const ev = scored.result as EvaluationView
    expect(ev.files).toBe(2)
    expect(ev.perFile.map((f) => f.file).sort()).toEqual(['r0.wav', 'r1.wav'])
    expect(ev.frame.frames).toBe(2 * (Math.floor((5 * 16000) / 160) + 1))
    expect(ev.frame.confusion.flat().reduce((a, b) => a + b, 0)).toBe(ev.frame.frames)
  })

  it('refuses bad settings with a clear error and records nothing', async () => {
    const service = new Service(() => {})
    await service.call('createProject', { dir })
    const r = await service.call('train', { jobId: 't2', settings: { hidden: -3 } })
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    // the contract types the settings, so the request itself is refused, naming the field
    if (!r.ok) expect(r.error.message).toMatch(/^train: .*settings\.hidden/s)
    const unknown = await service.call('train', { jobId: 't3', settings: { hiden: 32 } })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    if (!unknown.ok) expect(unknown.error.message).toMatch(/hiden/)
    const conflict = await service.call('train', {
      jobId: 't4',
      settings: { outputRecurrence: true },
    })
    expect(conflict).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    if (!conflict.ok)
      expect(conflict.error.message).toMatch(
        /training settings: bidirectional must be off: Output recurrence/,
      )
    expect(await service.call('listRuns', {})).toEqual({ ok: true, result: [] })
  })

  it('serves the training defaults and the exclusions the Train panel applies', async () => {
    const r = await new Service(() => {}).call('trainingDefaults', {})
    expect(r).toMatchObject({
      ok: true,
      result: { settings: { cell: 'gru', hidden: 64, bidirectional: true } },
    })
    if (r.ok) expect((r.result as { exclusions: unknown[] }).exclusions.length).toBeGreaterThan(0)
  })
})
