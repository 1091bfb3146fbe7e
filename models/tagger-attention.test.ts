/**
 * The tagger with self-attention between its stack and output layer (params.ts `attention`):
 * whole-model gradient checks (float64, central differences) for every cell, uni/bi, global and
 * windowed (banded and dense) attention, 1–2 heads, ragged lengths, ignored frames, dropout,
 * residual stacks and a TBPTT carried state; PyTorch parity (nn.GRU/LSTM + nn.MultiheadAttention
 * + Linear, fixtures/make_fixtures_attention.py); and the layout/views contract.
 */
import { describe, expect, it } from 'vitest'
import { initTagger } from './init'
import type { FloatArray, Kernels } from './kernels'
import { tsKernels, tsKernels64 } from './kernels-ts'
import { crossEntropy } from './loss'
import { paramLayout, type CellType, type TaggerConfig } from './params'
import { Rng } from './rng'
import {
  allocState,
  allocWorkspace,
  ATTENTION_DENSE_LIMIT,
  attentionOf,
  createTagger,
  taggerBackward,
  taggerForward,
} from './tagger'
import { checkTensor, formatCheck, gradcheck, timeMajor } from './testing'
import taggerAttentionFixture from './fixtures/fixture_tagger_attention.json'

const k = tsKernels64

function problem(
  cfg: TaggerConfig,
  T: number,
  lengths: number[],
  seed: number,
  carried = false,
  denseLimit = 0, // banded attention wherever the window is narrower than T
) {
  const rng = new Rng(seed)
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, rng)
  // nonzero biases and larger attention weights so the softmax is far from uniform
  for (let i = 0; i < m.params.length; i++) m.params[i] += 0.3 * rng.normal()
  const B = lengths.length
  const len = Int32Array.from(lengths)
  const x = k.alloc(T * B * cfg.inputSize)
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let f = 0; f < cfg.inputSize; f++)
        if (t < len[b]) x[(t * B + b) * cfg.inputSize + f] = rng.normal()
  const labels = new Int32Array(T * B)
  for (let i = 0; i < labels.length; i++)
    labels[i] = rng.uniform() < 0.15 ? -1 : rng.int(cfg.numClasses)
  const classWeights = Array.from({ length: cfg.numClasses }, () => rng.uniform(0.5, 2))
  const state = carried ? allocState(cfg, k, B) : null
  if (state)
    for (const a of [...state.h, ...(state.c ?? [])])
      for (let i = 0; i < a.length; i++) a[i] = 0.5 * rng.normal()
  const ws = allocWorkspace(cfg, k, T, B, denseLimit)
  const C = cfg.numClasses
  const run = (withGrad: boolean): number => {
    taggerForward(ws, x, len, T, m, k, { training: true, rng: new Rng(seed + 1), state })
    const r = crossEntropy(withGrad ? ws.dlogits : null, ws.logits, labels, len, T, B, C, {
      classWeights,
    })
    if (withGrad) {
      m.grads.fill(0)
      taggerBackward(ws, x, len, T, m, k)
    }
    return r.loss
  }
  return { m, ws, run }
}

const cells: CellType[] = ['rnn-tanh', 'lstm', 'gru']

