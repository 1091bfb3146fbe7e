/**
 * Pooling heads: float64 gradient checks (params and the pooled states, variable lengths, an
 * empty sequence, class weights, an ignored clip), PyTorch parity (fixture_pooling.json), and
 * the clip classifier glued from the tagger's public API (states → pooling → clip loss).
 */
import { describe, expect, it } from 'vitest'
import type { FloatArray, Kernels } from './kernels'
import { tsKernels, tsKernels64 } from './kernels-ts'
import type { ParamEntry, ParamLayout } from './layout'
import { taggerViews, type TaggerConfig } from './params'
import {
  allocPooling,
  clipCrossEntropy,
  poolingBackward,
  poolingForward,
  poolingLayout,
  poolingViews,
  type PoolingConfig,
  type PoolingHead,
  type PoolingKind,
} from './pooling'
import { Rng } from './rng'
import { allocWorkspace, createTagger, taggerBackward, taggerForward, type Tagger } from './tagger'
import { checkTensor, formatCheck, gradcheck } from './testing'
import poolingFixture from './fixtures/fixture_pooling.json'

/** A head whose params sit in front of an input tensor `s` in one flat array (for gradcheck). */
function headWithInput<A extends FloatArray>(
  config: PoolingConfig,
  k: Kernels<A>,
  inputLength: number,
): { m: PoolingHead<A>; s: A; ds: A; all: A; allGrads: A; layout: ParamLayout } {
  const layout = poolingLayout(config)
  const P = layout.size
  const all = k.alloc(P + inputLength)
  const allGrads = k.alloc(P + inputLength)
  const params = all.subarray(0, P) as A
  const grads = allGrads.subarray(0, P) as A
  const m: PoolingHead<A> = {
    config,
    layout,
    params,
    grads,
    p: poolingViews(params, config),
    g: poolingViews(grads, config),
  }
  const withInput: ParamLayout = {
    entries: [
      ...layout.entries,
      { name: 's', shape: [inputLength], offset: P, length: inputLength },
    ],
    size: P + inputLength,
  }
  return {
    m,
    s: all.subarray(P) as A,
    ds: allGrads.subarray(P) as A,
    all,
    allGrads,
    layout: withInput,
  }
}

describe('pooling gradient check (float64, params and states)', () => {
  const kinds: PoolingKind[] = ['mean', 'max', 'attention']
  for (const kind of kinds) {
    it(`${kind}: variable lengths, an empty sequence, class weights, ignored clip — rel < 1e-4`, () => {
      const k = tsKernels64
      const rng = new Rng(31)
      const [T, D, C] = [8, 5, 4]
      const lengths = Int32Array.from([8, 5, 0, 2, 1])
      const B = lengths.length
      const cfg: PoolingConfig = { kind, inputSize: D, attentionSize: 3, numClasses: C }
      const { m, s, ds, all, allGrads, layout } = headWithInput(cfg, k, T * B * D)
      for (let i = 0; i < m.params.length; i++) m.params[i] = rng.normal(0, 0.7)
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++)
          for (let j = 0; j < D; j++) if (t < lengths[b]) s[(t * B + b) * D + j] = rng.normal()
      const labels = Int32Array.from([1, 3, -1, 0, 2])
      const classWeights = [0.5, 1.5, 1, 2]
      const ws = allocPooling(cfg, k, T, B)
      const run = (withGrad: boolean): number => {
        poolingForward(ws, s, lengths, T, m, k)
        const r = clipCrossEntropy(ws, labels, C, { classWeights })
        if (withGrad) {
          allGrads.fill(0)
          poolingBackward(ds, ws, s, lengths, T, m, k)
        }
        return r.loss
      }
      run(true)
      const r = gradcheck(() => run(false), all, allGrads, layout, { perTensor: 12 })
      console.log(`pooling ${kind.padEnd(9)} maxRel=${r.maxRel.toExponential(2)} (${r.checked})`)
      expect(r.maxRel).toBeLessThan(1e-4)
      // attention weights: a distribution over each non-empty sequence, 0 on padding
      if (kind === 'attention') {
        for (let b = 0; b < B; b++) {
          let sum = 0
          for (let t = 0; t < T; t++) {
            if (t >= lengths[b]) expect(ws.w[t * B + b]).toBe(0)
            sum += ws.w[t * B + b]
          }
          expect(sum).toBeCloseTo(lengths[b] > 0 ? 1 : 0, 12)
        }
      }
    })
  }
})

interface PoolingCase {
  s: number[][][]
  labels: number[]
  class_weights: number[]
  params: Record<string, number[]>
  logits: number[][]
  w: number[][]
  loss: number
  grads: Record<string, number[]>
  ds: number[][][]
}
interface PoolingFixture {
  T: number
  D: number
  A: number
  C: number
  lengths: number[]
  cases: Record<PoolingKind, PoolingCase>
}

const fixture = poolingFixture as unknown as PoolingFixture

