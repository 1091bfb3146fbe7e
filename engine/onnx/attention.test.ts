/**
 * ONNX parity of the attention fragments (models/onnx-attention.ts): a graph x (B, T, E) →
 * self-attention → pooling → logits, encoded with encodeModel and run by onnxruntime-node,
 * gives models/attention.ts + models/pooling.ts's float32 forward within 1e-5 — padded batches
 * with a mask input, 1–4 heads, windows, residual, every pooling kind, and the maskless
 * single-file form at two different lengths through one session; and the whole clip classifier
 * (tagger graph → pooling) against taggerForward + poolingForward.
 */
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import {
  allocAttention,
  attentionForward,
  createAttention,
  type AttentionConfig,
} from '../../models/attention'
import { tsKernels } from '../../models/kernels-ts'
import { poolingFragment, selfAttentionFragment } from '../../models/onnx-attention'
import { clipClassifierGraph } from '../../models/onnx-graph'
import type { OnnxGraph } from '../../models/onnx-types'
import {
  allocPooling,
  createPoolingHead,
  poolingForward,
  type PoolingConfig,
} from '../../models/pooling'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { encodeModel } from './write'

function graphOf(
  att: AttentionConfig,
  attParams: Float32Array,
  pool: PoolingConfig,
  poolParams: Float32Array,
  withMask: boolean,
): { graph: OnnxGraph; y: string; logits: string; weights: string | null } {
  const mask = withMask ? 'mask' : undefined
  const a = selfAttentionFragment(att, attParams, 'x', { prefix: 'attn', mask })
  const p = poolingFragment(pool, poolParams, a.output, { prefix: 'pool', mask })
  const E = att.modelSize
  const outputs = [
    { name: a.output, dims: ['batch', 'time', E] },
    { name: p.logits, dims: ['batch', pool.numClasses] },
  ]
  if (p.weights) outputs.push({ name: p.weights, dims: ['batch', 'time'] })
  const graph: OnnxGraph = {
    name: 'attention_parity',
    inputs: [
      { name: 'x', dims: ['batch', 'time', E] },
      ...(withMask ? [{ name: 'mask', dims: ['batch', 'time'] }] : []),
    ],
    outputs,
    nodes: [...a.nodes, ...p.nodes],
    initializers: [...a.initializers, ...p.initializers],
  }
  return { graph, y: a.output, logits: p.logits, weights: p.weights }
}

interface Case {
  att: AttentionConfig
  pool: PoolingConfig['kind']
}

/** Our forward on a time-major batch, and onnxruntime's on the same batch, batch-major. */
async function parity({ att, pool: kind }: Case, lengthSets: number[][], withMask: boolean) {
  const k = tsKernels
  const rng = new Rng(att.numHeads * 10 + (att.window ?? 7))
  const E = att.modelSize
  const C = 3
  const pool: PoolingConfig = { kind, inputSize: E, attentionSize: 5, numClasses: C }
  const a = createAttention(att, k)
  const h = createPoolingHead(pool, k)
  for (let i = 0; i < a.params.length; i++) a.params[i] = rng.normal(0, 0.4)
  for (let i = 0; i < h.params.length; i++) h.params[i] = rng.normal(0, 0.4)
  const g = graphOf(att, a.params, pool, h.params, withMask)
  const session = await ort.InferenceSession.create(encodeModel(g.graph, {}, 'test'))
  const diffs = { y: 0, logits: 0, weights: 0 }
  for (const lens of lengthSets) {
    const lengths = Int32Array.from(lens)
    const [T, B] = [lengths[0], lengths.length]
    const x = k.alloc(T * B * E) // (T, B, E), zero on padding
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        for (let j = 0; j < E; j++) if (t < lengths[b]) x[(t * B + b) * E + j] = rng.normal()
    const aws = allocAttention(att, k, T, B)
    attentionForward(aws, x, lengths, T, a, k)
    const pws = allocPooling(pool, k, T, B)
    poolingForward(pws, aws.y, lengths, T, h, k)

    const xb = new Float32Array(B * T * E) // (B, T, E)
    const mask = new Float32Array(B * T) // (B, T)
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        mask[b * T + t] = t < lengths[b] ? 1 : 0
        xb.set(x.subarray((t * B + b) * E, (t * B + b + 1) * E), (b * T + t) * E)
      }
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', xb, [B, T, E]) }
    if (withMask) feeds.mask = new ort.Tensor('float32', mask, [B, T])
    const out = await session.run(feeds)
    const yd = out[g.y].data as Float32Array
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let j = 0; j < E; j++) {
          const d = Math.abs(yd[(b * T + t) * E + j] - aws.y[(t * B + b) * E + j])
          diffs.y = Math.max(diffs.y, d)
        }
    const ld = out[g.logits].data as Float32Array
    for (let q = 0; q < B * C; q++) {
      diffs.logits = Math.max(diffs.logits, Math.abs(ld[q] - pws.logits[q]))
    }
    if (g.weights) {
      const wd = out[g.weights].data as Float32Array
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          diffs.weights = Math.max(diffs.weights, Math.abs(wd[b * T + t] - pws.w[t * B + b]))
        }
    }
  }
  await session.release()
  return diffs
}

