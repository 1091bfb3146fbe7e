/**
 * ONNX export of the tagger with self-attention (models/onnx-graph.ts inserting
 * onnx-attention.ts's fragment before the output layer): onnxruntime gives the engine's own
 * forward (probabilities) within 1e-5 for LSTM/GRU × uni/bi, global and windowed attention,
 * 1–4 heads, a residual 2-layer stack, one session run at several file lengths (T shorter and
 * longer than the window); and the graph holds the attention as MatMul/Softmax ops.
 */
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { taggerGraph } from '../../models/onnx-graph'
import { tsKernels } from '../../models/kernels-ts'
import { initTagger } from '../../models/init'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { softmaxRows } from '../infer/predict'
import { encodeModel } from './write'

/** Worst |ORT − ours| over files of the given lengths, each run alone (batch 1) in one session. */
async function parity(config: TaggerConfig, lengths: number[], withNorm: boolean): Promise<number> {
  const rng = new Rng(11)
  const { inputSize: F, numClasses: C } = config
  const k = tsKernels
  const m = createTagger(config, k)
  initTagger(m.params, config, rng)
  for (let i = 0; i < m.params.length; i++) m.params[i] += 0.3 * rng.normal() // sharper softmax
  const mean = Float32Array.from({ length: F }, (_, f) => 1 + 0.1 * f)
  const std = Float32Array.from({ length: F }, (_, f) => 2 - 0.1 * f)
  const graph = taggerGraph(config, m.params, withNorm ? { mean, std } : undefined)
  const session = await ort.InferenceSession.create(encodeModel(graph, {}, 'test'))
  let worst = 0
  for (const n of lengths) {
    const raw = Float32Array.from({ length: n * F }, () => 2 * rng.normal() + 1) // (1, n, F)
    const x = raw.map((v, q) => (withNorm ? (v - mean[q % F]) / std[q % F] : v)) // (n, 1, F)
    const ws = allocWorkspace(config, k, n, 1)
    taggerForward(ws, x, Int32Array.of(n), n, m, k)
    const ours = Float32Array.from(ws.logits.subarray(0, n * C))
    softmaxRows(ours, C) // the engine's own softmax, as predict applies it to logits
    const out = await session.run({ features: new ort.Tensor('float32', raw, [1, n, F]) })
    expect(out.probabilities.dims).toEqual([1, n, C])
    const data = out.probabilities.data as Float32Array
    for (let q = 0; q < n * C; q++) worst = Math.max(worst, Math.abs(data[q] - ours[q]))
  }
  await session.release()
  return worst
}

const diffs: string[] = []

describe('ONNX export of the tagger with self-attention runs in onnxruntime with our results', () => {
  const cases: {
    cell: 'lstm' | 'gru'
    bi: boolean
    heads: number
    window: number
    layers?: number
    residual?: boolean
  }[] = []
  for (const cell of ['lstm', 'gru'] as const)
    for (const bi of [false, true])
      for (const window of [0, 3]) cases.push({ cell, bi, heads: bi ? 2 : 1, window })
  cases.push({ cell: 'gru', bi: true, heads: 4, window: 1, layers: 2, residual: true })
  cases.push({ cell: 'lstm', bi: false, heads: 2, window: 0, layers: 2 })
  for (const c of cases) {
    const name = `${c.cell} ${c.bi ? 'bi' : 'uni'} L${c.layers ?? 1}${c.residual ? ' residual' : ''} heads ${c.heads} window ${c.window}`
    it(`${name}: ≤ 1e-5 at T = 1, 5, 13, 40`, async () => {
      const config: TaggerConfig = {
        cell: c.cell,
        inputSize: 5,
        hiddenSize: 4,
        numLayers: c.layers ?? 1,
        numClasses: 3,
        bidirectional: c.bi,
        dropout: 0.2,
        residual: c.residual,
        attention: { heads: c.heads, window: c.window },
      }
      const diff = await parity(config, [13, 5, 1, 40], c.window === 0)
      diffs.push(`${name.padEnd(40)} max |Δp| = ${diff.toExponential(2)}`)
      expect(diff).toBeLessThan(1e-5)
    })
  }
  it('prints the diffs', () => console.log(diffs.join('\n')))

  it('holds the attention as MatMul/Softmax between the batch-major transpose and Wout', () => {
    const config: TaggerConfig = {
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 1,
      numClasses: 2,
      bidirectional: true,
      dropout: 0,
      attention: { heads: 2, window: 5 },
    }
    const g = taggerGraph(config, createTagger(config, tsKernels).params)
    const ops = g.nodes.map((n) => n.op)
    expect(ops.filter((o) => o === 'Softmax')).toHaveLength(2) // attention + probabilities
    const att = g.nodes.filter((n) => n.name.startsWith('self_attn_'))
    expect(att.map((n) => n.op)).toEqual(
      expect.arrayContaining(['MatMul', 'Softmax', 'Where', 'LessOrEqual']),
    )
    const out = g.nodes.find((n) => n.name === 'out_matmul')!
    expect(out.inputs[0]).toBe('self_attn_y') // the residual sum y + Attn(y)
    const plain = taggerGraph(
      { ...config, attention: undefined },
      createTagger({ ...config, attention: undefined }, tsKernels).params,
    )
    expect(plain.nodes.some((n) => n.name.startsWith('self_attn_'))).toBe(false)
  })
})
