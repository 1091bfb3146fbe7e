import { describe, expect, it } from 'vitest'
import { initTagger } from './init'
import { tsKernels } from './kernels-ts'
import { gatesOf, paramLayout, taggerViews, type CellType, type TaggerConfig } from './params'
import { Rng } from './rng'
import { batchSizesOf, copyRows, reverseRows, sortByLength } from './tensor'
import gruWeightIndex from './fixtures/tagger_A_gru.weights.json'
import lstmWeightIndex from './fixtures/tagger_A_lstm.weights.json'

const weightIndexes = { lstm: lstmWeightIndex, gru: gruWeightIndex }

const cfg = (cell: CellType, extra: Partial<TaggerConfig> = {}): TaggerConfig => ({
  cell,
  inputSize: 7,
  hiddenSize: 8,
  numLayers: 2,
  numClasses: 3,
  bidirectional: true,
  dropout: 0,
  ...extra,
})

describe('rng', () => {
  it('is deterministic per seed and has the right moments', () => {
    const a = new Rng(1)
    const b = new Rng(1)
    const c = new Rng(2)
    const xs = Array.from({ length: 20000 }, () => a.normal())
    expect(Array.from({ length: 5 }, () => b.normal())).toEqual(xs.slice(0, 5))
    expect(c.normal()).not.toBe(xs[0])
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const varr = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(varr - 1)).toBeLessThan(0.04)
    const u = Array.from({ length: 20000 }, () => a.uniform())
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...u)).toBeLessThan(1)
    expect(Math.abs(u.reduce((s, x) => s + x, 0) / u.length - 0.5)).toBeLessThan(0.01)
  })

  it('shuffle is a permutation', () => {
    const p = new Rng(3).shuffle(Array.from({ length: 50 }, (_, i) => i))
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i))
  })
})

describe('params layout', () => {
  it('is PyTorch state_dict order, so the config-A weight index has the same offsets', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const index = weightIndexes[cell] as {
        tensors: { name: string; shape: number[]; offset: number }[]
      }
      const layout = paramLayout(
        cfg(cell, { inputSize: 40, hiddenSize: 64, numLayers: 1, numClasses: 4 }),
      )
      expect(layout.entries.map((e) => [e.name, e.shape, e.offset])).toEqual(
        index.tensors.map((t) => [t.name, t.shape, t.offset]),
      )
    }
  })

  it('views share memory with the flat array', () => {
    const c = cfg('gru')
    const flat = tsKernels.alloc(paramLayout(c).size)
    const v = taggerViews(flat, c)
    v.cells[1][1].bhh[2] = 5
    v.bout[0] = 6
    const e = paramLayout(c).entries
    expect(flat[e.find((x) => x.name === 'rnn.bias_hh_l1_reverse')!.offset + 2]).toBe(5)
    expect(flat[flat.length - 3]).toBe(6)
  })

  it('rejects bad configs', () => {
    expect(() => paramLayout(cfg('lstm', { numLayers: 5 }))).toThrow()
    expect(() => paramLayout(cfg('lstm', { dropout: 1 }))).toThrow()
  })
})

describe('init', () => {
  it('orthogonal recurrent blocks, Glorot bounds, LSTM forget bias 1', () => {
    const c = cfg('lstm')
    const flat = tsKernels.alloc(paramLayout(c).size)
    initTagger(flat, c, new Rng(5))
    const v = taggerViews(flat, c)
    const H = c.hiddenSize
    const { Wih, Whh, bih, bhh } = v.cells[0][0]
    for (let g = 0; g < gatesOf(c.cell); g++) {
      // Q Qᵀ = I for the (H, H) block of gate g
      let maxErr = 0
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < H; j++) {
          let s = 0
          for (let q = 0; q < H; q++) s += Whh[(g * H + i) * H + q] * Whh[(g * H + j) * H + q]
          maxErr = Math.max(maxErr, Math.abs(s - (i === j ? 1 : 0)))
        }
      }
      expect(maxErr).toBeLessThan(1e-5)
    }
    const a = Math.sqrt(6 / (H + c.inputSize))
    expect(Math.max(...Wih.map(Math.abs))).toBeLessThanOrEqual(a)
    expect(Math.max(...Wih.map(Math.abs))).toBeGreaterThan(0.8 * a)
    expect(Array.from(bih.subarray(H, 2 * H))).toEqual(new Array(H).fill(1))
    expect(Math.max(...bih.subarray(0, H).map(Math.abs), ...bhh.map(Math.abs))).toBe(0)
  })

  it('identity recurrent weights for the ReLU RNN (IRNN)', () => {
    const c = cfg('rnn-relu')
    const flat = tsKernels.alloc(paramLayout(c).size)
    initTagger(flat, c, new Rng(5))
    const { Whh } = taggerViews(flat, c).cells[1][1]
    const H = c.hiddenSize
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++) expect(Whh[i * H + j]).toBe(i === j ? 1 : 0)
  })
})

