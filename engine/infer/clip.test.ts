/**
 * Clip classifiers end to end below the CLI: exported ONNX (every pooling, with the global
 * normalisation folded into the graph) agrees with the training code's forward within 1e-5
 * through onnxruntime, probabilities and attention weights alike; predictClipsToFile writes
 * JSON/CSV; evaluateClips counts a confusion matrix; a tagger reader refuses a clip model.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Rng } from '../../models/rng'
import { tsKernels } from '../../models/kernels-ts'
import { toneWav } from './testing'
import { extractFileFeatures } from '../features/extract'
import { parseFeatureSpec, type FeatureSpec } from '../features/spec'
import { RunningStats, standardize } from '../features/normalize'
import { exportClassifier, isClipModel, readClipModel } from '../onnx/clip'
import { readModel, releaseSessions } from '../onnx/read'
import { clipConfigOf, clipForward, createClipModel, initClipModel } from '../train/classify'
import { parseTrainSettings } from '../train/settings'
import { clipEvaluationView, evaluateClips, predictClip, predictClipsToFile } from './clip'

let dir: string
let wavs: string[]
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-clip-'))
  wavs = []
  for (const [i, [from, to]] of [
    [0.2, 0.5],
    [1.0, 1.6],
    [0.1, 0.3],
  ].entries()) {
    const f = path.join(dir, `c${i}.wav`)
    await fs.writeFile(f, toneWav(2, from, to))
    wavs.push(f)
  }
})
afterAll(async () => {
  await releaseSessions()
  await fs.rm(dir, { recursive: true, force: true })
})

const classes = ['wren', 'robin', 'noise']

/** A randomly initialised classifier (biases too, so every parameter matters) over `spec`. */
async function exported(pooling: 'mean' | 'max' | 'attention', cell: 'gru' | 'lstm', file: string) {
  const raw = parseFeatureSpec({ kind: 'audio', normalization: { mode: 'none' } }) as FeatureSpec
  const fm = await extractFileFeatures(wavs[0], raw)
  const stats = new RunningStats(fm.dims)
  stats.add(fm.data, fm.frames)
  const { mean, std } = stats.result()
  const spec = { ...raw, normalization: { mode: 'global', mean, std } } as FeatureSpec
  const settings = parseTrainSettings({ task: 'classify', pooling, cell, hidden: 6, layers: 2 })
  const { config, pooling: head } = clipConfigOf(settings, fm.dims, classes.length)
  const m = createClipModel(config, head, tsKernels)
  initClipModel(m, new Rng(7))
  const rng = new Rng(8)
  for (let i = 0; i < m.params.length; i++) m.params[i] += 0.1 * rng.normal()
  await exportClassifier(file, {
    config,
    pooling: head,
    params: m.params,
    spec,
    classes,
    runId: 'r1',
  })
  return { m, mean, std, raw }
}

