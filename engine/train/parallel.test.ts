// Data-parallel steps: 2 threads (caller + 1 worker) must train exactly like 1 thread, up to the
// order of float32 sums.
import { afterAll, describe, expect, it } from 'vitest'
import { initTagger } from '../../models/init'
import { Adam } from '../../models/optim'
import { Rng } from '../../models/rng'
import type { TaggerConfig } from '../../models/tagger'
import { DataParallelTrainer } from './parallel'

function batch(cfg: TaggerConfig, T: number, B: number, seed: number) {
  const r = new Rng(seed)
  const x = new Float32Array(T * B * cfg.inputSize)
  for (let i = 0; i < x.length; i++) x[i] = r.uniform() * 2 - 1
  const labels = new Int32Array(T * B)
  for (let i = 0; i < labels.length; i++) {
    labels[i] = r.uniform() < 0.1 ? -1 : Math.floor(r.uniform() * cfg.numClasses)
  }
  // sorted longest first, one sequence shorter than half
  const lengths = Int32Array.from({ length: B }, (_, b) => Math.max(1, T - 2 * b))
  return { x, labels, lengths }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

const open: DataParallelTrainer[] = []
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()))
})

describe('DataParallelTrainer', () => {
  for (const cell of ['lstm', 'gru', 'rnn-tanh'] as const) {
    // the GRU case carries self-attention (2 heads, window 3): its workspace and grads shard too
    const att = cell === 'gru' ? ' + attention' : ''
    it(`${cell}${att}: 1 thread = 2 threads = 2 threads × 2 passes (grads, Adam steps)`, async () => {
      const cfg: TaggerConfig = {
        cell,
        inputSize: 5,
        hiddenSize: 8,
        numLayers: 2,
        numClasses: 3,
        bidirectional: true,
        dropout: 0,
        ...(att ? { attention: { heads: 2, window: 3 } } : {}),
      }
      const [T, B] = [13, 7]
      const loss = { classWeights: [1, 2, 0.5] }
      const one = await DataParallelTrainer.create(cfg, { threads: 1, Tmax: T, Bmax: B, loss })
      const two = await DataParallelTrainer.create(cfg, { threads: 2, Tmax: T, Bmax: B, loss })
      const split = await DataParallelTrainer.create(cfg, {
        threads: 2,
        Tmax: T,
        Bmax: B,
        loss,
        maxRowsPerPass: 2,
      })
      open.push(one, two, split)
      expect(two.threads).toBe(2)
      expect(two.workerKernels).toEqual([two.kernelsName]) // the worker found the same addon
      expect(split.passes).toBe(2)
      initTagger(one.model.params, cfg, new Rng(3))
      two.model.params.set(one.model.params)
      split.model.params.set(one.model.params)
      const optOne = new Adam(one.model.params.length, { lr: 1e-2 })
      const optTwo = new Adam(two.model.params.length, { lr: 1e-2 })
      const optSplit = new Adam(split.model.params.length, { lr: 1e-2 })
      let gradDiff = 0
      for (let s = 0; s < 4; s++) {
        const { x, labels, lengths } = batch(cfg, T, B, 10 + s)
        const a = one.gradients(x, labels, lengths, T)
        const b = two.gradients(x, labels, lengths, T)
        const c = split.gradients(x, labels, lengths, T)
        expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6)
        expect(Math.abs(a.loss - c.loss)).toBeLessThan(1e-6)
        expect(a.count).toBe(b.count)
        gradDiff = Math.max(gradDiff, maxDiff(one.model.grads, two.model.grads))
        gradDiff = Math.max(gradDiff, maxDiff(one.model.grads, split.model.grads))
        // the comparison is not vacuous: the gradients are far from zero
        const zero = new Float32Array(one.model.grads.length)
        expect(maxDiff(one.model.grads, zero)).toBeGreaterThan(1e-3)
        optOne.step(one.model.params, one.model.grads)
        optTwo.step(two.model.params, two.model.grads)
        optSplit.step(split.model.params, split.model.grads)
      }
      expect(gradDiff).toBeLessThan(1e-6)
      // Adam divides by √v: summation-order noise in tiny gradients moves params by ~1e-6
      // (lr 1e-2, 4 steps move them by up to 4e-2)
      // ... except attention's key bias, whose true gradient is exactly 0 (a per-query constant
      // cancels in the softmax): Adam scales its pure round-off to lr-sized steps, so skip it
      const kb = one.model.layout.entries.find((e) => e.name === 'self_attn.in_proj_bias')
      const kept = (p: Float32Array): Float32Array =>
        kb ? p.filter((_, i) => i < kb.offset + 16 || i >= kb.offset + 32) : p // E = 16: [q|k|v]
      expect(maxDiff(kept(one.model.params), kept(two.model.params))).toBeLessThan(1e-5)
      expect(maxDiff(kept(one.model.params), kept(split.model.params))).toBeLessThan(1e-5)
    })
  }

  it('step() clips and updates, a shorter batch than Bmax works, TS kernels work', async () => {
    const cfg: TaggerConfig = {
      cell: 'gru',
      inputSize: 4,
      hiddenSize: 6,
      numLayers: 1,
      numClasses: 2,
      bidirectional: true,
      dropout: 0,
    }
    // the pure-TS fallback, in the caller and in the worker
    const t = await DataParallelTrainer.create(cfg, {
      threads: 2,
      Tmax: 10,
      Bmax: 6,
      kernels: 'ts',
    })
    open.push(t)
    expect([t.kernelsName, ...t.workerKernels]).toEqual(['ts', 'ts'])
    initTagger(t.model.params, cfg, new Rng(1))
    const before = t.model.params.slice()
    const { x, labels, lengths } = batch(cfg, 8, 3, 5)
    const r = t.step(x, labels, lengths, 8, new Adam(before.length, { lr: 1e-3 }), 1e-4)
    expect(r.gradNorm).toBeGreaterThan(1e-4)
    let norm = 0
    for (const g of t.model.grads) norm += g * g
    expect(Math.sqrt(norm)).toBeCloseTo(1e-4, 6)
    expect(maxDiff(before, t.model.params)).toBeGreaterThan(5e-4)
    expect(() => t.gradients(x, labels, lengths, 11)).toThrow(RangeError)
  })
})