const cases: Case[] = [
  { att: { modelSize: 8, numHeads: 2, window: null, residual: true }, pool: 'attention' },
  { att: { modelSize: 8, numHeads: 4, window: 2, residual: false }, pool: 'mean' },
  { att: { modelSize: 8, numHeads: 1, window: 1, residual: true }, pool: 'max' },
  { att: { modelSize: 12, numHeads: 3, window: 3, residual: true }, pool: 'attention' },
]

describe('attention fragments in onnxruntime match models/ within 1e-5', () => {
  for (const c of cases) {
    const { numHeads, window, residual } = c.att
    const name = `heads ${numHeads}, window ${window ?? 'none'}, ${residual ? 'residual' : 'plain'}, ${c.pool} pooling`
    it(`${name}: padded batch with mask input`, async () => {
      const d = await parity(c, [[11, 7, 2, 1]], true)
      console.log(`onnx ${name} masked: ${JSON.stringify(d)}`)
      expect(Math.max(d.y, d.logits, d.weights)).toBeLessThan(1e-5)
    })
    it(`${name}: one file, no mask, T = 13 then 5 through one session`, async () => {
      const d = await parity(c, [[13], [5]], false)
      console.log(`onnx ${name} single: ${JSON.stringify(d)}`)
      expect(Math.max(d.y, d.logits, d.weights)).toBeLessThan(1e-5)
    })
  }
})

describe('clip classifier graph (tagger graph → pooling) in onnxruntime', () => {
  for (const kind of ['attention', 'mean', 'max'] as const) {
    it(`BiLSTM → ${kind} pooling: probabilities (and weights) within 1e-5, T = 17 then 6`, async () => {
      const k = tsKernels
      const rng = new Rng(3)
      const [F, K, C] = [5, 6, 4]
      const cfg: TaggerConfig = {
        cell: 'lstm',
        inputSize: F,
        hiddenSize: 4,
        numLayers: 2,
        numClasses: K,
        bidirectional: true,
        dropout: 0,
      }
      const pc: PoolingConfig = { kind, inputSize: K, attentionSize: 5, numClasses: C }
      const m = createTagger(cfg, k)
      const h = createPoolingHead(pc, k)
      for (let i = 0; i < m.params.length; i++) m.params[i] = rng.normal(0, 0.4)
      for (let i = 0; i < h.params.length; i++) h.params[i] = rng.normal(0, 0.4)
      const graph = clipClassifierGraph(cfg, m.params, pc, h.params)
      const session = await ort.InferenceSession.create(encodeModel(graph, {}, 'test'))
      expect(session.outputNames).toEqual(
        kind === 'attention' ? ['probabilities', 'weights'] : ['probabilities'],
      )
      let worst = 0
      for (const T of [17, 6]) {
        const x = k.alloc(T * F) // B = 1: (T, 1, F) time-major is (1, T, F) batch-major
        for (let i = 0; i < x.length; i++) x[i] = rng.normal()
        const lengths = Int32Array.of(T)
        const tws = allocWorkspace(cfg, k, T, 1)
        taggerForward(tws, x, lengths, T, m, k)
        const pws = allocPooling(pc, k, T, 1)
        poolingForward(pws, tws.logits, lengths, T, h, k)
        const z = Array.from(pws.logits.subarray(0, C))
        const mx = Math.max(...z)
        const sum = z.reduce((s, v) => s + Math.exp(v - mx), 0)
        const out = await session.run({ features: new ort.Tensor('float32', x, [1, T, F]) })
        const probs = out.probabilities.data as Float32Array
        for (let c = 0; c < C; c++)
          worst = Math.max(worst, Math.abs(probs[c] - Math.exp(z[c] - mx) / sum))
        if (kind === 'attention') {
          const w = out.weights.data as Float32Array
          for (let t = 0; t < T; t++) worst = Math.max(worst, Math.abs(w[t] - pws.w[t]))
        }
      }
      await session.release()
      console.log(`onnx clip classifier ${kind}: max diff ${worst.toExponential(2)}`)
      expect(worst).toBeLessThan(1e-5)
    })
  }
})
