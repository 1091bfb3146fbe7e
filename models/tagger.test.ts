import { describe, expect, it } from 'vitest'
import { initTagger } from './init'
import { tsKernels64 } from './kernels-ts'
import { crossEntropy } from './loss'
import type { CellType, TaggerConfig } from './params'
import { Rng } from './rng'
import {
  allocState,
  allocWorkspace,
  carryState,
  createTagger,
  taggerBackward,
  taggerForward,
  type TaggerState,
  type TaggerWorkspace,
} from './tagger'
import { gradcheck } from './testing'

const k = tsKernels64

/** A small float64 problem with variable lengths, class weights and ignored frames. */
function problem(cfg: TaggerConfig, T: number, lengths: number[], seed: number) {
  const rng = new Rng(seed)
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, rng)
  // nonzero biases and off-identity weights so every term of the gradient is exercised
  for (let i = 0; i < m.params.length; i++) m.params[i] += 0.2 * rng.normal()
  const B = lengths.length
  const len = Int32Array.from(lengths)
  const x = k.alloc(T * B * cfg.inputSize)
  for (let i = 0; i < x.length; i++) x[i] = rng.normal()
  const labels = new Int32Array(T * B)
  for (let i = 0; i < labels.length; i++)
    labels[i] = rng.uniform() < 0.15 ? -1 : rng.int(cfg.numClasses)
  const classWeights = Array.from({ length: cfg.numClasses }, () => rng.uniform(0.5, 2))
  const ws = allocWorkspace(cfg, k, T, B)
  const C = cfg.numClasses
  const run = (
    state: TaggerState<Float64Array> | null,
    withGrad: boolean,
    w: TaggerWorkspace<Float64Array> = ws,
  ): number => {
    // the same dropout masks on every evaluation
    taggerForward(w, x, len, T, m, k, { training: true, rng: new Rng(seed + 1), state })
    const r = crossEntropy(withGrad ? w.dlogits : null, w.logits, labels, len, T, B, C, {
      classWeights,
    })
    if (withGrad) {
      m.grads.fill(0)
      taggerBackward(w, x, len, T, m, k)
    }
    return r.loss
  }
  return { m, ws, x, len, labels, run }
}

const cells: CellType[] = ['rnn-tanh', 'rnn-relu', 'lstm', 'gru']

describe('gradient check (float64, central differences, sampled per tensor)', () => {
  const results: string[] = []
  for (const cell of cells) {
    for (const bidirectional of [false, true]) {
      for (const numLayers of [1, 2]) {
        const name = `${cell} ${bidirectional ? 'bi' : 'uni'} L${numLayers}`
        it(`${name}: masks, class weights, ignore label, dropout — rel err < 1e-4`, () => {
          const cfg: TaggerConfig = {
            cell,
            inputSize: 3,
            hiddenSize: 4,
            numLayers,
            numClasses: 3,
            bidirectional,
            dropout: numLayers > 1 ? 0.3 : 0,
          }
          const { m, run } = problem(cfg, 7, [7, 5, 2], 100 + numLayers)
          run(null, true)
          const r = gradcheck(() => run(null, false), m.params, m.grads, m.layout, { perTensor: 5 })
          results.push(
            `${name.padEnd(18)} maxRel=${r.maxRel.toExponential(2)} (${r.checked} params)`,
          )
          expect(r.checked).toBeGreaterThan(20)
          expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-4)
        })
      }
    }
  }
  it('prints the table', () => console.log(results.join('\n')))
})