describe('tensor helpers', () => {
  it('batch sizes, sorting, in-length time reversal', () => {
    expect(Array.from(batchSizesOf(Int32Array.of(4, 2, 2, 0), 5))).toEqual([3, 3, 1, 1, 0])
    expect(() => batchSizesOf(Int32Array.of(2, 3), 3)).toThrow(/longest first/)
    expect(Array.from(sortByLength([2, 5, 3, 5]))).toEqual([1, 3, 2, 0])
    const [T, B, W] = [4, 2, 1]
    const lengths = Int32Array.of(4, 2)
    const src = Float32Array.from({ length: T * B * W }, (_, i) => i + 1) // (t, b) → 2t + b + 1
    const dst = src.slice()
    reverseRows(dst, lengths, T, W)
    expect(Array.from(dst)).toEqual([7, 4, 5, 2, 3, 6, 1, 8]) // rows past a length stay
    const back = new Float32Array(T * B * W)
    copyRows(back, W, 0, dst, W, 0, lengths, T, W, true)
    expect(Array.from(back)).toEqual([1, 2, 3, 4, 5, 0, 7, 0]) // padding rows zeroed
  })
})

describe('chrono initialisation', () => {
  it('keep-gate biases ln U(1, Tmax − 1) (LSTM: b_i = −b_f), everything else as the default', () => {
    const Tmax = 200
    for (const cell of ['lstm', 'gru'] as const) {
      const c = cfg(cell)
      const H = c.hiddenSize
      const plain = new Float32Array(paramLayout(c).size)
      const chrono = new Float32Array(plain.length)
      initTagger(plain, c, new Rng(3))
      initTagger(chrono, c, new Rng(3), { scheme: 'chrono', maxTimescale: Tmax })
      const [p, q] = [taggerViews(plain, c), taggerViews(chrono, c)]
      const timescales: number[] = []
      for (let l = 0; l < c.numLayers; l++)
        for (let d = 0; d < 2; d++) {
          const [a, b] = [p.cells[l][d], q.cells[l][d]]
          expect(b.Wih).toEqual(a.Wih)
          expect(b.Whh).toEqual(a.Whh)
          for (let j = 0; j < H; j++) {
            const keep = b.bih[H + j] // block 1: LSTM f, GRU z
            // σ(b) = 1 − 1/τ  ⇔  b = ln(τ − 1), τ − 1 ~ U(1, Tmax − 1)
            expect(Math.exp(keep)).toBeGreaterThanOrEqual(1)
            expect(Math.exp(keep)).toBeLessThanOrEqual(Tmax - 1)
            expect(b.bhh[H + j]).toBe(0)
            expect(b.bih[j]).toBeCloseTo(cell === 'lstm' ? -keep : 0, 6)
            timescales.push(Math.exp(keep))
          }
          // the other gates keep their default biases
          for (let j = 2 * H; j < b.bih.length; j++) expect(b.bih[j]).toBe(a.bih[j])
        }
      // spread over the range, not bunched: the mean of U(1, Tmax − 1) is Tmax / 2
      const mean = timescales.reduce((s, v) => s + v, 0) / timescales.length
      expect(mean).toBeGreaterThan(Tmax / 4)
      expect(mean).toBeLessThan((3 * Tmax) / 4)
      expect(p.Wout).toEqual(q.Wout)
    }
    // a cell without gates is untouched; a missing or tiny Tmax is an error
    const r = cfg('rnn-tanh')
    const a = new Float32Array(paramLayout(r).size)
    const b = new Float32Array(a.length)
    initTagger(a, r, new Rng(1))
    initTagger(b, r, new Rng(1), { scheme: 'chrono', maxTimescale: 50 })
    expect(b).toEqual(a)
    const g = new Float32Array(paramLayout(cfg('gru')).size)
    expect(() => initTagger(g, cfg('gru'), new Rng(1), { scheme: 'chrono' })).toThrow(
      /maxTimescale/,
    )
  })
})
