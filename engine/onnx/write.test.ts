/**
 * ONNX export parity: onnxruntime running the exported file gives the engine's own forward pass
 * (probabilities) within 1e-5, for every cell, uni/bidirectional, 1–3 layers, with sequences of
 * different lengths, and with global normalisation inside the graph.
 */
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { taggerGraph } from '../../models/onnx-graph'
import type { CellType } from '../../models/params'
import { tsKernels } from '../../models/kernels-ts'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { softmaxRows } from '../infer/predict'
import { encodeModel } from './write'

async function parity(config: TaggerConfig, withNorm: boolean): Promise<number> {
  const rng = new Rng(7)
  const { inputSize: F, numClasses: C } = config
  const m = createTagger(config, tsKernels)
  for (let i = 0; i < m.params.length; i++) m.params[i] = (rng.uniform() - 0.5) * 0.8
  const lengths = Int32Array.from([13, 9, 4])
  const [T, B] = [13, lengths.length]
  const raw = new Float32Array(T * B * F) // (T, B, F), zero beyond each length
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++)
        if (t < lengths[b]) raw[(t * B + b) * F + f] = 3 * rng.normal() + 2
  const mean = Float32Array.from({ length: F }, (_, f) => 2 + 0.1 * f)
  const std = Float32Array.from({ length: F }, (_, f) => 3 - 0.2 * f)
  const x = raw.map((v, q) => (withNorm && v !== 0 ? (v - mean[q % F]) / std[q % F] : v))

  const ws = allocWorkspace(config, tsKernels, T, B)
  taggerForward(ws, x, lengths, T, m, tsKernels)
  const ours = Float32Array.from(ws.logits.subarray(0, T * B * C))
  softmaxRows(ours, C) // the engine's own softmax, as predict applies it to logits

  const bytes = encodeModel(
    taggerGraph(config, m.params, withNorm ? { mean, std } : undefined),
    {},
    'test',
  )
  const session = await ort.InferenceSession.create(bytes)
  let worst = 0
  for (let b = 0; b < B; b++) {
    const n = lengths[b]
    const input = new Float32Array(n * F) // (1, n, F) batch-major, raw features
    for (let t = 0; t < n; t++) input.set(raw.subarray((t * B + b) * F, (t * B + b + 1) * F), t * F)
    const out = await session.run({ features: new ort.Tensor('float32', input, [1, n, F]) })
    const probs = out.probabilities
    expect(probs.dims).toEqual([1, n, C])
    const data = probs.data as Float32Array
    for (let t = 0; t < n; t++)
      for (let j = 0; j < C; j++)
        worst = Math.max(worst, Math.abs(data[t * C + j] - ours[(t * B + b) * C + j]))
  }
  await session.release()
  return worst
}

const cells: CellType[] = ['lstm', 'gru', 'rnn-tanh', 'rnn-relu']
const diffs: string[] = []

describe('ONNX export runs in onnxruntime with the engine’s results', () => {
  for (const cell of cells)
    for (const bidirectional of [true, false])
      for (const numLayers of [1, 2, 3])
        it(`${cell} ${bidirectional ? 'bi' : 'uni'} ${numLayers} layer(s)`, async () => {
          const config: TaggerConfig = {
            cell,
            inputSize: 5,
            hiddenSize: 6,
            numLayers,
            numClasses: 4,
            bidirectional,
            dropout: 0.2,
          }
          const diff = await parity(config, numLayers === 2)
          expect(diff).toBeLessThan(1e-5)
        })

  for (const cell of cells)
    for (const bidirectional of [true, false])
      for (const numLayers of [2, 3])
        it(`${cell} ${bidirectional ? 'bi' : 'uni'} ${numLayers} layers, residual (one Add per layer ≥ 1)`, async () => {
          const config: TaggerConfig = {
            cell,
            inputSize: 5,
            hiddenSize: 6,
            numLayers,
            numClasses: 4,
            bidirectional,
            dropout: 0.2,
            residual: true,
          }
          const adds = taggerGraph(
            config,
            new Float32Array(createTagger(config, tsKernels).params),
          ).nodes.filter((n) => n.name.startsWith('residual_'))
          expect(adds.map((n) => n.op)).toEqual(Array(numLayers - 1).fill('Add'))
          const diff = await parity(config, numLayers === 3)
          diffs.push(
            `${cell} ${bidirectional ? 'bi' : 'uni'} L${numLayers} residual: ${diff.toExponential(2)}`,
          )
          expect(diff).toBeLessThan(1e-5)
        })
  it('prints the residual parity diffs', () => console.log(diffs.join('\n')))

  it('declares dynamic batch and time, opset 17 and the metadata', async () => {
    const config: TaggerConfig = {
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 1,
      numClasses: 2,
      bidirectional: true,
      dropout: 0,
    }
    const m = createTagger(config, tsKernels)
    const bytes = encodeModel(
      taggerGraph(config, m.params),
      { 'framewise.classes': '["a","b"]' },
      '0.1.0',
    )
    const session = await ort.InferenceSession.create(bytes)
    expect(session.inputNames).toEqual(['features'])
    expect(session.outputNames).toEqual(['probabilities'])
    const out = await session.run({
      features: new ort.Tensor('float32', new Float32Array(2 * 7 * 3), [2, 7, 3]),
    })
    expect(out.probabilities.dims).toEqual([2, 7, 2])
    await session.release()
  })
})
