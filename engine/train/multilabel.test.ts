/**
 * The multi-label (sigmoid) training path: data-parallel gradients equal single-thread ones,
 * thresholds are chosen as documented, and a short run on overlapping synthetic events learns
 * them (validation thresholds, segment- and event-based scores in the result).
 */
import { describe, expect, it } from 'vitest'
import { initTagger } from '../../models/init'
import { Rng } from '../../models/rng'
import type { TaggerConfig } from '../../models/tagger'
import type { ClassMap } from '../data/dataset'
import { frameLabels } from '../data/dataset'
import { multiHotTargets, multiLabelClasses } from '../data/multi-hot'
import type { Sequence, TrainData } from '../data/sequences'
import { POLYPHONIC_CLASSES, polyphonicFile } from '../data/synthetic-polyphonic'
import { trainTagger } from './loop'
import { DataParallelTrainer } from './parallel'
import { parseTrainSettings } from './settings'
import { chooseThresholds } from './validate-multilabel'

const classMap = (C: number): ClassMap => ({
  names: ['background', ...POLYPHONIC_CLASSES.slice(0, C)],
  background: 'background',
  ignore: [],
})

function sequenceOf(seed: number, C: number, seconds: number): Sequence {
  const f = polyphonicFile(seed, { classes: C, seconds })
  const map = classMap(C)
  return {
    name: f.name,
    x: f.x,
    labels: frameLabels(f.segments, f.frameTimes, map, f.name),
    targets: multiHotTargets(f.segments, f.frameTimes, map, f.name),
  }
}

describe('sigmoid head, data parallel', () => {
  it('2 threads, and 2 threads × 3 passes, give the gradients and loss of 1 thread (masked, positive-weighted)', async () => {
    const cfg: TaggerConfig = {
      cell: 'gru',
      inputSize: 16,
      hiddenSize: 8,
      numLayers: 1,
      numClasses: 3,
      bidirectional: true,
      dropout: 0,
      head: 'sigmoid',
    }
    const rng = new Rng(5)
    const [T, B, C] = [20, 5, 3]
    const x = new Float32Array(T * B * 16).map(() => rng.normal())
    const y = new Float32Array(T * B * C).map(() =>
      rng.uniform() < 0.1 ? -1 : rng.uniform() < 0.3 ? 1 : 0,
    )
    const lengths = Int32Array.of(20, 18, 11, 7, 3)
    const run = async (threads: number, maxRowsPerPass?: number) => {
      const tr = await DataParallelTrainer.create(cfg, {
        threads,
        maxRowsPerPass,
        Tmax: T,
        Bmax: B,
        kernels: 'ts',
        loss: { posWeights: [2, 0.5, 1.5] },
      })
      try {
        initTagger(tr.model.params, cfg, new Rng(1))
        const r = tr.gradients(x, y, lengths, T)
        return { loss: r.loss, count: r.count, grads: Float32Array.from(tr.model.grads) }
      } finally {
        await tr.close()
      }
    }
    const one = await run(1)
    for (const other of [await run(2), await run(2, 1)]) {
      expect(other.count).toBe(one.count)
      expect(other.loss).toBeCloseTo(one.loss, 6)
      let diff = 0
      for (let i = 0; i < one.grads.length; i++)
        diff = Math.max(diff, Math.abs(one.grads[i] - other.grads[i]))
      expect(diff).toBeLessThan(1e-6)
    }
    expect(Math.max(...one.grads.map(Math.abs))).toBeGreaterThan(1e-3)
  })

  it('refuses integer labels for a sigmoid head', async () => {
    const cfg: TaggerConfig = {
      cell: 'gru',
      inputSize: 2,
      hiddenSize: 2,
      numLayers: 1,
      numClasses: 2,
      bidirectional: false,
      dropout: 0,
      head: 'sigmoid',
    }
    const tr = await DataParallelTrainer.create(cfg, { threads: 1, Tmax: 2, Bmax: 1 })
    try {
      expect(() =>
        tr.gradients(new Float32Array(4), new Int32Array(2), Int32Array.of(2), 2),
      ).toThrow(/\(T, B, C\) float targets/)
    } finally {
      await tr.close()
    }
  })
})

