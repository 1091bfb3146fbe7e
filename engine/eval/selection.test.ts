/**
 * Which files an evaluation scores: pure rules (selectFiles, includesPredicted), then the whole
 * path through the API on a trained project: Evaluate scores the validation files by default and
 * marks each file's split, 'all' is a choice, and a file whose labels are an accepted prediction
 * is left out until it is reviewed or included. Also: model names and the recent projects list.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvaluationView, ModelView, PredictionView, RecentProject, RunView } from '../api'
import { Service } from '../service'
import { syntheticAudio } from '../data/synthetic'
import { runCli } from '../testing/cli'
import { defaultModelName, MODEL_NAMES_FILE } from '../project/models'
import { includesPredicted, selectFiles, type RunSplit } from './selection'

const split: RunSplit = { run: 'r', train: ['a.wav', 'b.wav'], validation: ['c.wav'] }
const files = ['a.wav', 'b.wav', 'c.wav', 'new.wav'].map((name) => ({ name, unreviewed: false }))

describe('selectFiles', () => {
  it('scores the validation files by default and says the training files are left out', () => {
    const { chosen, selection } = selectFiles(files, split, {}, '/p')
    expect(chosen.map((c) => c.name)).toEqual(['c.wav'])
    expect(selection.excluded).toEqual([
      { file: 'a.wav', why: 'training' },
      { file: 'b.wav', why: 'training' },
      { file: 'new.wav', why: 'unseen' },
    ])
    expect(selection.reason).toMatch(/validation files \(1 file\); its 2 training files are left/)
    expect(selection.reason).toMatch(/1 labelled file its training run did not use is left out/)
  })

  it("scores every labelled file when asked, and when the model's run is unknown says so", () => {
    expect(selectFiles(files, split, { files: 'all' }, '/p').chosen).toHaveLength(4)
    const unknown = selectFiles(files, null, {}, '/p')
    expect(unknown.chosen).toHaveLength(4)
    expect(unknown.selection.splitKnown).toBe(false)
    expect(unknown.selection.reason).toMatch(/not recorded here/)
  })

  it('leaves out unreviewed accepted predictions unless included', () => {
    const marked = files.map((f) => ({ ...f, unreviewed: f.name === 'c.wav' }))
    expect(() => selectFiles(marked, split, {}, '/p')).toThrow(
      /^\/p: no files to evaluate on: .*1 file left out: labels include accepted predictions.*Fix: /,
    )
    const all = selectFiles(marked, split, { files: 'all' }, '/p')
    expect(all.chosen.map((c) => c.name)).toEqual(['a.wav', 'b.wav', 'new.wav'])
    expect(all.selection.excluded).toEqual([{ file: 'c.wav', why: 'unreviewed' }])
    expect(selectFiles(marked, split, { includeUnreviewed: true }, '/p').chosen).toHaveLength(1)
  })

  it('refuses a model trained without validation files, naming the fix', () => {
    expect(() => selectFiles(files, { ...split, validation: [] }, {}, '/p')).toThrow(
      /trained without validation files; choose 'all labelled files'/,
    )
  })
})

describe('includesPredicted', () => {
  const p = [{ start: 1, end: 2, label: 'call' }]
  it('finds a predicted segment taken unchanged, not a corrected or relabelled one', () => {
    expect(includesPredicted([{ start: 1, end: 2, label: 'call' }], p)).toBe(true)
    expect(includesPredicted([{ start: 1, end: 2.05, label: 'call' }], p)).toBe(false)
    expect(includesPredicted([{ start: 1, end: 2, label: 'song' }], p)).toBe(false)
    expect(includesPredicted([], p)).toBe(false)
  })
})

describe('defaultModelName', () => {
  it('names task, architecture and local time', () => {
    const created = new Date(2026, 11, 4, 14, 2).toISOString()
    const tagger = { cell: 'gru', bidirectional: true, numLayers: 2, hiddenSize: 64 }
    expect(defaultModelName('tag', tagger as never, '/x/model.onnx', created)).toBe(
      'tagger · BiGRU 2×64 · 4 Dec 14:02',
    )
    expect(defaultModelName('classify', null, '/x/birds.onnx', created)).toBe(
      'clip classifier · birds.onnx · 4 Dec 14:02',
    )
  })
})

describe('evaluation, names and recent projects through the API', () => {
  let dir: string
  let service: Service
  let run: RunView
  const ok = async <T>(
    p: Promise<{ ok: boolean; result?: unknown; error?: { message: string } }>,
  ) => {
    const r = await p
    if (!r.ok) throw new Error(r.error!.message)
    return r.result as T
  }

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-eval-selection-'))
    service = new Service(() => {})
    await ok(service.call('createProject', { dir }))
    await ok(
      service.call('setClasses', {
        classes: [
          { name: 'background', color: '#999999', hotkey: null, role: 'background' },
          { name: 'tone', color: '#ff0000', hotkey: 1 },
          { name: 'chirp', color: '#00ff00', hotkey: 2 },
          { name: 'noise', color: '#0000ff', hotkey: 3 },
        ],
      }),
    )
    for (let i = 0; i < 4; i++) {
      const a = syntheticAudio(700 + i, 4)
      await fs.writeFile(path.join(dir, `r${i}.wav`), a.wav)
      await ok(service.call('addMedia', { paths: [`r${i}.wav`] }))
      await ok(
        service.call('saveLabels', { media: `r${i}.wav`, segments: a.segments, baseRevision: 0 }),
      )
    }
    const settings = { hidden: 8, layers: 1, epochs: 1, batch: 4, chunk: 100, threads: 1 }
    settings satisfies Record<string, number>
    run = await ok<RunView>(
      service.call('train', { jobId: 't', settings: { ...settings, valFraction: 0.5 } }),
    )
  }, 120_000)
  afterAll(async () => {
    await service.close()
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('scores the validation files by default, marking each file train or validation', async () => {
    expect(run.files.val.length).toBeGreaterThan(0)
    expect(run.files.train.length).toBeGreaterThan(0)
    const model = `run:${run.id}`
    const ev = await ok<EvaluationView>(service.call('evaluate', { jobId: 'e1', model }))
    expect(ev.perFile.map((f) => f.file).sort()).toEqual([...run.files.val].sort())
    expect(ev.perFile.every((f) => f.split === 'validation')).toBe(true)
    expect(ev.selection?.excluded.map((e) => e.file).sort()).toEqual([...run.files.train].sort())
    const all = await ok<EvaluationView>(
      service.call('evaluate', { jobId: 'e2', model, files: 'all' }),
    )
    expect(all.files).toBe(4)
    const train = all.perFile.filter((f) => f.split === 'train').map((f) => f.file)
    expect(train.sort()).toEqual([...run.files.train].sort())
  })

  it('leaves out a validation file whose labels are an accepted prediction until it is reviewed', async () => {
    const model = `run:${run.id}`
    const media = run.files.val[0]
    const p = await ok<{ segments: { start: number; end: number; label: string }[] }>(
      service.call('predict', { jobId: 'p1', model, media }),
    )
    // the user's labels replaced by the prediction, as "Accept all" does
    const before = await ok<{ revision: number }>(service.call('getLabels', { media }))
    expect(p.segments.length).toBeGreaterThan(0)
    await ok(
      service.call('saveLabels', { media, segments: p.segments, baseRevision: before.revision }),
    )
    const ev = await ok<EvaluationView>(
      service.call('evaluate', { jobId: 'e3', model, files: 'all' }),
    )
    expect(ev.perFile.map((f) => f.file)).not.toContain(media)
    expect(ev.selection?.excluded).toContainEqual({ file: media, why: 'unreviewed' })
    expect(ev.selection?.reason).toMatch(/accepted predictions not marked reviewed/)
    const included = await ok<EvaluationView>(
      service.call('evaluate', { jobId: 'e4', model, files: 'all', includeUnreviewed: true }),
    )
    expect(included.perFile.map((f) => f.file)).toContain(media)
    await ok(service.call('setReviewed', { media, reviewed: true }))
    const reviewed = await ok<EvaluationView>(
      service.call('evaluate', { jobId: 'e5', model, files: 'all' }),
    )
    expect(reviewed.perFile.map((f) => f.file)).toContain(media)
  })

  it("keeps a prediction's rejected segments with it, refusing indices of a prediction made again", async () => {
    const model = `run:${run.id}`
    const media = run.files.train[0]
    const p = await ok<PredictionView>(service.call('predict', { jobId: 'p2', model, media }))
    const { created } = p
    const kept = await ok<PredictionView>(
      service.call('setRejected', { media, model, created, rejected: [0, 0, 999] }),
    )
    expect(kept.rejected).toEqual([0]) // once, and only segments it has
    expect((await ok<PredictionView>(service.call('getPrediction', { media }))).rejected).toEqual([
      0,
    ])
    const stale = await service.call('setRejected', { media, model, created: 'then', rejected: [] })
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } })
  })

  it('names models by default from task, cell and date; renames and restores them atomically', async () => {
    const [m] = await ok<ModelView[]>(service.call('listModels', {}))
    expect(m.name).toMatch(/^tagger · BiGRU 1×8 · \d{1,2} \w{3} \d\d:\d\d$/)
    expect(m.split?.validation).toEqual(run.files.val)
    const renamed = await ok<ModelView>(
      service.call('renameModel', { model: m.id, name: '  night calls v1 ' }),
    )
    expect(renamed).toMatchObject({ id: m.id, name: 'night calls v1', renamed: true })
    const stored = JSON.parse(await fs.readFile(path.join(dir, MODEL_NAMES_FILE), 'utf8'))
    expect(stored).toEqual({ version: 1, names: { [m.id]: 'night calls v1' } })
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([])
    const back = await ok<ModelView>(service.call('renameModel', { model: m.id, name: '' }))
    expect(back.name).toBe(m.name)
    const missing = await service.call('renameModel', { model: 'run:nope', name: 'x' })
    expect(missing).toMatchObject({ ok: false, error: { code: 'bad-input' } })
  })

  it('lists the project among the recent ones', async () => {
    const recent = await ok<RecentProject[]>(service.call('recentProjects', {}))
    expect(recent[0]).toMatchObject({ dir: await fs.realpath(dir).catch(() => dir) })
  })

  it('framewise eval takes --files and refuses a bad value in one line', async () => {
    const model = path.join(dir, 'runs', run.id, 'model.onnx')
    const bad = await runCli(['eval', model, dir, '--files', 'some'])
    expect(bad.code).toBe(2)
    expect(bad.stderr.split('\n')[0]).toMatch(/^framewise: --files must be validation or all/)
    const all = await runCli(['eval', model, dir, '--files', 'all', '--include-unreviewed'])
    expect(all.code).toBe(0)
    expect(JSON.parse(all.stdout).files).toBe(4)
  })
})

describe('framewise serve --project', () => {
  it('refuses a missing folder in one line naming it and the fix', async () => {
    const missing = path.join(os.tmpdir(), 'fw-no-such-project-folder')
    const r = await runCli(['serve', '--project', missing])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^framewise: .*fw-no-such-project-folder: no such folder; give --project/,
      ),
    ])
  })
})
