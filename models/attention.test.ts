/**
 * Self-attention: float64 gradient checks (params and input; padding masks, variable lengths,
 * 1–4 heads, relative windows, residual) and PyTorch parity against nn.MultiheadAttention
 * (fixture_self_attention.json). Also the test-only composition of residual stacked recurrent
 * layers, h⁽ˡ⁾ = RNN(h⁽ˡ⁻¹⁾) + h⁽ˡ⁻¹⁾, with its gradient checked (see the note there).
 */
import { describe, expect, it } from 'vitest'
import {
  allocAttention,
  attentionBackward,
  attentionForward,
  attentionLayout,
  attentionMap,
  attentionViews,
  type AttentionConfig,
  type AttentionLayer,
} from './attention'
import type { FloatArray, Kernels } from './kernels'
import { tsKernels, tsKernels64 } from './kernels-ts'
import type { ParamEntry, ParamLayout } from './layout'
import { crossEntropy } from './loss'
import type { CellParams } from './params'
import { Rng } from './rng'
import { allocRnn, rnnBackward, rnnForward, type RnnWorkspace } from './rnn'
import { batchSizesOf, type SeqDims } from './tensor'
import { checkTensor, formatCheck, gradcheck } from './testing'
import selfAttentionFixture from './fixtures/fixture_self_attention.json'

/** A layer whose params sit in front of its input x in one flat array (for gradcheck). */
function layerWithInput<A extends FloatArray>(config: AttentionConfig, k: Kernels<A>, n: number) {
  const layout = attentionLayout(config)
  const P = layout.size
  const all = k.alloc(P + n)
  const allGrads = k.alloc(P + n)
  const params = all.subarray(0, P) as A
  const grads = allGrads.subarray(0, P) as A
  const m: AttentionLayer<A> = {
    config,
    layout,
    params,
    grads,
    p: attentionViews(params, config),
    g: attentionViews(grads, config),
  }
  const withInput: ParamLayout = {
    entries: [...layout.entries, { name: 'x', shape: [n], offset: P, length: n }],
    size: P + n,
  }
  const x = all.subarray(P) as A
  const dx = allGrads.subarray(P) as A
  return { m, x, dx, all, allGrads, layout: withInput }
}

describe('self-attention gradient check (float64, params and input)', () => {
  const cases: [nh: number, window: number | null, residual: boolean][] = [
    [1, null, false],
    [2, null, true],
    [4, null, false],
    [2, 1, false],
    [4, 2, true],
    [1, 0, true],
    [2, 3, false], // 2r + 1 = T: stored dense (gemm path), the window still masks |i − j| > 3
    [2, 20, false], // window wider than the batch: stored dense, same as no window
  ]
  for (const [nh, window, residual] of cases) {
    const name = `heads ${nh}, window ${window ?? 'none'}, ${residual ? 'residual' : 'plain'}`
    it(`${name}: lengths 7, 5, 2, 0 — rel < 1e-4`, () => {
      const k = tsKernels64
      const rng = new Rng(50 + nh + (window ?? 9))
      const [T, E, C] = [7, 8, 3]
      const lengths = Int32Array.from([7, 5, 2, 0])
      const B = lengths.length
      const cfg: AttentionConfig = { modelSize: E, numHeads: nh, window, residual }
      const { m, x, all, allGrads, dx, layout } = layerWithInput(cfg, k, T * B * E)
      for (let i = 0; i < m.params.length; i++) m.params[i] = rng.normal(0, 0.5)
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++)
          for (let j = 0; j < E; j++) if (t < lengths[b]) x[(t * B + b) * E + j] = rng.normal()
      // a per-frame classifier on top, so the loss sees only valid frames (as in the tagger)
      const Wc = Float64Array.from({ length: C * E }, () => rng.normal(0, 0.5))
      const labels = Int32Array.from({ length: T * B }, () => rng.int(C))
      const logits = new Float64Array(T * B * C)
      const dlogits = new Float64Array(T * B * C)
      const ws = allocAttention(cfg, k, T, B)
      const run = (withGrad: boolean): number => {
        attentionForward(ws, x, lengths, T, m, k)
        k.gemm(false, true, T * B, C, E, ws.y, 0, E, Wc, 0, E, 0, logits, 0, C)
        const r = crossEntropy(withGrad ? dlogits : null, logits, labels, lengths, T, B, C)
        if (withGrad) {
          allGrads.fill(0)
          k.gemm(false, false, T * B, E, C, dlogits, 0, C, Wc, 0, E, 0, ws.dy, 0, E)
          attentionBackward(dx, ws, x, lengths, T, m, k)
        }
        return r.loss
      }
      run(true)
      const r = gradcheck(() => run(false), all, allGrads, layout, { perTensor: 16 })
      console.log(
        `attention ${name.padEnd(34)} maxRel=${r.maxRel.toExponential(2)} (${r.checked})`,
        JSON.stringify(r.worst),
      )
      expect(r.maxRel).toBeLessThan(1e-4)
      // every valid query row is a distribution over its window's valid keys
      for (let b = 0; b < B; b++) {
        const n = lengths[b]
        const map = attentionMap(ws, m, b, nh - 1, n)
        for (let i = 0; i < n; i++) {
          let sum = 0
          for (let j = 0; j < n; j++) {
            if (window !== null && Math.abs(i - j) > window) expect(map[i * n + j]).toBe(0)
            sum += map[i * n + j]
          }
          expect(sum).toBeCloseTo(1, 6) // the map is float32
        }
      }
    })
  }
})