describe('chooseThresholds', () => {
  it('takes the grid value of highest frame F1 (within 0.01, nearest 0.5); 0.5 for a class never on', () => {
    // class 0: positives at 0.9, 0.7, 0.3; negatives at 0.6, 0.1
    //   θ ≤ 0.3: TP 3 FP 1 (F1 6/7); 0.3 < θ ≤ 0.6: TP 2 FP 1 (4/6); 0.6 < θ ≤ 0.7: TP 2 FP 0 (4/5)
    // class 1: never positive
    const p = Float32Array.of(0.9, 0.2, 0.7, 0.9, 0.3, 0.1, 0.6, 0.4, 0.1, 0.3)
    const y = Float32Array.of(1, 0, 1, 0, 1, 0, 0, 0, 0, 0)
    const r = chooseThresholds([p], [y], 2)
    // F1 6/7 holds for every θ in 0.15…0.30; the one nearest 0.5 is 0.3
    expect(r.thresholds).toEqual([0.3, 0.5])
    expect(r.f1[0]).toBeCloseTo(6 / 7, 12)
    expect(r.f1[1]).toBe(0)
    // without tolerance the same curve; a near-tie within 0.01 goes to the value nearer 0.5
    expect(chooseThresholds([p], [y], 2, 0).thresholds).toEqual([0.3, 0.5])
    // 100 positives at 0.9, one negative at 0.52: F1 200/201 at θ 0.5, 1 at θ 0.55 (+0.005)
    const q = Float32Array.of(...Array<number>(100).fill(0.9), 0.52)
    const z = Float32Array.of(...Array<number>(100).fill(1), 0)
    expect(chooseThresholds([q], [z], 1).thresholds).toEqual([0.5])
    expect(chooseThresholds([q], [z], 1, 0).thresholds).toEqual([0.55])
    // 10 positives at 0.9, one negative at 0.52: F1 20/21 at θ 0.5 vs 1 at 0.55 (+0.048)
    const w = Float32Array.of(...Array<number>(10).fill(0.9), 0.52)
    const v = Float32Array.of(...Array<number>(10).fill(1), 0)
    expect(chooseThresholds([w], [v], 1).thresholds).toEqual([0.55])
  })
})

describe('training a multi-label tagger on overlapping events', () => {
  it('learns the overlaps: thresholds from validation, segment and event F1 reported', async () => {
    const C = 3
    const data: TrainData = {
      F: 16,
      classes: multiLabelClasses(classMap(C)),
      train: [1, 2, 3, 4].map((s) => sequenceOf(s, C, 40)),
      val: [5, 6].map((s) => sequenceOf(s, C, 40)),
      frameHop: 0.02,
    }
    const settings = parseTrainSettings({
      head: 'sigmoid',
      hidden: 16,
      layers: 1,
      epochs: 6,
      chunk: 200,
      batch: 8,
      lr: 1e-2,
      patience: 0,
    })
    const r = await trainTagger(data, settings, { kernels: 'auto' })
    expect(r.config.head).toBe('sigmoid')
    expect(r.classWeights).toHaveLength(C)
    const ml = r.multiLabel!
    expect(ml.thresholdsFrom).toBe('validation')
    expect(ml.thresholds).toHaveLength(C)
    const best = r.history[r.bestEpoch - 1]
    console.log(
      `multi-label: val macro-F1 ${best.valMacroF1.toFixed(3)}, segment F1 ${ml.segment!.micro.f1.toFixed(3)}, event F1 ${ml.event!.micro.f1.toFixed(3)}, thresholds ${ml.thresholds.join(' ')}`,
    )
    expect(best.valMacroF1).toBeGreaterThan(0.8)
    expect(ml.segment!.micro.f1).toBeGreaterThan(0.8)
    expect(ml.segment!.perClass.map((c) => c.label)).toEqual(data.classes)
    expect(ml.event!.micro.tp).toBeGreaterThan(0)
  }, 120_000)
})
