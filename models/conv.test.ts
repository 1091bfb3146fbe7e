/**
 * The CRNN front end (conv.ts, batchnorm.ts): finite-difference gradient checks in training
 * (batch statistics) and eval (running statistics) mode, padding that changes nothing, the
 * running statistics' update, and shapes.
 */
import { describe, expect, it } from 'vitest'
import { BN_MOMENTUM } from './batchnorm'
import {
  allocConvWorkspace,
  convBackward,
  convContext,
  convForward,
  convOutputSize,
  createConvFrontEnd,
  initConvFrontEnd,
  type ConvFrontEndConfig,
} from './conv'
import { initTagger } from './init'
import { tsKernels64 } from './kernels-ts'
import { crossEntropy } from './loss'
import { allocWorkspace, createTagger, taggerBackward, taggerForward } from './tagger'
import { Rng } from './rng'
import { gradcheck } from './testing'

const k = tsKernels64
const cfg: ConvFrontEndConfig = {
  inputSize: 7,
  blocks: [
    { channels: 3, pool: 2 },
    { channels: 4, pool: 1 },
    { channels: 2, pool: 3 },
  ],
}

function setup(seed: number, lengths: number[]) {
  const rng = new Rng(seed)
  const m = createConvFrontEnd(cfg, k)
  initConvFrontEnd(m, rng)
  // γ, β away from 1, 0 so their gradients are not special
  for (const p of m.p) {
    for (let c = 0; c < p.gamma.length; c++) p.gamma[c] = 0.5 + rng.uniform()
    for (let c = 0; c < p.beta.length; c++) p.beta[c] = 0.3 * rng.normal()
  }
  const T = Math.max(...lengths)
  const B = lengths.length
  const L = Int32Array.from(lengths)
  const x = new Float64Array(T * B * cfg.inputSize)
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      if (t < lengths[b])
        for (let f = 0; f < cfg.inputSize; f++) x[(t * B + b) * cfg.inputSize + f] = rng.normal()
  const O = convOutputSize(cfg)
  const R = new Float64Array(T * B * O).map(() => rng.normal())
  const ws = allocConvWorkspace(cfg, k, T, B)
  return { m, x, L, T, B, O, R, ws }
}

