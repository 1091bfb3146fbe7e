/**
 * A CRNN's running statistics (calibrate.ts): pooled batch statistics of the counted batches
 * (one batch: exactly its mean and variance; two: the population's over both), and training
 * leaves them set from the data at every epoch's end.
 */
import { describe, expect, it } from 'vitest'
import { allocConvWorkspace, convForward } from '../../models/conv'
import { initTagger } from '../../models/init'
import { tsKernels } from '../../models/kernels-ts'
import { Rng } from '../../models/rng'
import { convOf, createTagger, type TaggerConfig } from '../../models/tagger'
import { FrontEndCalibration, LAST_STEPS } from './calibrate'
import { trainTagger } from './loop'
import { parseTrainSettings } from './settings'

const config: TaggerConfig = {
  cell: 'gru',
  inputSize: 6,
  hiddenSize: 4,
  numLayers: 1,
  numClasses: 2,
  bidirectional: true,
  dropout: 0,
  frontEnd: { blocks: [{ channels: 3, pool: 2 }] },
}

function batch(seed: number, T: number, B: number, shift: number) {
  const rng = new Rng(seed)
  return Float32Array.from({ length: T * B * 6 }, () => rng.normal() + shift)
}

describe('front end calibration', () => {
  it('one batch gives its own statistics; two give the pooled population ones', () => {
    const m = createTagger(config, tsKernels)
    initTagger(m.params, config, new Rng(1))
    const [T, B] = [9, 2]
    const lengths = Int32Array.of(9, 9)
    const cal = new FrontEndCalibration(config, tsKernels, T, B)
    const x1 = batch(2, T, B, 0)
    const x2 = batch(3, T, B, 1.5)
    const ws = allocConvWorkspace(convOf(m)!.config, tsKernels, T, B)
    const statsOf = (x: Float32Array) => {
      convForward(ws, x, lengths, T, convOf(m)!, tsKernels, true, { updateRunning: false })
      const bn = ws.blocks[0].bn
      return { mean: Array.from(bn.mean), v: Array.from(bn.invStd, (s) => 1 / s ** 2 - 1e-5) }
    }
    const s1 = statsOf(x1)
    const s2 = statsOf(x2)
    cal.add(m.params, x1, lengths, T)
    cal.apply(m.params)
    const f = m.p.front![0]
    for (let c = 0; c < 3; c++) {
      expect(f.mean[c]).toBeCloseTo(s1.mean[c], 5)
      expect(f.var[c]).toBeCloseTo(s1.v[c], 4)
    }
    cal.add(m.params, x1, lengths, T)
    cal.add(m.params, x2, lengths, T)
    cal.apply(m.params)
    for (let c = 0; c < 3; c++) {
      const mean = (s1.mean[c] + s2.mean[c]) / 2
      const pooled = (s1.v[c] + s1.mean[c] ** 2 + s2.v[c] + s2.mean[c] ** 2) / 2 - mean ** 2
      expect(f.mean[c]).toBeCloseTo(mean, 5)
      expect(f.var[c]).toBeCloseTo(pooled, 4)
    }
    expect(cal.counts(99, 100)).toBe(true)
    expect(cal.counts(100 - LAST_STEPS - 1, 100)).toBe(false)
  })

  it('training a CRNN sets the running statistics from the data and validates with them', async () => {
    // 6 features offset from 0 (so the statistics are not the init's), label = first two's sign
    const seq = (seed: number) => {
      const x = batch(seed, 300, 1, 2)
      const labels = Int32Array.from({ length: 300 }, (_, t) =>
        x[t * 6] + x[t * 6 + 1] > 4 ? 1 : 0,
      )
      return { name: `s${seed}`, x, labels }
    }
    const data = { F: 6, classes: ['a', 'b'], train: [seq(1), seq(2), seq(3)], val: [seq(4)] }
    const settings = parseTrainSettings({
      frontEnd: 'conv',
      convBlocks: 2,
      convChannels: 4,
      hidden: 8,
      layers: 1,
      epochs: 2,
      chunk: 100,
      threads: 1,
      patience: 0,
    })
    const r = await trainTagger(data, settings, { kernels: 'ts' })
    expect(r.config.frontEnd?.blocks).toHaveLength(2)
    const front = createTagger(r.config, tsKernels)
    front.params.set(r.params)
    for (const f of front.p.front!) {
      expect([...f.mean].some((v) => v !== 0)).toBe(true)
      expect([...f.var].some((v) => v !== 1)).toBe(true)
      expect([...f.var].every((v) => v >= 0 && Number.isFinite(v))).toBe(true)
    }
    expect(r.history.every((h) => Number.isFinite(h.valLoss))).toBe(true)
  })
})