describe('residual connections: gradient check (float64, masks, dropout on the branch)', () => {
  const results: string[] = []
  for (const cell of cells) {
    for (const bidirectional of [false, true]) {
      for (const numLayers of [2, 3]) {
        const name = `${cell} ${bidirectional ? 'bi' : 'uni'} L${numLayers} residual`
        it(`${name}: rel err < 1e-4`, () => {
          const cfg: TaggerConfig = {
            cell,
            inputSize: 3,
            hiddenSize: 4,
            numLayers,
            numClasses: 3,
            bidirectional,
            dropout: 0.3,
            residual: true,
          }
          const { m, run } = problem(cfg, 7, [7, 5, 2], 200 + numLayers)
          run(null, true)
          const r = gradcheck(() => run(null, false), m.params, m.grads, m.layout, { perTensor: 4 })
          results.push(
            `${name.padEnd(27)} maxRel=${r.maxRel.toExponential(2)} (${r.checked} params)`,
          )
          expect(r.checked).toBeGreaterThan(20)
          expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-4)
        })
      }
    }
  }
  it('prints the table', () => console.log(results.join('\n')))

  it('changes the logits of a stack, not of one layer (no skip into layer 0)', () => {
    for (const numLayers of [1, 2]) {
      const base: TaggerConfig = {
        cell: 'gru',
        inputSize: 3,
        hiddenSize: 4,
        numLayers,
        numClasses: 3,
        bidirectional: true,
        dropout: 0,
      }
      const plain = problem(base, 6, [6, 3], 9)
      const res = problem({ ...base, residual: true }, 6, [6, 3], 9)
      plain.run(null, false)
      res.run(null, false)
      const diff = Math.max(...plain.ws.logits.map((v, i) => Math.abs(v - res.ws.logits[i])))
      if (numLayers === 1) expect(diff).toBe(0)
      else expect(diff).toBeGreaterThan(1e-3)
    }
  })
})

/** The TBPTT plan for a sequence of length n: windows [start, end) whose loss covers [lossFrom, end). */
function tbpttWindows(
  n: number,
  k1: number,
  k2: number,
): { start: number; lossFrom: number; end: number; carryAt: number }[] {
  if (!(k1 >= 1 && k2 >= k1)) throw new RangeError('TBPTT needs 1 ≤ k1 ≤ k2')
  const out = []
  for (let s = 0; s < n; s += k1) {
    const end = Math.min(n, s + k1)
    const start = Math.max(0, end - k2)
    // the next window starts at max(0, nextEnd − k2): carry the state reached there
    const nextEnd = Math.min(n, end + k1)
    out.push({ start, lossFrom: s, end, carryAt: Math.max(0, nextEnd - k2) - start })
  }
  return out
}

describe('truncated BPTT', () => {
  it('windows tile the sequence and carry points lie inside each window', () => {
    const w = tbpttWindows(23, 5, 8)
    expect(w.map((x) => [x.start, x.lossFrom, x.end])).toEqual([
      [0, 0, 5],
      [2, 5, 10],
      [7, 10, 15],
      [12, 15, 20],
      [15, 20, 23],
    ])
    for (let i = 0; i + 1 < w.length; i++) expect(w[i].start + w[i].carryAt).toBe(w[i + 1].start)
    expect(() => tbpttWindows(10, 4, 3)).toThrow()
  })

  const tbpttCases = [...cells.map((c) => [c, false] as const), ['lstm', true] as const]
  for (const [cell, residual] of tbpttCases) {
    const name = `${cell}${residual ? ' residual' : ''}`
    it(`${name}: forward over k1/k2 windows with carried state equals the full forward`, () => {
      const cfg: TaggerConfig = {
        cell,
        inputSize: 3,
        hiddenSize: 5,
        numLayers: 2,
        numClasses: 3,
        bidirectional: false,
        dropout: 0,
        residual,
      }
      const T = 23
      const full = problem(cfg, T, [23, 17], 5)
      full.run(null, false)
      const want = full.ws.logits.slice()
      const { m, x } = full
      const B = 2
      const F = cfg.inputSize
      const C = cfg.numClasses
      const wsC = allocWorkspace(cfg, k, 8, B)
      let state = allocState(cfg, k, B)
      let maxDiff = 0
      for (const w of tbpttWindows(T, 5, 8)) {
        const Tw = w.end - w.start
        const xw = x.subarray(w.start * B * F, w.end * B * F)
        const lw = Int32Array.from(full.len, (n) => Math.max(0, Math.min(n, w.end) - w.start))
        taggerForward(wsC, xw, lw, Tw, m, k, { state })
        for (let t = w.lossFrom; t < w.end; t++) {
          for (let b = 0; b < B; b++) {
            if (t >= full.len[b]) continue
            for (let j = 0; j < C; j++) {
              const got = wsC.logits[((t - w.start) * B + b) * C + j]
              maxDiff = Math.max(maxDiff, Math.abs(got - want[(t * B + b) * C + j]))
            }
          }
        }
        const next = allocState(cfg, k, B)
        carryState(next, wsC, lw, w.carryAt, m)
        state = next
      }
      expect(maxDiff).toBeLessThan(1e-12)
    })

    it(`${name}: gradient check of a chunk started from a carried state`, () => {
      const cfg: TaggerConfig = {
        cell,
        inputSize: 3,
        hiddenSize: 4,
        numLayers: 2,
        numClasses: 3,
        bidirectional: true,
        dropout: 0,
        residual,
      }
      const p = problem(cfg, 6, [6, 4, 3], 11)
      p.run(null, false)
      const state = allocState(cfg, k, 3)
      carryState(state, p.ws, p.len, 4, p.m)
      for (const h of state.h) expect(Math.max(...h.map(Math.abs))).toBeGreaterThan(1e-3)
      p.run(state, true)
      const r = gradcheck(() => p.run(state, false), p.m.params, p.m.grads, p.m.layout, {
        perTensor: 4,
      })
      expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-4)
    })
  }
})

