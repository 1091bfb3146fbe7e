/**
 * Clip classification through the CLI and the project: `framewise train --task classify` on a
 * class-folder data folder and on a project whose files carry clip classes (the run is recorded
 * like a tagger run), then `predict` (clips.json / clips.csv) and `eval` (accuracy, macro-F1,
 * confusion) with the exported model; bad folders give errors naming the folder.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeWav } from '../media/audio/testing'
import { runCli as cli } from '../testing/cli'
import { readModelCard } from '../onnx/card'
import { releaseSessions } from '../onnx/read'
import { Project } from '../project/store'
import { importModel, listModels } from '../project/models'
import { predictMedia, readPrediction } from '../project/predictions'
import { Rng } from '../../models/rng'
import { RunStore } from './runs'
import { trainProject } from './project'

let dir: string
let data: string
/** 2 s of noise with one 0.25 s tone (600 Hz 'low', 3000 Hz 'high') at a random place. */
function clipWav(freq: number, rng: Rng): Buffer {
  const rate = 8000
  const x = new Float64Array(2 * rate)
  for (let i = 0; i < x.length; i++) x[i] = 0.02 * rng.normal()
  const at = rng.int(x.length - rate / 4)
  for (let i = 0; i < rate / 4; i++) x[at + i] += 0.5 * Math.sin((2 * Math.PI * freq * i) / rate)
  return makeWav({ bits: 16, rate, channels: [x] })
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fw-clipcli-'))
  data = path.join(dir, 'data')
  const rng = new Rng(3)
  for (const [cls, freq] of [
    ['low', 600],
    ['high', 3000],
  ] as const) {
    await mkdir(path.join(data, cls), { recursive: true })
    for (let i = 0; i < 6; i++)
      await writeFile(path.join(data, cls, `${cls}${i}.wav`), clipWav(freq, rng))
  }
  await writeFile(path.join(data, 'README.txt'), 'ignored')
})
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const small = [
  '--hidden',
  '8',
  '--layers',
  '1',
  '--epochs',
  '8',
  '--lr',
  '0.01',
  '--val',
  '0',
  '--seed',
  '1',
  '--features',
  'logmel',
]