describe('convolutional front end', () => {
  it('has the shapes and context of its blocks', () => {
    expect(convOutputSize(cfg)).toBe(2 * Math.floor(Math.floor(7 / 2) / 3)) // 7 → 3 → 3 → 1 bins
    expect(convContext(cfg)).toBe(3)
    expect(() => convOutputSize({ inputSize: 4, blocks: [{ channels: 2, pool: 8 }] })).not.toThrow()
    expect(() =>
      createConvFrontEnd({ inputSize: 4, blocks: [{ channels: 2, pool: 8 }] }, k),
    ).toThrow(/leaves no frequency bin/)
  })

  for (const training of [true, false])
    it(`gradients match central differences (${training ? 'batch' : 'running'} statistics, ragged lengths)`, () => {
      const s = setup(training ? 11 : 12, [9, 6, 2])
      if (!training)
        s.m.running.forEach((r, i) => {
          for (let c = 0; c < r.mean.length; c++) {
            r.mean[c] = 0.2 * (c - i)
            r.var[c] = 0.5 + 0.3 * c
          }
        })
      const keep = Float64Array.from(s.m.stats)
      const loss = (): number => {
        s.m.stats.set(keep) // eval reads the same running statistics every time
        convForward(s.ws, s.x, s.L, s.T, s.m, k, training)
        let sum = 0
        for (let q = 0; q < s.R.length; q++) sum += s.ws.y[q] * s.R[q] + 0.1 * s.ws.y[q] ** 2
        return sum
      }
      loss()
      for (let q = 0; q < s.R.length; q++) s.ws.dy[q] = s.R[q] + 0.2 * s.ws.y[q]
      s.m.grads.fill(0)
      convBackward(s.ws, s.x, s.L, s.T, s.m, k)
      const grads = Float64Array.from(s.m.grads)
      const r = gradcheck(loss, s.m.params, grads, s.m.layout, { perTensor: 12, eps: 1e-6 })
      expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-5)
      expect(r.checked).toBeGreaterThan(30)
    })

  it('a sequence gives the same output alone as in a padded batch (eval), 0 on padding', () => {
    const s = setup(5, [8, 5])
    s.m.running.forEach((r) => (r.mean.fill(0.1), r.var.fill(2)))
    convForward(s.ws, s.x, s.L, s.T, s.m, k, false)
    const batched = Float64Array.from(s.ws.y)
    // sequence 1 alone: its frames, length 5
    const F = cfg.inputSize
    const x1 = new Float64Array(5 * F)
    for (let t = 0; t < 5; t++) for (let f = 0; f < F; f++) x1[t * F + f] = s.x[(t * 2 + 1) * F + f]
    const ws1 = allocConvWorkspace(cfg, k, 5, 1)
    convForward(ws1, x1, Int32Array.of(5), 5, s.m, k, false)
    for (let t = 0; t < 5; t++)
      for (let o = 0; o < s.O; o++)
        expect(batched[(t * 2 + 1) * s.O + o]).toBeCloseTo(ws1.y[t * s.O + o], 12)
    for (let t = 5; t < 8; t++)
      for (let o = 0; o < s.O; o++) expect(batched[(t * 2 + 1) * s.O + o]).toBe(0)
  })

  it('training updates the running statistics by momentum, from valid frames only', () => {
    const s = setup(6, [4, 3])
    s.x[(3 * 2 + 1) * cfg.inputSize] = 1e6 // a padding frame's value must not count
    convForward(s.ws, s.x, s.L, s.T, s.m, k, true)
    // block 0's batch mean and unbiased variance over its conv outputs at valid frames
    const blk = s.ws.blocks[0]
    const C = blk.C
    const N = (4 + 3) * blk.W
    for (let c = 0; c < C; c++) {
      const vals: number[] = []
      for (let t = 0; t < 4; t++)
        for (let b = 0; b < 2; b++)
          if (t < s.L[b])
            for (let f = 0; f < blk.W; f++) vals.push(blk.a[((t * 2 + b) * blk.W + f) * C + c])
      expect(vals).toHaveLength(N)
      const mean = vals.reduce((p, q) => p + q, 0) / N
      const varU = vals.reduce((p, q) => p + (q - mean) ** 2, 0) / (N - 1)
      expect(s.m.running[0].mean[c]).toBeCloseTo(BN_MOMENTUM * mean, 12)
      expect(s.m.running[0].var[c]).toBeCloseTo(1 - BN_MOMENTUM + BN_MOMENTUM * varU, 12)
      expect(Math.abs(mean)).toBeLessThan(1e3)
    }
  })
})

describe('CRNN tagger (TaggerConfig.frontEnd)', () => {
  it('gradients of a 2-layer BiGRU on a conv front end match central differences (ragged lengths)', () => {
    const config = {
      cell: 'gru' as const,
      inputSize: 6,
      hiddenSize: 4,
      numLayers: 2,
      numClasses: 3,
      bidirectional: true,
      dropout: 0,
      frontEnd: {
        blocks: [
          { channels: 3, pool: 2 },
          { channels: 2, pool: 1 },
        ],
      },
    }
    const m = createTagger(config, k)
    const rng = new Rng(21)
    initTagger(m.params, config, rng)
    for (const f of m.p.front!)
      for (let c = 0; c < f.beta.length; c++) f.beta[c] = 0.2 * rng.normal()
    const lengths = Int32Array.of(7, 5, 2)
    const [T, B] = [7, 3]
    const x = new Float64Array(T * B * 6)
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        if (t < lengths[b]) for (let f = 0; f < 6; f++) x[(t * B + b) * 6 + f] = rng.normal()
    const labels = Int32Array.from({ length: T * B }, () => rng.int(3))
    const ws = allocWorkspace(config, k, T, B)
    const loss = (): number => {
      taggerForward(ws, x, lengths, T, m, k, { training: true })
      return crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, 3).loss
    }
    loss()
    m.grads.fill(0)
    taggerBackward(ws, x, lengths, T, m, k)
    const grads = Float64Array.from(m.grads)
    const r = gradcheck(loss, m.params, grads, m.layout, { perTensor: 8, eps: 1e-6 })
    expect(r.maxRel, JSON.stringify(r.worst)).toBeLessThan(1e-5)
    expect(r.checked).toBeGreaterThan(60)
    // training mode leaves the running statistics (engine/train/calibrate.ts sets them)
    for (const f of m.p.front!) {
      expect([...f.mean].every((v) => v === 0)).toBe(true)
      expect([...f.var].every((v) => v === 1)).toBe(true)
    }
  })
})