function parity<A extends FloatArray>(k: Kernels<A>, kind: PoolingKind): number {
  const { T, D, A: Aw, C } = fixture
  const fx = fixture.cases[kind]
  const lengths = Int32Array.from(fixture.lengths)
  const B = lengths.length
  const cfg: PoolingConfig = { kind, inputSize: D, attentionSize: Aw, numClasses: C }
  const { m, s, ds } = headWithInput(cfg, k, T * B * D)
  // 9-digit decimals name float32 values: Math.fround recovers the exact values PyTorch used
  for (const e of m.layout.entries) m.params.set(fx.params[e.name].map(Math.fround), e.offset)
  s.set(fx.s.flat(2).map(Math.fround))
  const ws = allocPooling(cfg, k, T, B)
  poolingForward(ws, s, lengths, T, m, k)
  const r = clipCrossEntropy(ws, Int32Array.from(fx.labels), C, {
    classWeights: fx.class_weights.map(Math.fround),
  })
  poolingBackward(ds, ws, s, lengths, T, m, k)
  const checks = [
    checkTensor('logits', ws.logits.subarray(0, B * C), fx.logits.flat()),
    checkTensor('loss', [r.loss], [fx.loss]),
    checkTensor('ds', ds, fx.ds.flat(2)),
    ...m.layout.entries.map((e) =>
      checkTensor(`d ${e.name}`, m.grads.subarray(e.offset, e.offset + e.length), fx.grads[e.name]),
    ),
  ]
  if (kind === 'attention') checks.push(checkTensor('w', ws.w.subarray(0, T * B), fx.w.flat()))
  for (const c of checks) console.log(`${kind} ${k.name} ${formatCheck(c)}`)
  return Math.max(...checks.map((c) => c.maxDiff))
}

describe('pooling PyTorch parity (fixture_pooling.json)', () => {
  for (const kind of ['mean', 'max', 'attention'] as const) {
    it(`${kind}: logits, weights, loss and every gradient — float64 < 1e-12, float32 < 1e-5`, () => {
      expect(parity(tsKernels64, kind)).toBeLessThan(1e-12)
      expect(parity(tsKernels, kind)).toBeLessThan(1e-5)
    })
  }
})

describe('clip classifier composition: tagger states → pooling (public APIs only)', () => {
  it('BiGRU (output layer as a K-wide projection) → attention pooling: gradient rel < 1e-4', () => {
    const k = tsKernels64
    const rng = new Rng(12)
    const [T, F, K, C] = [6, 3, 4, 3]
    const lengths = Int32Array.from([6, 4, 1])
    const B = lengths.length
    const cfg: TaggerConfig = {
      cell: 'gru',
      inputSize: F,
      hiddenSize: 3,
      numLayers: 1,
      numClasses: K,
      bidirectional: true,
      dropout: 0,
    }
    const pc: PoolingConfig = { kind: 'attention', inputSize: K, attentionSize: 3, numClasses: C }
    // one flat array: tagger params | pooling params, one layout, so one gradcheck covers both
    const tl = createTagger(cfg, k).layout
    const pl = poolingLayout(pc)
    const shift = (e: ParamEntry): ParamEntry => ({ ...e, offset: e.offset + tl.size })
    const layout: ParamLayout = {
      entries: [...tl.entries, ...pl.entries.map(shift)],
      size: tl.size + pl.size,
    }
    const params = new Float64Array(layout.size)
    const grads = new Float64Array(layout.size)
    const tagger: Tagger<Float64Array> = {
      config: cfg,
      layout: tl,
      params: params.subarray(0, tl.size),
      grads: grads.subarray(0, tl.size),
      p: taggerViews(params.subarray(0, tl.size), cfg),
      g: taggerViews(grads.subarray(0, tl.size), cfg),
    }
    const head: PoolingHead<Float64Array> = {
      config: pc,
      layout: pl,
      params: params.subarray(tl.size),
      grads: grads.subarray(tl.size),
      p: poolingViews(params.subarray(tl.size), pc),
      g: poolingViews(grads.subarray(tl.size), pc),
    }
    for (let i = 0; i < params.length; i++) params[i] = rng.normal(0, 0.6)
    const x = k.alloc(T * B * F)
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        for (let f = 0; f < F; f++) if (t < lengths[b]) x[(t * B + b) * F + f] = rng.normal()
    const labels = Int32Array.from([2, 0, 1])
    const tws = allocWorkspace(cfg, k, T, B)
    const pws = allocPooling(pc, k, T, B)
    const run = (withGrad: boolean): number => {
      taggerForward(tws, x, lengths, T, tagger, k)
      poolingForward(pws, tws.logits, lengths, T, head, k) // s = the tagger's (T, B, K) output
      const r = clipCrossEntropy(pws, labels, C)
      if (withGrad) {
        grads.fill(0)
        tws.dlogits.fill(0, 0, T * B * K) // ds accumulates into the tagger's dlogits
        poolingBackward(tws.dlogits, pws, tws.logits, lengths, T, head, k)
        taggerBackward(tws, x, lengths, T, tagger, k)
      }
      return r.loss
    }
    run(true)
    const r = gradcheck(() => run(false), params, grads, layout, { perTensor: 6 })
    console.log(`tagger → attention pooling maxRel=${r.maxRel.toExponential(2)} (${r.checked})`)
    expect(r.maxRel).toBeLessThan(1e-4)
  })
})