describe('padded batches and workspace reuse', () => {
  it('gradient check with a length-0 row (a finished sequence in a TBPTT chunk), 4-point stencil', () => {
    const cfg: TaggerConfig = {
      cell: 'lstm',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      numClasses: 3,
      bidirectional: true,
      dropout: 0,
    }
    const { m, run } = problem(cfg, 5, [5, 3, 0], 21)
    run(null, true)
    const r = gradcheck(() => run(null, false), m.params, m.grads, m.layout, {
      perTensor: 4,
      stencil: 4,
      eps: 1e-3,
    })
    expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-4)
  })

  for (const cell of cells) {
    it(`${cell}: a workspace reused after a larger batch gives the same logits and grads as a fresh one`, () => {
      const cfg: TaggerConfig = {
        cell,
        inputSize: 3,
        hiddenSize: 4,
        numLayers: 2,
        numClasses: 3,
        bidirectional: cell !== 'gru', // GRU: the unidirectional residual buffers
        dropout: 0.2,
        residual: cell === 'lstm' || cell === 'gru',
      }
      const big = problem(cfg, 9, [9, 9, 8, 7], 31)
      big.run(null, true) // fills every buffer of big.ws with values of another batch
      const small = problem(cfg, 6, [6, 4, 1], 32)
      small.run(null, true)
      const [logits, grads] = [small.ws.logits.slice(0, 6 * 3 * 3), small.m.grads.slice()]
      small.run(null, true, big.ws) // same model and batch on the dirty, larger workspace
      expect(Array.from(big.ws.logits.subarray(0, logits.length))).toEqual(Array.from(logits))
      expect(Array.from(small.m.grads)).toEqual(Array.from(grads))
    })
  }
})

describe('data parallel', () => {
  it('gradients of two half-batches with the global loss norm sum to the full-batch gradient', () => {
    const cfg: TaggerConfig = {
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      numClasses: 3,
      bidirectional: true,
      dropout: 0,
    }
    const T = 7
    const full = problem(cfg, T, [7, 6, 4, 2], 41)
    const classWeights = [0.5, 1, 2]
    const F = cfg.inputSize
    const C = cfg.numClasses
    const gradOf = (rows: number[], norm?: number): { grads: Float64Array; weightSum: number } => {
      const B = rows.length
      const x = k.alloc(T * B * F)
      const labels = new Int32Array(T * B)
      for (let t = 0; t < T; t++) {
        rows.forEach((r, b) => {
          labels[t * B + b] = full.labels[t * 4 + r]
          for (let f = 0; f < F; f++) x[(t * B + b) * F + f] = full.x[(t * 4 + r) * F + f]
        })
      }
      const len = Int32Array.from(rows, (r) => full.len[r])
      const ws = allocWorkspace(cfg, k, T, B)
      taggerForward(ws, x, len, T, full.m, k)
      const res = crossEntropy(ws.dlogits, ws.logits, labels, len, T, B, C, { classWeights, norm })
      full.m.grads.fill(0)
      taggerBackward(ws, x, len, T, full.m, k)
      return { grads: full.m.grads.slice(), weightSum: res.weightSum }
    }
    const all = gradOf([0, 1, 2, 3])
    const norm = gradOf([0, 1]).weightSum + gradOf([2, 3]).weightSum
    expect(norm).toBeCloseTo(all.weightSum, 12)
    const a = gradOf([0, 1], norm).grads
    const b = gradOf([2, 3], norm).grads
    let maxDiff = 0
    for (let i = 0; i < a.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(a[i] + b[i] - all.grads[i]))
    expect(Math.max(...all.grads.map(Math.abs))).toBeGreaterThan(1e-3)
    expect(maxDiff).toBeLessThan(1e-12)
  })
})