interface AttentionCase {
  numHeads: number
  window: number | null
  residual: boolean
  x: number[][][]
  G: number[][][]
  params: Record<string, number[]>
  y: number[][][]
  loss: number
  grads: Record<string, number[]>
  dx: number[][][]
}

const fixture = selfAttentionFixture as unknown as {
  T: number
  E: number
  lengths: number[]
  cases: Record<string, AttentionCase>
}

function parity<A extends FloatArray>(k: Kernels<A>, name: string): number {
  const { T, E } = fixture
  const fx = fixture.cases[name]
  const lengths = Int32Array.from(fixture.lengths)
  const B = lengths.length
  const cfg: AttentionConfig = {
    modelSize: E,
    numHeads: fx.numHeads,
    window: fx.window,
    residual: fx.residual,
  }
  const { m, x, dx } = layerWithInput(cfg, k, T * B * E)
  // 9-digit decimals name float32 values: Math.fround recovers the exact values PyTorch used
  for (const e of m.layout.entries) m.params.set(fx.params[e.name].map(Math.fround), e.offset)
  x.set(fx.x.flat(2).map(Math.fround))
  const G = fx.G.flat(2).map(Math.fround)
  const ws = allocAttention(cfg, k, T, B)
  attentionForward(ws, x, lengths, T, m, k)
  // loss = Σ_valid y ⊙ G, so dy = G on valid frames (and 0 on padding)
  let loss = 0
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < E; j++) {
        const q = (t * B + b) * E + j
        const valid = t < lengths[b]
        ws.dy[q] = valid ? G[q] : 0
        if (valid) loss += ws.y[q] * G[q]
        else ws.y[q] = 0 // the fixture zeroes padding frames of y (torch fills them anyway)
      }
    }
  }
  attentionBackward(dx, ws, x, lengths, T, m, k)
  const checks = [
    checkTensor('y', ws.y.subarray(0, T * B * E), fx.y.flat(2)),
    checkTensor('loss', [loss], [fx.loss]),
    checkTensor('dx', dx, fx.dx.flat(2)),
    ...m.layout.entries.map((e) =>
      checkTensor(`d ${e.name}`, m.grads.subarray(e.offset, e.offset + e.length), fx.grads[e.name]),
    ),
  ]
  for (const c of checks) console.log(`${name} ${k.name} ${formatCheck(c)}`)
  return Math.max(...checks.filter((c) => c.name !== 'loss').map((c) => c.maxDiff))
}

describe('self-attention PyTorch parity (nn.MultiheadAttention, key_padding_mask, attn_mask)', () => {
  for (const name of Object.keys(fixture.cases)) {
    it(`${name}: y, dx and every gradient — float64 < 1e-12, float32 < 1e-5`, () => {
      expect(parity(tsKernels64, name)).toBeLessThan(1e-12)
      expect(parity(tsKernels, name)).toBeLessThan(1e-5)
    })
  }
})

/**
 * Residual (skip) connections between stacked recurrent layers — the math the tagger needs:
 *   y⁰ = RNN₀(x)                              (T, B, H)   layer 0 has no skip (F ≠ H in general)
 *   yˡ = RNNₗ(yˡ⁻¹) + yˡ⁻¹      l ≥ 1          (T, B, H)   a separate buffer: the cell's own h
 *                                                         is still needed by its backward
 *   logits = y^{L−1} Woutᵀ
 * Backward, top down: dyˡ⁻¹ = dyˡ (the identity path, copied before the cell consumes dyˡ)
 *                             + RNNₗ's input gradient (rnnBackward accumulates it as dx).
 * Padding frames stay 0: the cell outputs 0 there and so does yˡ⁻¹.
 */