describe('clip classifier ONNX', () => {
  for (const [pooling, cell] of [
    ['attention', 'gru'],
    ['mean', 'lstm'],
    ['max', 'gru'],
  ] as const) {
    it(`${pooling} pooling (${cell}): onnxruntime matches the training forward within 1e-5`, async () => {
      const file = path.join(dir, `${pooling}.onnx`)
      const { m, mean, std, raw } = await exported(pooling, cell, file)
      expect(await isClipModel(file)).toBe(true)
      const model = await readClipModel(file)
      expect(model.weightsName).toBe(pooling === 'attention' ? 'weights' : null)
      for (const wav of wavs) {
        const fm = await extractFileFeatures(wav, raw)
        const x = standardize(fm.data, fm.dims, mean, std)
        const ref = clipForward(m, x, fm.frames, tsKernels)
        const e = ref.logits.map((z) => Math.exp(z - Math.max(...ref.logits)))
        const want = e.map((v) => v / e.reduce((a, b) => a + b, 0))
        const got = await predictClip(model, wav)
        const diff = Math.max(...want.map((w, j) => Math.abs(w - got.probabilities[j])))
        let wdiff = 0
        if (got.weights)
          for (let t = 0; t < fm.frames; t++)
            wdiff = Math.max(wdiff, Math.abs(got.weights[t] - ref.weights[t]))
        console.log(
          `${pooling} ${path.basename(wav)} T=${fm.frames}: max |Δp| ${diff.toExponential(2)}, max |Δw| ${wdiff.toExponential(2)}`,
        )
        expect(diff).toBeLessThan(1e-5)
        expect(wdiff).toBeLessThan(1e-5)
        expect(got.frames).toBe(fm.frames)
        expect(got.class).toBe(classes[want.indexOf(Math.max(...want))])
        if (got.weights) expect(got.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      }
    }, 30_000)
  }

  it('writes clips.json and clips.csv, evaluates a confusion matrix, and is refused as a tagger', async () => {
    const file = path.join(dir, 'eval.onnx')
    await exported('attention', 'gru', file)
    const json = await predictClipsToFile(file, wavs, {
      out: path.join(dir, 'out'),
      format: 'json',
    })
    const rows = JSON.parse(await fs.readFile(json.output, 'utf8'))
    expect(rows.map((r: { file: string }) => r.file)).toEqual(wavs)
    expect(classes).toContain(rows[0].class)
    expect(rows[0].probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5)
    const csv = await predictClipsToFile(file, wavs, { out: path.join(dir, 'out'), format: 'csv' })
    const lines = (await fs.readFile(csv.output, 'utf8')).trim().split(/\r?\n/)
    expect(lines[0]).toBe('file,class,p_wren,p_robin,p_noise')
    expect(lines).toHaveLength(4)

    const truth = ['wren', 'robin', 'robin']
    const ev = await evaluateClips(
      file,
      wavs.map((f, i) => ({ file: f, name: path.basename(f), clipClass: truth[i] })),
    )
    const predicted = rows.map((r: { class: string }) => r.class)
    expect(ev.accuracy).toBeCloseTo(
      predicted.filter((p: string, i: number) => p === truth[i]).length / 3,
      10,
    )
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(3)
    expect(ev.confusion[classes.indexOf('robin')].reduce((a, b) => a + b, 0)).toBe(2)
    await expect(
      evaluateClips(file, [{ file: wavs[0], name: 'c0', clipClass: 'owl' }]),
    ).rejects.toThrow(/clip class 'owl' is not a class of the model/)
    await expect(readModel(file)).rejects.toThrow(/is a clip classifier/)

    // The app's view of it: per-class P/R/F1 from the confusion matrix, wrong files first.
    const view = clipEvaluationView({
      ...ev,
      confusion: [
        [1, 0, 0],
        [1, 1, 0],
        [0, 0, 0],
      ],
      perFile: [
        { file: 'a', clipClass: 'wren', predicted: 'wren', confidence: 0.9 },
        { file: 'b', clipClass: 'robin', predicted: 'wren', confidence: 0.6 },
        { file: 'c', clipClass: 'robin', predicted: 'robin', confidence: 0.7 },
      ],
    })
    expect(view.task).toBe('classify')
    expect(view.frame.perClass[0]).toEqual({
      label: 'wren',
      precision: 0.5,
      recall: 1,
      f1: 2 / 3,
      support: 1,
    })
    expect(view.frame.perClass[1]).toEqual({
      label: 'robin',
      precision: 1,
      recall: 0.5,
      f1: 2 / 3,
      support: 2,
    })
    expect(view.perFile.map((f) => [f.file, f.accuracy])).toEqual([
      ['b', 0],
      ['a', 1],
      ['c', 1],
    ])
    expect(view.perFile[0].clip).toEqual({ reference: 'robin', predicted: 'wren', confidence: 0.6 }) // what the per-file table shows
  }, 30_000)
})
