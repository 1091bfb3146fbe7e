/**
 * A multi-label (sigmoid) tagger exports to a graph ending in Sigmoid whose onnxruntime output
 * is the engine's own σ(logits) (≤ 1e-5, with global normalisation in the graph), and whose
 * metadata and card say it is multi-label and carry the per-class post-processing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sigmoid } from '../../models/bce'
import { tsKernels } from '../../models/kernels-ts'
import { taggerGraph } from '../../models/onnx-graph'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { parseFeatureSpec } from '../features/spec'
import { readModelCard } from './card'
import { exportTagger } from './export'
import { META_KEYS, parseMetadataProps } from './metadata'
import { readModel, releaseSessions } from './read'
import { randomParams } from './testing'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-export-ml-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const classes = ['bird', 'frog', 'insect']
const config = (cell: TaggerConfig['cell'], attention = false): TaggerConfig => ({
  cell,
  inputSize: 4,
  hiddenSize: 6,
  numLayers: 2,
  numClasses: 3,
  bidirectional: true,
  dropout: 0,
  head: 'sigmoid',
  ...(attention ? { attention: { heads: 2, window: 0 } } : {}),
})

function engineSigmoid(cfg: TaggerConfig, params: Float32Array, x: Float32Array, T: number) {
  const m = createTagger(cfg, tsKernels)
  m.params.set(params)
  const ws = allocWorkspace(cfg, tsKernels, T, 1)
  taggerForward(ws, x, Int32Array.of(T), T, m, tsKernels)
  return Float32Array.from(ws.logits.subarray(0, T * cfg.numClasses), sigmoid)
}

describe('exportTagger, sigmoid head', () => {
  const perClass = [
    { threshold: 0.35, medianFilter: 3, minDuration: 0.05 },
    { threshold: 0.6, medianFilter: 1, minDuration: 0 },
    { threshold: 0.5, medianFilter: 5, minDuration: 0.1 },
  ]

  for (const [cell, attention] of [
    ['gru', false],
    ['lstm', false],
    ['rnn-tanh', true],
  ] as const) {
    it(`${cell}${attention ? ' + attention' : ''}: onnxruntime = σ(engine logits) ≤ 1e-5`, async () => {
      const cfg = config(cell, attention)
      const params = randomParams(cfg, 11)
      const rng = new Rng(2)
      const mean = [0.5, -1, 2, 0]
      const std = [2, 0.5, 1, 3]
      const spec = parseFeatureSpec({
        kind: 'series',
        channels: ['a', 'b', 'c', 'd'],
        normalization: { mode: 'global', mean, std },
      })
      const file = path.join(dir, `${cell}.onnx`)
      await exportTagger(file, {
        config: cfg,
        params,
        spec,
        classes,
        multiLabel: { perClass, thresholds: 'validation' },
      })
      const T = 41
      const raw = Float32Array.from({ length: T * 4 }, () => 3 * rng.normal())
      const x = raw.map((v, i) => (v - mean[i % 4]) / std[i % 4])
      const want = engineSigmoid(cfg, params, x, T)
      const session = await ort.InferenceSession.create(await readFile(file))
      const out = await session.run({ features: new ort.Tensor('float32', raw, [1, T, 4]) })
      const got = out.probabilities.data as Float32Array
      let diff = 0
      for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]))
      console.log(`${cell} sigmoid export: max |onnxruntime − engine| = ${diff.toExponential(2)}`)
      expect(diff).toBeLessThanOrEqual(1e-5)
      // independent classes: rows do not sum to 1
      const sums = Array.from({ length: T }, (_, t) => got[t * 3] + got[t * 3 + 1] + got[t * 3 + 2])
      expect(sums.some((s) => Math.abs(s - 1) > 0.05)).toBe(true)
      await session.release()
    })
  }

  it('the graph ends in Sigmoid; metadata, card and readModel say multi-label', async () => {
    const cfg = config('gru')
    const g = taggerGraph(cfg, randomParams(cfg, 1))
    expect(g.nodes.at(-1)).toMatchObject({ op: 'Sigmoid', outputs: ['probabilities'] })
    expect(g.nodes.some((n) => n.op === 'Softmax')).toBe(false)
    const file = path.join(dir, 'meta.onnx')
    const spec = parseFeatureSpec({
      kind: 'series',
      channels: ['a', 'b', 'c', 'd'],
      normalization: { mode: 'per-file' },
    })
    const res = await exportTagger(file, {
      config: cfg,
      params: randomParams(cfg, 1),
      spec,
      classes,
      // Viterbi and transitions do not apply to a multi-label model: dropped
      postprocess: { viterbi: { enabled: true, weight: 1 }, medianFilter: 3 },
      transitions: {
        initial: [0.2, 0.3, 0.5],
        matrix: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        alpha: 0,
      },
      multiLabel: { perClass, thresholds: 'validation' },
    })
    expect(res.card.tagger?.head).toBe('sigmoid')
    expect(res.card.multiLabel).toEqual({ perClass, thresholds: 'validation' })
    expect(res.card.transitions).toBeUndefined()
    expect(res.card.postprocess.viterbi).toBeUndefined()
    expect((await readModelCard(file))?.multiLabel?.perClass).toEqual(perClass)
    const model = await readModel(file)
    expect(model.multiLabel).toEqual({ perClass, thresholds: 'validation' })
    expect(model.output).toBe('probabilities')
    expect(model.background).toBeNull()
    expect(model.transitions).toBeNull()
    const props = model.info.metadata
    expect(parseMetadataProps(file, props).multiLabel?.perClass[0].threshold).toBe(0.35)
    expect(props[META_KEYS.multilabel]).toContain('"thresholds":"validation"')
    // a caller's median filter and minimum duration apply to every class, thresholds stay
    const over = await readModel(file, { postprocess: { medianFilter: 7, minDuration: 0.3 } })
    expect(over.multiLabel?.perClass).toEqual(
      perClass.map((p) => ({ ...p, medianFilter: 7, minDuration: 0.3 })),
    )
    const onlyMedian = await readModel(file, { postprocess: { medianFilter: 9 } })
    expect(onlyMedian.multiLabel?.perClass.map((p) => p.minDuration)).toEqual([0.05, 0, 0.1])
  })

  it('without per-class settings every class gets 0.5 and the median filter and minimum duration', async () => {
    const cfg = config('gru')
    const spec = parseFeatureSpec({
      kind: 'series',
      channels: ['a', 'b', 'c', 'd'],
      normalization: { mode: 'per-file' },
    })
    const res = await exportTagger(path.join(dir, 'default.onnx'), {
      config: cfg,
      params: randomParams(cfg, 1),
      spec,
      classes,
      postprocess: { medianFilter: 5, minDuration: 0.2 },
    })
    expect(res.card.multiLabel?.perClass).toEqual(
      classes.map(() => ({ threshold: 0.5, medianFilter: 5, minDuration: 0.2 })),
    )
    expect(res.card.multiLabel?.thresholds).toBe('default')
  })

  it('refuses per-class settings for another number of classes, saying both counts', async () => {
    const cfg = config('gru')
    const spec = parseFeatureSpec({
      kind: 'series',
      channels: ['a', 'b', 'c', 'd'],
      normalization: { mode: 'per-file' },
    })
    await expect(
      exportTagger(path.join(dir, 'bad.onnx'), {
        config: cfg,
        params: randomParams(cfg, 1),
        spec,
        classes,
        multiLabel: { perClass: perClass.slice(0, 2) },
      }),
    ).rejects.toThrow(/for 2 classes, the model has 3/)
  })
})
