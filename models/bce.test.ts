/**
 * The sigmoid head's loss (bce.ts): finite-difference checks of dlogits and of the whole tagger
 * under it, stability at extreme logits, and PyTorch parity (BCEWithLogitsLoss with weight,
 * pos_weight and a mask; fixtures/make_fixtures_bce.py).
 */
import { describe, expect, it } from 'vitest'
import { binaryCrossEntropy, sigmoid, softplus } from './bce'
import { initTagger } from './init'
import type { FloatArray, Kernels } from './kernels'
import { tsKernels, tsKernels64 } from './kernels-ts'
import type { CellType, TaggerConfig } from './params'
import { Rng } from './rng'
import { allocWorkspace, createTagger, taggerBackward, taggerForward } from './tagger'
import { checkTensor, formatCheck, gradcheck, timeMajor } from './testing'
import fixture from './fixtures/fixture_bce.json'

describe('binaryCrossEntropy', () => {
  it('equals the definition term by term on a hand-computed case', () => {
    // one frame, two classes: z = (0, 2), y = (1, 0), w = (2, 1), q = (3, 1)
    const z = Float64Array.of(0, 2)
    const r = binaryCrossEntropy(null, z, [1, 0], Int32Array.of(1), 1, 1, 2, {
      classWeights: [2, 1],
      posWeights: [3, 1],
    })
    const want = 2 * 3 * Math.log(2) + Math.log(1 + Math.exp(2))
    expect(r.sum).toBeCloseTo(want, 12)
    expect(r.count).toBe(2)
    expect(r.loss).toBeCloseTo(want / 2, 12)
  })

  it('masks negative targets and frames past each length, and counts only valid entries', () => {
    const T = 3
    const z = new Float64Array(T * 2 * 2).map((_, i) => i - 4)
    // (T, B=2, C=2); lengths (3, 1): b=1 is valid at t=0 only; one masked entry at (0, 0, 1)
    const y = [1, -1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1]
    const d = new Float64Array(z.length)
    const r = binaryCrossEntropy(d, z, y, Int32Array.of(3, 1), T, 2, 2)
    expect(r.count).toBe(1 + 2 + 2 + 2)
    for (const q of [1, 6, 7, 10, 11]) expect(d[q]).toBe(0)
    const changed = Float64Array.from(z)
    for (const q of [1, 6, 7, 10, 11]) changed[q] = 50 // masked entries change nothing
    expect(binaryCrossEntropy(null, changed, y, Int32Array.of(3, 1), T, 2, 2).sum).toBe(r.sum)
  })

  it('dlogits match central differences (float64, weights, pos weights, soft targets)', () => {
    const rng = new Rng(3)
    const [T, B, C] = [4, 3, 5]
    const z = new Float64Array(T * B * C).map(() => 3 * rng.normal())
    const y = Array.from({ length: T * B * C }, () => (rng.uniform() < 0.2 ? -1 : rng.uniform()))
    const opts = {
      classWeights: Array.from({ length: C }, () => rng.uniform(0.5, 2)),
      posWeights: Array.from({ length: C }, () => rng.uniform(0.5, 4)),
    }
    const lengths = Int32Array.of(4, 3, 1)
    const d = new Float64Array(z.length)
    binaryCrossEntropy(d, z, y, lengths, T, B, C, opts)
    const f = () => binaryCrossEntropy(null, z, y, lengths, T, B, C, opts).loss
    const layout = {
      entries: [{ name: 'z', shape: [z.length], offset: 0, length: z.length }],
      size: z.length,
    }
    const r = gradcheck(f, z, d, layout, { perTensor: z.length, stencil: 4 })
    expect(r.checked).toBe(z.length)
    expect(r.maxRel).toBeLessThan(1e-5)
  })

  it('stays finite and exact where naive formulas overflow (|z| up to 800)', () => {
    expect(softplus(800)).toBe(800)
    expect(softplus(-800)).toBe(0)
    expect(sigmoid(-800)).toBe(0)
    expect(sigmoid(800)).toBe(1)
    const z = Float64Array.of(800, -800)
    const d = new Float64Array(2)
    const r = binaryCrossEntropy(d, z, [0, 1], Int32Array.of(1), 1, 1, 2)
    expect(r.sum).toBe(1600) // −log σ(−800) + −log σ(−800)
    expect([...d]).toEqual([0.5, -0.5])
  })

  it('a target above 1 is refused with its place', () => {
    expect(() =>
      binaryCrossEntropy(null, new Float64Array(2), [0, 2], Int32Array.of(1), 1, 1, 2),
    ).toThrow(/target 2 at \(0, 0, 1\)/)
  })
})