describe('framewise train --task classify', () => {
  it('trains on <dir>/<class>/<file>.wav, predicts clips.json / clips.csv and evaluates', async () => {
    const model = path.join(dir, 'clip.onnx')
    const r = await cli([
      'train',
      data,
      '--out',
      model,
      '--task',
      'classify',
      '--pooling',
      'attention',
      ...small,
    ])
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.classes).toEqual(['high', 'low'])
    const card = await readModelCard(model)
    expect(card?.task).toBe('classify')
    expect(card?.pooling?.kind).toBe('attention')

    const out = path.join(dir, 'pred')
    const p = await cli([
      'predict',
      model,
      path.join(data, 'low'),
      path.join(data, 'high'),
      '--out',
      out,
    ])
    expect(p.code).toBe(0)
    const rows = JSON.parse(await readFile(path.join(out, 'clips.json'), 'utf8')) as {
      file: string
      class: string
      probabilities: number[]
    }[]
    expect(rows).toHaveLength(12)
    const right = rows.filter((x) => path.basename(path.dirname(x.file)) === x.class).length
    console.log(`training-set accuracy through predict: ${right}/12`)
    expect(right).toBeGreaterThanOrEqual(10)
    expect(
      (await cli(['predict', model, path.join(data, 'low'), '--out', out, '--format', 'csv'])).code,
    ).toBe(0)
    expect((await readFile(path.join(out, 'clips.csv'), 'utf8')).split('\n')[0]).toBe(
      'file,class,p_high,p_low',
    )

    const e = await cli(['eval', model, data])
    expect(e.code).toBe(0)
    const ev = JSON.parse(e.stdout)
    expect(ev.files).toBe(12)
    expect(ev.accuracy).toBeCloseTo(right / 12, 10)
    expect(ev.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(12)
  }, 120_000)

  it('trains on a project whose files carry clip classes, recorded as a run', async () => {
    const pdir = path.join(dir, 'project')
    await mkdir(pdir)
    const project = await Project.create(pdir, 'clips')
    const files = ['low0', 'low1', 'low2', 'high0', 'high1', 'high2'].map((n) =>
      path.join(data, n.replace(/\d/, ''), `${n}.wav`),
    )
    await project.addMedia(files)
    for (const m of project.media)
      await project.setClipClass(m.path, path.basename(m.path).replace(/\d\.wav$/, ''))
    const model = path.join(dir, 'project.onnx')
    const r = await cli([
      'train',
      pdir,
      '--out',
      model,
      '--task',
      'classify',
      '--pooling',
      'mean',
      ...small.slice(0, 6),
    ])
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    const run = await new RunStore(pdir).read(summary.run)
    expect(run.status).toBe('done')
    expect(run.settings.task).toBe('classify')
    expect(run.classes).toEqual(['high', 'low'])
    expect(run.files.val).toHaveLength(1) // 20 % of 6 files
    expect(run.history.length).toBeGreaterThan(0)
    expect(run.bestEpoch).toBeGreaterThan(0)
    expect((await readModelCard(model))?.pooling?.kind).toBe('mean')
    // by default the run's validation file only; all six when asked
    const held = JSON.parse((await cli(['eval', model, pdir])).stdout)
    expect(held.files).toBe(1)
    expect(held.selection.excluded).toHaveLength(5)
    const e = JSON.parse((await cli(['eval', model, pdir, '--files', 'all'])).stdout)
    expect(e.files).toBe(6)

    // The app's predict: the run's model on one file gives the clip class, no frame labels.
    const models = await listModels(project)
    expect(models.find((m) => m.id === `run:${run.id}`)?.task).toBe('classify')
    const ctx = { signal: new AbortController().signal, progress: () => {} }
    const view = await predictMedia(project, `run:${run.id}`, project.media[0].path, ctx)
    expect(view.labels).toEqual([])
    expect(run.classes).toContain(view.clip?.class)
    expect(view.clip?.weights).toBeNull() // mean pooling has no weights
    expect(view.clip!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    expect(await readPrediction(project, project.media[0].path)).toEqual(view)

    // Imported (the exported copy): still a clip classifier, and it predicts the same.
    const imported = await importModel(project, model)
    expect(imported.task).toBe('classify')
    const again = await predictMedia(project, imported.id, project.media[0].path, ctx)
    expect(again.clip?.probabilities).toEqual(view.clip?.probabilities)
  }, 120_000)

  it('resumes a cancelled clip run from its checkpoint to the history of an uninterrupted run', async () => {
    const pdir = path.join(dir, 'resume')
    await mkdir(pdir)
    const project = await Project.create(pdir, 'resume')
    await project.addMedia(
      ['low0', 'low1', 'low2', 'high0', 'high1', 'high2'].map((n) =>
        path.join(data, n.replace(/\d/, ''), `${n}.wav`),
      ),
    )
    for (const m of project.media)
      await project.setClipClass(m.path, path.basename(m.path).replace(/\d\.wav$/, ''))
    const settings = {
      task: 'classify',
      hidden: 8,
      layers: 1,
      epochs: 20,
      patience: 0,
      lr: 0.01,
      threads: 1,
    }
    const ctx = (signal = new AbortController().signal) => ({ signal, progress: () => {} })
    const full = await trainProject(project, ctx(), { settings, features: { kind: 'audio' } })

    const controller = new AbortController()
    let runId = ''
    await expect(
      trainProject(project, ctx(controller.signal), {
        settings,
        features: { kind: 'audio' },
        onUpdate: (u) => {
          runId = u.runId
          if (u.epoch?.epoch === 2) controller.abort()
        },
      }),
    ).rejects.toThrow()
    expect((await new RunStore(pdir).read(runId)).status).toBe('cancelled')
    const resumed = await trainProject(project, ctx(), { resume: runId })
    expect(resumed.id).toBe(runId)
    expect(resumed.status).toBe('done')
    expect(resumed.history.map((h) => h.valLoss)).toEqual(full.history.map((h) => h.valLoss))

    await project.setClipClass(project.media[0].path, 'high') // the data changed: no resume
    await expect(trainProject(project, ctx(), { resume: full.id })).rejects.toThrow(
      /changed since run/,
    )
  }, 120_000)

  it('classifies CSV series from class folders (burst in channel a vs b)', async () => {
    const sdir = path.join(dir, 'series')
    const rng = new Rng(9)
    for (const cls of ['a', 'b']) {
      await mkdir(path.join(sdir, cls), { recursive: true })
      for (let i = 0; i < 5; i++) {
        const at = rng.int(150)
        const rows = ['time,a,b']
        for (let t = 0; t < 200; t++) {
          const burst = t >= at && t < at + 10 ? 3 : 0
          rows.push(
            `${(t / 50).toFixed(3)},${(rng.normal() + (cls === 'a' ? burst : 0)).toFixed(4)},${(rng.normal() + (cls === 'b' ? burst : 0)).toFixed(4)}`,
          )
        }
        await writeFile(path.join(sdir, cls, `${cls}${i}.csv`), rows.join('\n') + '\n')
      }
    }
    const model = path.join(dir, 'series.onnx')
    const r = await cli([
      'train',
      sdir,
      '--out',
      model,
      '--task',
      'classify',
      ...small.slice(0, 6),
      '--val',
      '0',
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).classes).toEqual(['a', 'b'])
    const ev = JSON.parse((await cli(['eval', model, sdir])).stdout)
    console.log(`series clip accuracy (training files): ${ev.accuracy}`)
    expect(ev.files).toBe(10)
    expect(ev.accuracy).toBeGreaterThanOrEqual(0.8)
  }, 120_000)

  it('names the folder when there are no class subfolders or only one class', async () => {
    const flat = path.join(dir, 'flat')
    await mkdir(flat)
    await writeFile(path.join(flat, 'a.wav'), clipWav(600, new Rng(1)))
    const r = await cli(['train', flat, '--out', path.join(dir, 'x.onnx'), '--task', 'classify'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(flat)
    expect(r.stderr).toMatch(/subfolder named after the class/)
    await mkdir(path.join(flat, 'only'))
    await writeFile(path.join(flat, 'only', 'a.wav'), clipWav(600, new Rng(1)))
    const one = await cli(['train', flat, '--out', path.join(dir, 'x.onnx'), '--task', 'classify'])
    expect(one.code).toBe(1)
    expect(one.stderr).toMatch(/at least 2 clip classes/)
  }, 60_000)
})