describe('tagger + self-attention: gradient check (float64, rel err < 1e-4)', () => {
  const results: string[] = []
  const cases: {
    cell: CellType
    bi: boolean
    heads: number
    window: number
    layers: number
    residual?: boolean
    carried?: boolean
    dense?: boolean
  }[] = []
  for (const cell of cells)
    for (const bi of [false, true])
      for (const window of [0, 1, 4]) cases.push({ cell, bi, heads: bi ? 2 : 1, window, layers: 1 })
  // deeper stacks: dropout below the top, residual tops (uni and bi), a TBPTT carried state
  cases.push({ cell: 'gru', bi: true, heads: 2, window: 0, layers: 2 })
  cases.push({ cell: 'lstm', bi: false, heads: 2, window: 2, layers: 2, residual: true })
  cases.push({ cell: 'rnn-relu', bi: true, heads: 1, window: 1, layers: 2, residual: true })
  cases.push({ cell: 'lstm', bi: false, heads: 1, window: 0, layers: 2, carried: true })
  // a narrow window stored dense and masked, as training batches store it (ATTENTION_DENSE_LIMIT)
  cases.push({ cell: 'gru', bi: true, heads: 2, window: 1, layers: 1, dense: true })
  for (const c of cases) {
    // windows 1–2 on T = 7 are banded (2r + 1 < T); window 4 stores dense rows with masked keys
    const name = `${c.cell} ${c.bi ? 'bi' : 'uni'} L${c.layers}${c.residual ? ' residual' : ''} heads ${c.heads} window ${c.window}${c.carried ? ' carried state' : ''}${c.dense ? ' (dense)' : ''}`
    it(name, () => {
      const cfg: TaggerConfig = {
        cell: c.cell,
        inputSize: 3,
        hiddenSize: 4,
        numLayers: c.layers,
        numClasses: 3,
        bidirectional: c.bi,
        dropout: c.layers > 1 ? 0.3 : 0,
        residual: c.residual,
        attention: { heads: c.heads, window: c.window },
      }
      const limit = c.dense ? ATTENTION_DENSE_LIMIT : 0
      const { m, ws, run } = problem(cfg, 7, [7, 5, 2], 300 + c.window, c.carried, limit)
      expect(ws.att!.banded).toBe(!c.dense && c.window > 0 && 2 * c.window + 1 < 7)
      run(true)
      // the key bias's gradient is exactly 0 (a per-query constant cancels in the softmax), so
      // its finite differences are round-off: the floor compares those absolutely
      const r = gradcheck(() => run(false), m.params, m.grads, m.layout, {
        perTensor: 5,
        floor: 1e-5,
      })
      results.push(`${name.padEnd(52)} maxRel=${r.maxRel.toExponential(2)} (${r.checked} params)`)
      expect(r.checked).toBeGreaterThan(30)
      expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-4)
    })
  }
  it('prints the table', () => console.log(results.join('\n')))
})

describe('tagger + self-attention: layout and behaviour', () => {
  const base: TaggerConfig = {
    cell: 'gru',
    inputSize: 3,
    hiddenSize: 4,
    numLayers: 1,
    numClasses: 2,
    bidirectional: true,
    dropout: 0,
  }

  it('puts self_attn.* between the stack and out.*, leaving a plain config as it was', () => {
    const plain = paramLayout(base).entries.map((e) => e.name)
    const withAtt = paramLayout({ ...base, attention: { heads: 2, window: 0 } }).entries
    expect(withAtt.map((e) => e.name)).toEqual([
      ...plain.slice(0, -2),
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'out.weight',
      'out.bias',
    ])
    expect(withAtt[plain.length - 2].shape).toEqual([24, 8]) // (3E, E), E = D·H = 8
    expect(paramLayout({ ...base, attention: undefined }).size).toBe(paramLayout(base).size)
  })

  it('rejects heads that do not divide D·H, and bad windows', () => {
    expect(() => paramLayout({ ...base, attention: { heads: 3, window: 0 } })).toThrow(/divide/)
    expect(() => paramLayout({ ...base, attention: { heads: 0, window: 0 } })).toThrow(/1\.\.4/)
    expect(() => paramLayout({ ...base, attention: { heads: 1, window: -1 } })).toThrow(/window/)
  })

  it('attentionOf views the tagger’s own params and grads', () => {
    const m = createTagger({ ...base, attention: { heads: 1, window: 3 } }, k)
    const a = attentionOf(m)!
    a.p.Wo[0] = 42
    expect(
      m.params[m.layout.entries.find((e) => e.name === 'self_attn.out_proj.weight')!.offset],
    ).toBe(42)
    expect(a.params.buffer).toBe(m.params.buffer)
    expect(a.layout.size).toBe(3 * 64 + 24 + 64 + 8)
    expect(a.config).toEqual({ modelSize: 8, numHeads: 1, window: 3, residual: true })
    expect(attentionOf(createTagger(base, k))).toBeNull()
  })

  it('a frame hears a cue beyond the window only with global attention', () => {
    // the unidirectional stack sees only the past: with attention the logits at frame 0 change
    // when frame 5 changes, within the window or globally, and not beyond the window
    const cfg = { ...base, bidirectional: false }
    const changesAt0 = (window: number): boolean => {
      const c: TaggerConfig = { ...cfg, attention: { heads: 1, window } }
      const m = createTagger(c, k)
      initTagger(m.params, c, new Rng(5))
      const ws = allocWorkspace(c, k, 8, 1)
      const x = k.alloc(8 * 3).map((_, i) => Math.sin(i))
      const len = Int32Array.of(8)
      taggerForward(ws, x, len, 8, m, k)
      const before = ws.logits[0]
      x[5 * 3] += 1
      taggerForward(ws, x, len, 8, m, k)
      return Math.abs(ws.logits[0] - before) > 1e-9
    }
    expect(changesAt0(0)).toBe(true)
    expect(changesAt0(5)).toBe(true)
    expect(changesAt0(4)).toBe(false)
  })

  it('initialises the stack and output layer as without attention (same seed)', () => {
    const withAtt = { ...base, attention: { heads: 2, window: 0 } }
    const a = createTagger(base, k)
    const b = createTagger(withAtt, k)
    initTagger(a.params, base, new Rng(9))
    initTagger(b.params, withAtt, new Rng(9))
    for (let l = 0; l < a.p.cells.length; l++)
      for (let d = 0; d < 2; d++) expect(b.p.cells[l][d].Wih).toEqual(a.p.cells[l][d].Wih)
    expect(b.p.Wout).toEqual(a.p.Wout)
    expect(b.p.attn!.bin.every((v) => v === 0)).toBe(true)
    const bound = 1 / Math.sqrt(8)
    expect(b.p.attn!.Wo.every((v) => Math.abs(v) <= bound)).toBe(true)
  })
})

