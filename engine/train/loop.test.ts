import { describe, expect, it } from 'vitest'
import { paramLayout, taggerViews } from '../../models/params'
import { Rng } from '../../models/rng'
import { classWeightsOf } from './config'
import { NonFiniteLossError, type Checkpoint } from './epochs'
import { chunksOf, trainTagger } from './loop'
import type { Sequence, TrainData } from '../data/sequences'
import { parseTrainSettings } from './settings'

/**
 * A synthetic tagging task: 3 noisy features; class 1 frames have feature 0 raised, class 2
 * frames have feature 1 raised; events last 5–20 frames on a background of class 0.
 */
function sequence(name: string, T: number, rng: Rng): Sequence {
  const x = new Float32Array(T * 3)
  const labels = new Int32Array(T)
  let t = 0
  while (t < T) {
    const gap = 10 + rng.int(30)
    t += gap
    const len = 5 + rng.int(16)
    const cls = 1 + rng.int(2)
    for (let u = t; u < Math.min(T, t + len); u++) labels[u] = cls
    t += len
  }
  for (let u = 0; u < T; u++) {
    for (let f = 0; f < 3; f++) x[u * 3 + f] = 0.5 * rng.normal()
    if (labels[u] === 1) x[u * 3] += 1.5
    if (labels[u] === 2) x[u * 3 + 1] += 1.5
  }
  return { name, x, labels }
}

function dataset(seed: number): TrainData {
  const rng = new Rng(seed)
  return {
    F: 3,
    classes: ['background', 'a', 'b'],
    train: Array.from({ length: 6 }, (_, i) => sequence(`train${i}`, 300, rng)),
    val: Array.from({ length: 2 }, (_, i) => sequence(`val${i}`, 300, rng)),
  }
}

const quick = (over: Record<string, unknown> = {}) =>
  parseTrainSettings({
    hidden: 12,
    layers: 1,
    epochs: 12,
    batch: 4,
    chunk: 100,
    lr: 0.02,
    threads: 1,
    patience: 0,
    ...over,
  })

describe('training loop', () => {
  it('learns a simple tagging task to a high validation macro-F1', async () => {
    const progress: number[] = []
    const r = await trainTagger(dataset(1), quick(), {
      kernels: 'ts',
      onProgress: (p) => progress.push(p.epoch),
    })
    const last = r.history.at(-1)!
    expect(r.history).toHaveLength(12)
    expect(last.trainLoss).toBeLessThan(r.history[0].trainLoss)
    expect(Math.max(...r.history.map((h) => h.valMacroF1))).toBeGreaterThan(0.85)
    expect(r.history[r.bestEpoch - 1].valMacroF1).toBe(
      Math.max(...r.history.map((h) => h.valMacroF1)),
    )
    expect(progress.at(-1)).toBe(12)
  })

  it('trains a residual 3-layer stack (setting passed through to the model)', async () => {
    const r = await trainTagger(dataset(1), quick({ layers: 3, residual: true, epochs: 6 }), {
      kernels: 'ts',
    })
    expect(r.config.residual).toBe(true)
    expect(Math.max(...r.history.map((h) => h.valMacroF1))).toBeGreaterThan(0.8)
  })

  it('trains with self-attention, global and windowed, on 2 worker threads (settings mapped to the model)', async () => {
    for (const attentionWindow of [0, 10]) {
      const r = await trainTagger(
        dataset(1),
        quick({ attentionHeads: 2, attentionWindow, epochs: 5, threads: 2 }),
        { kernels: 'ts' },
      )
      expect(r.config.attention).toEqual({ heads: 2, window: attentionWindow })
      expect(Math.max(...r.history.map((h) => h.valMacroF1))).toBeGreaterThan(0.8)
    }
    const plain = await trainTagger(dataset(1), quick({ epochs: 1 }), { kernels: 'ts' })
    expect(plain.config.attention).toBeUndefined()
  })

  it('is reproducible: same seed and data give identical weights; another seed does not', async () => {
    const s = quick({ epochs: 2, layers: 2, dropout: 0.3 })
    const a = await trainTagger(dataset(2), s, { kernels: 'ts' })
    const b = await trainTagger(dataset(2), s, { kernels: 'ts' })
    const c = await trainTagger(dataset(2), { ...s, seed: 99 }, { kernels: 'ts' })
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true)
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer))).toBe(false)
  })

  it('resumes from a checkpoint to the same weights as an uninterrupted run', async () => {
    const s = quick({ epochs: 3, patience: 0 })
    const full = await trainTagger(dataset(3), s, { kernels: 'ts' })
    let checkpoint: Checkpoint | undefined
    await trainTagger(
      dataset(3),
      { ...s, epochs: 2 },
      { kernels: 'ts', onEpoch: (_, c) => void (checkpoint = c) },
    )
    const resumed = await trainTagger(dataset(3), s, { kernels: 'ts', resume: checkpoint })
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3])
    expect(Array.from(resumed.params)).toEqual(Array.from(full.params))
  })

  it('stops early when validation stops improving', async () => {
    const r = await trainTagger(dataset(4), quick({ epochs: 40, patience: 2, lr: 0.05 }), {
      kernels: 'ts',
    })
    expect(r.stoppedEarly).toBe(true)
    expect(r.history.length).toBe(r.bestEpoch + 2)
  })

  it('reports a NaN loss with the step it happened at', async () => {
    const data = dataset(5)
    data.train[0].x[7] = Number.NaN
    await expect(trainTagger(data, quick({ epochs: 1 }), { kernels: 'ts' })).rejects.toThrow(
      NonFiniteLossError,
    )
    await expect(trainTagger(data, quick({ epochs: 1 }), { kernels: 'ts' })).rejects.toThrow(
      /at epoch 1, step \d+/,
    )
  })

  it('can be cancelled', async () => {
    const controller = new AbortController()
    const run = trainTagger(dataset(6), quick({ epochs: 50 }), {
      kernels: 'ts',
      signal: controller.signal,
      onProgress: (p) => p.step === 2 && controller.abort(),
    })
    await expect(run).rejects.toThrow(/abort/i)
  })
})

