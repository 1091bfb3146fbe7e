/**
 * exportTagger writes a model whose onnxruntime output is the engine's own forward pass (raw
 * features in, also with global normalisation baked in) and whose card reads back; a class list,
 * feature count or parameter count that does not fit is refused.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tsKernels } from '../../models/kernels-ts'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { parseFeatureSpec } from '../features/spec'
import { readModelCard } from './card'
import { exportTagger } from './export'
import { configA, randomParams } from './testing'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-export-'))))
afterAll(async () => rm(dir, { recursive: true, force: true }))

/** Softmax of the engine's forward pass for one sequence x (T, F). */
function engineProbs(
  config: TaggerConfig,
  params: Float32Array,
  x: Float32Array,
  T: number,
): Float32Array {
  const m = createTagger(config, tsKernels)
  m.params.set(params)
  const ws = allocWorkspace(config, tsKernels, T, 1)
  taggerForward(ws, x, Int32Array.of(T), T, m, tsKernels)
  const C = config.numClasses
  const out = new Float32Array(T * C)
  for (let t = 0; t < T; t++) {
    let [mx, s] = [-Infinity, 0]
    for (let j = 0; j < C; j++) mx = Math.max(mx, ws.logits[t * C + j])
    for (let j = 0; j < C; j++) s += out[t * C + j] = Math.exp(ws.logits[t * C + j] - mx)
    for (let j = 0; j < C; j++) out[t * C + j] /= s
  }
  return out
}

describe('exportTagger', () => {
  const config: TaggerConfig = {
    cell: 'gru',
    inputSize: 3,
    hiddenSize: 5,
    numLayers: 2,
    numClasses: 3,
    bidirectional: true,
    dropout: 0,
  }
  // per-file normalisation: these tests are about the card, not the in-graph global statistics
  const spec = parseFeatureSpec({
    kind: 'series',
    channels: ['a', 'b', 'c'],
    normalization: { mode: 'per-file' },
  })
  const classes = ['background', 'walk', 'run']

  it('writes a model + card whose output is the engine forward, and metadata that reads back', async () => {
    const params = randomParams(config, 3)
    const file = path.join(dir, 'gru.onnx')
    const res = await exportTagger(file, {
      config,
      params,
      spec,
      classes,
      postprocess: { medianFilter: 5, minDuration: 0.2 },
      metrics: { macroF1: 0.93 },
      runId: 'run-7',
    })
    expect(res.cardPath).toBe(path.join(dir, 'gru.json'))
    expect((await readdir(dir)).sort()).toEqual(['gru.json', 'gru.onnx']) // no temp files left

    const rng = new Rng(5)
    const T = 37
    const x = Float32Array.from({ length: T * 3 }, () => rng.normal())
    const session = await ort.InferenceSession.create(await readFile(file))
    const out = await session.run({ features: new ort.Tensor('float32', x, [1, T, 3]) })
    const ours = engineProbs(config, params, x, T)
    const got = out.probabilities.data as Float32Array
    let worst = 0
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(got[i] - ours[i]))
    expect(worst).toBeLessThan(1e-5)
    await session.release()

    const card = await readModelCard(file)
    expect(card).not.toBeNull()
    expect(card!.classes).toEqual(classes)
    expect(card!.metrics).toEqual({ macroF1: 0.93 })
    expect(card!.modelBytes).toBe(res.bytes)
    expect(card!.tagger?.parameters).toBe(params.length)
    expect(card!.tagger?.residual).toBe(false)
    expect(card!.postprocess).toMatchObject({ medianFilter: 5, minDuration: 0.2, mergeGap: 0 })
  })

  it('bakes global normalisation into the graph and stores the spec without it', async () => {
    const cfg = { ...configA('lstm'), inputSize: 2, hiddenSize: 4, numClasses: 2 }
    const mean = [1.5, -2]
    const std = [0.5, 4]
    const gspec = parseFeatureSpec({
      kind: 'series',
      channels: ['u', 'v'],
      normalization: { mode: 'global', mean, std },
    })
    const params = randomParams(cfg, 4)
    const file = path.join(dir, 'norm.onnx')
    const res = await exportTagger(file, { config: cfg, params, spec: gspec, classes: ['x', 'y'] })
    expect(res.card.features.normalization).toEqual({ mode: 'none' })
    const T = 20
    const rng = new Rng(9)
    const raw = Float32Array.from(
      { length: T * 2 },
      (_, i) => mean[i % 2] + std[i % 2] * rng.normal(),
    )
    const normed = raw.map((v, i) => (v - mean[i % 2]) / std[i % 2])
    const session = await ort.InferenceSession.create(await readFile(file))
    const got = (await session.run({ features: new ort.Tensor('float32', raw, [1, T, 2]) }))
      .probabilities.data as Float32Array
    const ours = engineProbs(cfg, params, normed, T)
    for (let i = 0; i < ours.length; i++) expect(Math.abs(got[i] - ours[i])).toBeLessThan(1e-5)
    await session.release()
  })

  it('refuses a class list, feature count or parameter count that does not fit', async () => {
    const params = randomParams(config)
    const file = path.join(dir, 'bad.onnx')
    await expect(exportTagger(file, { config, params, spec, classes: ['a', 'b'] })).rejects.toThrow(
      /2 class names/,
    )
    await expect(
      exportTagger(file, {
        config,
        params,
        spec: parseFeatureSpec({ ...spec, channels: ['a'] }),
        classes,
      }),
    ).rejects.toThrow(/gives 1 features/)
    await expect(
      exportTagger(file, { config, params: params.subarray(1), spec, classes }),
    ).rejects.toThrow(/params has/)
    await expect(
      exportTagger(file, { config, params, spec, classes: ['a', 'a', 'b'] }),
    ).rejects.toThrow(/unique/)
  })
})
