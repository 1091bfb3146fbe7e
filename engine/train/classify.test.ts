/**
 * Clip classification training: it learns the synthetic cue-at-a-random-place clips, is
 * reproducible from its seed, resumes exactly from a checkpoint, crops long files, stops on a
 * NaN loss with a clear error, and cancels.
 */
import { describe, expect, it } from 'vitest'
import { syntheticClips } from '../data/clips'
import { CROP, trainClassifier, validateClips, type ClipData } from './classify'
import type { Checkpoint } from './epochs'
import { parseTrainSettings } from './settings'

const data = (n = 48, frames = 60): ClipData => ({
  F: 8,
  classes: ['a', 'b', 'c', 'd'],
  train: syntheticClips(n, 1, { frames, amplitude: 4, distractors: 0 }),
  val: syntheticClips(16, 2, { frames, amplitude: 4, distractors: 0 }),
})
const settings = (o: Record<string, unknown> = {}) =>
  parseTrainSettings({
    task: 'classify',
    hidden: 16,
    layers: 1,
    epochs: 6,
    batch: 8,
    patience: 0,
    lr: 1e-2,
    ...o,
  })

describe('trainClassifier', () => {
  it('learns which cue a clip holds (attention pooling), far above chance on held-out clips', async () => {
    const d = data()
    const r = await trainClassifier(d, settings({ epochs: 10, pooling: 'attention' }), {
      kernels: 'ts',
    })
    const test = syntheticClips(64, 3, { frames: 60, amplitude: 4, distractors: 0 })
    const v = validateClips(test, r.config, r.pooling, r.params, null, 'ts')
    console.log(
      `held-out accuracy ${v.accuracy.toFixed(3)} (chance 0.25), history`,
      r.history.map((h) => h.valAccuracy.toFixed(2)).join(' '),
    )
    expect(v.accuracy).toBeGreaterThan(0.7)
    expect(r.history[r.bestEpoch - 1].valAccuracy).toBe(
      Math.max(...r.history.map((h) => h.valAccuracy)),
    )
    expect(r.history[0].trainLoss).toBeGreaterThan(r.history.at(-1)!.trainLoss)
  }, 60_000)

  it('is reproducible from its seed, for every pooling', async () => {
    for (const pooling of ['mean', 'max', 'attention'] as const) {
      const s = settings({ epochs: 2, pooling, layers: 2, dropout: 0.2 })
      const a = await trainClassifier(data(16), s, { kernels: 'ts' })
      const b = await trainClassifier(data(16), s, { kernels: 'ts' })
      expect(a.params).toEqual(b.params)
      const c = await trainClassifier(data(16), { ...s, seed: 2 }, { kernels: 'ts' })
      expect(c.params).not.toEqual(a.params)
    }
  })

  it('resumes from a checkpoint to the same weights as an uninterrupted run', async () => {
    const s = settings({ epochs: 4 })
    const full = await trainClassifier(data(16), s, { kernels: 'ts' })
    let at2: Checkpoint | undefined
    await trainClassifier(
      data(16),
      { ...s, epochs: 2 },
      { kernels: 'ts', onEpoch: (_, c) => void (c.epoch === 2 && (at2 = c)) },
    )
    const resumed = await trainClassifier(data(16), s, { kernels: 'ts', resume: at2 })
    expect(resumed.params).toEqual(full.params)
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4])
  })

  it(`trains on at most ${CROP} frames of a long file per step, and validates on whole files`, async () => {
    // The training workspace holds CROP frames, so an uncropped step would throw (batch exceeds
    // workspace); validation runs the whole CROP + 500 frames.
    const long = syntheticClips(2, 5, { frames: CROP + 500 })
    const r = await trainClassifier(
      { F: 8, classes: ['a', 'b', 'c', 'd'], train: long, val: long.slice(0, 1) },
      settings({ epochs: 1, hidden: 4 }),
      {
        kernels: 'ts',
      },
    )
    expect(Number.isFinite(r.history[0].valLoss)).toBe(true)
  }, 60_000)

  it('stops with a clear error when the loss is not finite', async () => {
    const d = data(8)
    d.train[0].x[5] = NaN
    await expect(trainClassifier(d, settings({ epochs: 1 }), { kernels: 'ts' })).rejects.toThrow(
      /training diverged: the loss became NaN at epoch 1/,
    )
  })

  it('refuses one clip class, and cancels', async () => {
    const d = data(8)
    await expect(
      trainClassifier({ ...d, classes: ['a'] }, settings(), { kernels: 'ts' }),
    ).rejects.toThrow(/at least 2 clip classes/)
    const controller = new AbortController()
    controller.abort()
    await expect(
      trainClassifier(d, settings(), { kernels: 'ts', signal: controller.signal }),
    ).rejects.toThrow(/abort/i)
  })
})