describe('training helpers', () => {
  it('cuts sequences into chunks that cover every frame once', () => {
    const seq = { name: 's', x: new Float32Array(250 * 2), labels: new Int32Array(250) }
    expect(chunksOf([seq], 100).map((c) => [c.start, c.length])).toEqual([
      [0, 100],
      [100, 100],
      [200, 50],
    ])
  })

  it('weights classes by inverse (square-root) frequency with mean 1', () => {
    const seq = {
      name: 's',
      x: new Float32Array(0),
      labels: Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, -1]),
    }
    const w = classWeightsOf([seq], 3, 'balanced')
    expect(w[1] / w[0]).toBeCloseTo(4, 10)
    expect((w[0] + w[1]) / 2).toBeCloseTo(1, 10)
    expect(w[2]).toBe(1) // absent class
    const s = classWeightsOf([seq], 2, 'sqrt-balanced')
    expect(s[1] / s[0]).toBeCloseTo(2, 10)
  })
})

describe('init setting', () => {
  it("init 'chrono' starts GRU keep gates at ln U(1, chunk − 1); 'default' at 0", async () => {
    // a learning rate of 1e-12 leaves the parameters where initialisation put them
    const at = async (init: 'default' | 'chrono') => {
      const r = await trainTagger(dataset(2), quick({ init, epochs: 1, lr: 1e-12, chunk: 100 }), {
        kernels: 'ts',
      })
      expect(r.params.length).toBe(paramLayout(r.config).size)
      return taggerViews(r.params, r.config).cells[0][0].bih.slice(12, 24) // z block (r, z, n), H = 12
    }
    expect([...(await at('default'))].every((b) => Math.abs(b) < 1e-9)).toBe(true)
    const z = await at('chrono')
    for (const b of z) {
      expect(b).toBeGreaterThanOrEqual(-1e-9)
      expect(b).toBeLessThanOrEqual(Math.log(99) + 1e-9)
    }
    expect(z.reduce((a, b) => a + b, 0) / z.length).toBeGreaterThan(2) // E[ln U(1, 99)] ≈ 3.6
  })
})