interface AttentionFixture {
  cell: 'lstm' | 'gru'
  F: number
  H: number
  L: number
  C: number
  T: number
  bidirectional: boolean
  heads: number
  window: number
  lengths: number[]
  input: number[][][]
  labels: number[][]
  class_weights: number[]
  params: Record<string, number[]>
  shapes: Record<string, number[]>
  logits: number[][][]
  loss: number
  grads: Record<string, number[]>
}

function runFixture<A extends FloatArray>(fix: AttentionFixture, k: Kernels<A>) {
  const cfg: TaggerConfig = {
    cell: fix.cell,
    inputSize: fix.F,
    hiddenSize: fix.H,
    numLayers: fix.L,
    numClasses: fix.C,
    bidirectional: fix.bidirectional,
    dropout: 0,
    attention: { heads: fix.heads, window: fix.window },
  }
  const { T, C } = fix
  const B = fix.lengths.length
  const m = createTagger(cfg, k)
  expect(m.layout.entries.map((e) => e.name)).toEqual(Object.keys(fix.params))
  for (const e of m.layout.entries) {
    expect(fix.shapes[e.name], e.name).toEqual(e.shape)
    m.params.set(fix.params[e.name].map(Math.fround), e.offset)
  }
  const lengths = Int32Array.from(fix.lengths)
  const input = fix.input.map((rows) => rows.map((r) => r.map(Math.fround)))
  const x = timeMajor(k.alloc(T * B * fix.F), input, T, fix.F)
  const labels = new Int32Array(T * B)
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) labels[t * B + b] = fix.labels[b][t]
  const ws = allocWorkspace(cfg, k, T, B)
  taggerForward(ws, x, lengths, T, m, k)
  const r = crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, C, {
    classWeights: fix.class_weights.map(Math.fround),
  })
  taggerBackward(ws, x, lengths, T, m, k)
  // logits on valid frames (padding frames are 0 in the fixture; here they hold the bias)
  const got = new Float64Array(T * B * C)
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      if (t < lengths[b])
        for (let j = 0; j < C; j++) got[(t * B + b) * C + j] = ws.logits[(t * B + b) * C + j]
  const checks = [
    checkTensor('logits', got, timeMajor(new Float64Array(T * B * C), fix.logits, T, C)),
    checkTensor('loss', [r.loss], [fix.loss]),
  ]
  for (const e of m.layout.entries)
    checks.push(
      checkTensor(
        `grad ${e.name}`,
        m.grads.subarray(e.offset, e.offset + e.length),
        fix.grads[e.name],
      ),
    )
  return checks
}

describe('PyTorch parity: RNN + nn.MultiheadAttention (masks, window) + Linear, with gradients', () => {
  const all = taggerAttentionFixture as unknown as { cases: Record<string, AttentionFixture> }
  for (const [name, fix] of Object.entries(all.cases)) {
    it(`${name}: every tensor, float64 < 1e-12 and float32 < 1e-5`, () => {
      const c64 = runFixture(fix, tsKernels64)
      const c32 = runFixture(fix, tsKernels)
      console.log(`${name} float64\n` + c64.map(formatCheck).join('\n'))
      expect(c64.length).toBe(2 + 4 * fix.L * (fix.bidirectional ? 2 : 1) + 4 + 2)
      expect(c64[0].maxRef).toBeGreaterThan(0.05)
      for (const c of c64) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
      for (const c of c32) expect(c.maxDiff, c.name).toBeLessThan(1e-5)
      console.log(
        `${name} float32 worst maxdiff ${Math.max(...c32.map((c) => c.maxDiff)).toExponential(2)}`,
      )
    })
  }
})