describe('gradient check of the tagger under the sigmoid head (float64)', () => {
  const cells: CellType[] = ['lstm', 'gru', 'rnn-tanh']
  for (const cell of cells) {
    it(`${cell} bi L2: masks, class and positive weights, dropout — rel err < 1e-4`, () => {
      const cfg: TaggerConfig = {
        cell,
        inputSize: 3,
        hiddenSize: 4,
        numLayers: 2,
        numClasses: 3,
        bidirectional: true,
        dropout: 0.3,
        head: 'sigmoid',
      }
      const k = tsKernels64
      const rng = new Rng(41)
      const m = createTagger(cfg, k)
      initTagger(m.params, cfg, rng)
      for (let i = 0; i < m.params.length; i++) m.params[i] += 0.2 * rng.normal()
      const [T, B, C] = [7, 3, cfg.numClasses]
      const lengths = Int32Array.of(7, 5, 2)
      const x = k.alloc(T * B * cfg.inputSize).map(() => rng.normal())
      const y = Array.from({ length: T * B * C }, () =>
        rng.uniform() < 0.15 ? -1 : rng.uniform() < 0.4 ? 1 : 0,
      )
      const opts = { classWeights: [0.7, 1.3, 1], posWeights: [2, 0.5, 3] }
      const ws = allocWorkspace(cfg, k, T, B)
      const run = (withGrad: boolean): number => {
        taggerForward(ws, x, lengths, T, m, k, { training: true, rng: new Rng(9) })
        const r = binaryCrossEntropy(withGrad ? ws.dlogits : null, ws.logits, y, lengths, T, B, C, {
          ...opts,
        })
        if (withGrad) {
          m.grads.fill(0)
          taggerBackward(ws, x, lengths, T, m, k)
        }
        return r.loss
      }
      run(true)
      const r = gradcheck(() => run(false), m.params, m.grads, m.layout, { perTensor: 5 })
      console.log(`${cell} sigmoid head maxRel=${r.maxRel.toExponential(2)} (${r.checked})`)
      expect(r.checked).toBeGreaterThan(50)
      expect(r.maxRel).toBeLessThan(1e-4)
    })
  }
})

interface BceFixture {
  cell: CellType
  F: number
  H: number
  L: number
  C: number
  T: number
  lengths: number[]
  input: number[][][]
  targets: number[][][]
  class_weights: number[]
  pos_weights: number[]
  params: Record<string, number[]>
  shapes: Record<string, number[]>
  logits: number[][][]
  loss: number
  grads: Record<string, number[]>
}

function runFixture<A extends FloatArray>(fix: BceFixture, k: Kernels<A>) {
  const cfg: TaggerConfig = {
    cell: fix.cell,
    inputSize: fix.F,
    hiddenSize: fix.H,
    numLayers: fix.L,
    numClasses: fix.C,
    bidirectional: true,
    dropout: 0,
    head: 'sigmoid',
  }
  const { T, C } = fix
  const B = fix.lengths.length
  const m = createTagger(cfg, k)
  for (const e of m.layout.entries) {
    expect(fix.shapes[e.name], e.name).toEqual(e.shape)
    m.params.set(fix.params[e.name].map(Math.fround), e.offset)
  }
  const lengths = Int32Array.from(fix.lengths)
  const input = fix.input.map((rows) => rows.map((r) => r.map(Math.fround)))
  const x = timeMajor(k.alloc(T * B * fix.F), input, T, fix.F)
  const targets = timeMajor(new Float64Array(T * B * C), fix.targets, T, C)
  const ws = allocWorkspace(cfg, k, T, B)
  taggerForward(ws, x, lengths, T, m, k)
  const r = binaryCrossEntropy(ws.dlogits, ws.logits, targets, lengths, T, B, C, {
    classWeights: fix.class_weights.map(Math.fround),
    posWeights: fix.pos_weights.map(Math.fround),
  })
  taggerBackward(ws, x, lengths, T, m, k)
  const wantLogits = timeMajor(new Float64Array(T * B * C), fix.logits, T, C)
  const checks = [
    checkTensor('logits', ws.logits.subarray(0, T * B * C), wantLogits),
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

describe('PyTorch parity: BCEWithLogitsLoss(weight, pos_weight) with a mask', () => {
  for (const cell of ['lstm', 'gru'] as const) {
    const fix = (fixture as unknown as Record<string, BceFixture>)[cell]
    it(`${cell} bi L2: logits, loss and every gradient (float64 < 1e-12, float32 < 1e-5)`, () => {
      const c64 = runFixture(fix, tsKernels64)
      console.log(`${cell} sigmoid head float64\n` + c64.map(formatCheck).join('\n'))
      expect(c64.length).toBe(2 + 4 * 2 * fix.L + 2)
      for (const c of c64) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
      for (const c of runFixture(fix, tsKernels)) expect(c.maxDiff, c.name).toBeLessThan(1e-5)
    })
  }

  it('extreme logits (|z| ≤ 60) with soft targets: loss and dlogits', () => {
    const fix = fixture.extreme
    const { T, C } = fix
    const B = fix.lengths.length
    // logits and weights are float32 values written with 9 digits: round back
    const z = timeMajor(new Float64Array(T * B * C), fix.logits, T, C).map(Math.fround)
    const y = timeMajor(new Float64Array(T * B * C), fix.targets, T, C)
    const d = new Float64Array(z.length)
    const r = binaryCrossEntropy(d, z, y, Int32Array.from(fix.lengths), T, B, C, {
      classWeights: fix.class_weights.map(Math.fround),
      posWeights: fix.pos_weights.map(Math.fround),
    })
    const want = timeMajor(new Float64Array(T * B * C), fix.dlogits, T, C)
    const checks = [checkTensor('loss', [r.loss], [fix.loss]), checkTensor('dlogits', d, want)]
    console.log(checks.map(formatCheck).join('\n'))
    expect(Number.isFinite(r.loss)).toBe(true)
    for (const c of checks) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
  })
})