describe('residual stacked RNN layers (test-only composition)', () => {
  it('3 layers, rnn-tanh, variable lengths: gradient rel < 1e-4, and the skip path is live', () => {
    const k = tsKernels64
    const rng = new Rng(77)
    const [T, F, H, C, L] = [6, 3, 4, 3, 3]
    const lengths = Int32Array.from([6, 4, 1])
    const B = lengths.length
    const entries: ParamEntry[] = []
    let size = 0
    const add = (name: string, shape: number[]): void => {
      const length = shape.reduce((p, q) => p * q, 1)
      entries.push({ name, shape, offset: size, length })
      size += length
    }
    for (let l = 0; l < L; l++) {
      add(`weight_ih_l${l}`, [H, l === 0 ? F : H])
      add(`weight_hh_l${l}`, [H, H])
      add(`bias_ih_l${l}`, [H])
      add(`bias_hh_l${l}`, [H])
    }
    add('out.weight', [C, H])
    add('x', [T * B * F])
    const layout: ParamLayout = { entries, size }
    const params = new Float64Array(size)
    const grads = new Float64Array(size)
    const view = (a: Float64Array, i: number): Float64Array =>
      a.subarray(entries[i].offset, entries[i].offset + entries[i].length)
    const cell = (a: Float64Array, l: number): CellParams<Float64Array> => ({
      Wih: view(a, 4 * l),
      Whh: view(a, 4 * l + 1),
      bih: view(a, 4 * l + 2),
      bhh: view(a, 4 * l + 3),
    })
    for (let i = 0; i < size; i++) params[i] = rng.normal(0, 0.6)
    const x = view(params, 4 * L + 1)
    const dx = view(grads, 4 * L + 1)
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        if (t >= lengths[b]) x.fill(0, (t * B + b) * F, (t * B + b + 1) * F)
    const Wout = view(params, 4 * L)
    const dWout = view(grads, 4 * L)
    const labels = Int32Array.from({ length: T * B }, () => rng.int(C))
    const batchSizes = batchSizesOf(lengths, T)
    const dims = (l: number): SeqDims => ({
      T,
      B,
      In: l === 0 ? F : H,
      H,
      batchSizes,
      reverse: null,
    })
    const cells: RnnWorkspace<Float64Array>[] = Array.from({ length: L }, () =>
      allocRnn(k, T, B, H),
    )
    const ys = Array.from({ length: L }, () => k.alloc(T * B * H)) // yˡ (T, B, H)
    const logits = k.alloc(T * B * C)
    const dlogits = k.alloc(T * B * C)
    const run = (withGrad: boolean, skip: boolean): number => {
      for (let l = 0; l < L; l++) {
        const input = l === 0 ? x : ys[l - 1]
        rnnForward(cells[l], input, cell(params, l), false, dims(l), k)
        ys[l].set(cells[l].h.subarray(0, T * B * H))
        if (l > 0 && skip) for (let q = 0; q < T * B * H; q++) ys[l][q] += ys[l - 1][q]
      }
      k.gemm(false, true, T * B, C, H, ys[L - 1], 0, H, Wout, 0, H, 0, logits, 0, C)
      const r = crossEntropy(withGrad ? dlogits : null, logits, labels, lengths, T, B, C)
      if (!withGrad) return r.loss
      grads.fill(0)
      k.gemm(true, false, C, H, T * B, dlogits, 0, C, ys[L - 1], 0, H, 1, dWout, 0, H)
      k.gemm(false, false, T * B, H, C, dlogits, 0, C, Wout, 0, H, 0, cells[L - 1].dh, 0, H)
      for (let l = L - 1; l >= 0; l--) {
        const below = l > 0 ? cells[l - 1].dh : null // dyˡ⁻¹, accumulated into
        if (below) {
          if (skip)
            below.set(cells[l].dh.subarray(0, T * B * H)) // identity path first
          else below.fill(0)
        }
        const input = l === 0 ? x : ys[l - 1]
        rnnBackward(
          below ?? dx,
          cell(grads, l),
          cells[l],
          input,
          cell(params, l),
          false,
          dims(l),
          k,
        )
      }
      return r.loss
    }
    run(true, true)
    const r = gradcheck(() => run(false, true), params, grads, layout, { perTensor: 10 })
    console.log(`residual RNN L${L} maxRel=${r.maxRel.toExponential(2)} (${r.checked})`)
    expect(r.maxRel).toBeLessThan(1e-4)
    // the skip really changes the function (so the check above is not of a plain stack)
    expect(Math.abs(run(false, true) - run(false, false))).toBeGreaterThan(1e-3)
  })
})
