/**
 * Training an output-recurrent tagger: the teacher-forced input (ignored frames and padding
 * break the chain), scheduled sampling (its ramp, the model's own free-running labels, seeded
 * draws), and a learning test where phases 1 → 2 → 3 must come in order, through the
 * data-parallel trainer.
 */
import { describe, expect, it } from 'vitest'
import { decodeWithTagger, greedyBatch } from '../../models/feedback'
import { initTagger } from '../../models/init'
import { tsKernels } from '../../models/kernels-ts'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { PHASE_CLASSES, phaseSequences, scorePhases } from '../data/phases'
import { FeedbackInputs, samplingProbability, SS_RAMP_EPOCHS } from './feedback'
import { trainTagger } from './loop'
import { validate } from './validate'
import { parseTrainSettings } from './settings'

const [F, C] = [2, 3]
const config: TaggerConfig = {
  cell: 'gru',
  inputSize: F + C,
  hiddenSize: 5,
  numLayers: 1,
  numClasses: C,
  bidirectional: false,
  dropout: 0,
  outputRecurrence: true,
}

describe('feedback inputs', () => {
  // T = 4, B = 2 (lengths 4, 3), time-major; label −1 at (t = 1, b = 0)
  const lengths = Int32Array.of(4, 3)
  const labels = Int32Array.from([2, 0, -1, 1, 1, 2, 0, -1])
  const x = Float32Array.from({ length: 4 * 2 * F }, (_, i) => i + 1)

  it('teacher forcing: [x | onehot(y_{t−1})], zero at t = 0, after an ignored label and on padding', () => {
    const fi = new FeedbackInputs(config, tsKernels, 4, 2, 0, 1)
    const out = fi.build(x, labels, lengths, 4, new Float32Array(1), 3, 0)
    const row = (t: number, b: number) => [...out.subarray((t * 2 + b) * 5, (t * 2 + b + 1) * 5)]
    expect(row(0, 0)).toEqual([1, 2, 0, 0, 0])
    expect(row(1, 0)).toEqual([5, 6, 0, 0, 1]) // y_0 = 2
    expect(row(1, 1)).toEqual([7, 8, 1, 0, 0]) // y_0 = 0
    expect(row(2, 0)).toEqual([9, 10, 0, 0, 0]) // y_1 ignored: the chain breaks
    expect(row(2, 1)).toEqual([11, 12, 0, 1, 0])
    expect(row(3, 0)).toEqual([13, 14, 0, 1, 0]) // y_2 = 1
    expect(row(3, 1)).toEqual([15, 16, 0, 0, 0]) // padding: no label fed back
  })

  it('ε ramps from 0 at epoch 1 to ε_max after SS_RAMP_EPOCHS', () => {
    expect(samplingProbability(0.5, 1)).toBe(0)
    expect(samplingProbability(0.5, 1 + SS_RAMP_EPOCHS / 2)).toBeCloseTo(0.25, 12)
    expect(samplingProbability(0.5, 1 + SS_RAMP_EPOCHS)).toBe(0.5)
    expect(samplingProbability(0.5, 100)).toBe(0.5)
  })

  it('scheduled sampling feeds the free-running labels, seeded by (seed, epoch, step)', () => {
    const T = 50
    const B = 3
    const lens = Int32Array.of(50, 40, 30)
    const rng = new Rng(4)
    const xs = Float32Array.from({ length: T * B * F }, () => rng.normal(0, 2))
    const ys = Int32Array.from({ length: T * B }, () => rng.int(C))
    const m = createTagger(config, tsKernels)
    initTagger(m.params, config, new Rng(3))
    for (let i = 0; i < m.p.Wout.length; i++) m.p.Wout[i] *= 4
    const own = greedyBatch(new Int32Array(T * B), m, tsKernels, xs, lens, T)
    const fed = (eps: number, epoch: number, step: number, seed = 1) =>
      Array.from(
        new FeedbackInputs(config, tsKernels, T, B, eps, seed).build(
          xs,
          ys,
          lens,
          T,
          m.params,
          epoch,
          step,
        ),
      )
    const prevOf = (out: number[], t: number, b: number): number => {
      const r = out.slice((t * B + b) * 5 + F, (t * B + b + 1) * 5)
      return r.indexOf(1)
    }
    // ε = 1 after the ramp: every fed label is the model's own previous label
    const all = fed(1, 1 + SS_RAMP_EPOCHS, 0)
    for (let b = 0; b < B; b++)
      for (let t = 1; t < lens[b]; t++) expect(prevOf(all, t, b)).toBe(own[(t - 1) * B + b])
    // epoch 1 is teacher forcing whatever ε
    expect(fed(1, 1, 0)).toEqual(fed(0, 1, 0))
    // ε = 0.5: same (seed, epoch, step) ⇒ same input; another step or seed ⇒ other draws
    const a = fed(0.5, 9, 3)
    expect(fed(0.5, 9, 3)).toEqual(a)
    expect(fed(0.5, 9, 4)).not.toEqual(a)
    expect(fed(0.5, 9, 3, 2)).not.toEqual(a)
    // about half of the frames whose own and true labels differ were fed the own label
    let [differ, took] = [0, 0]
    for (let b = 0; b < B; b++)
      for (let t = 1; t < lens[b]; t++) {
        const [truth, mine] = [ys[(t - 1) * B + b], own[(t - 1) * B + b]]
        if (truth === mine) continue
        differ++
        took += +(prevOf(a, t, b) === mine)
      }
    expect(differ).toBeGreaterThan(40)
    expect(took / differ).toBeGreaterThan(0.3)
    expect(took / differ).toBeLessThan(0.7)
  })
})

describe('learning ordered phases', () => {
  it('an output-recurrent GRU decodes phases 1 → 2 → 3 in order (2 threads, scheduled sampling) where a plain tagger flickers', async () => {
    const data = {
      F: 4,
      classes: PHASE_CLASSES,
      train: phaseSequences(48, 11, 240, 0.8),
      val: phaseSequences(6, 12, 240, 0.8),
    }
    const settings = parseTrainSettings({
      cell: 'gru',
      hidden: 16,
      layers: 1,
      bidirectional: false,
      outputRecurrence: true,
      scheduledSampling: 0.5,
      epochs: 20,
      patience: 0,
      chunk: 120,
      classWeights: 'none',
      threads: 2,
      seed: 3,
    })
    const r = await trainTagger(data, settings, { kernels: 'ts' })
    expect(r.config.inputSize).toBe(4 + 4)
    expect(r.decoder).toEqual({
      decode: settings.decode,
      beam: settings.decode === 'beam' ? settings.beamWidth : 1,
    })
    const last = r.history[r.history.length - 1]
    expect(last.valAccuracy).toBeGreaterThan(0.6) // chance (most frequent class) ≈ 0.45
    // validation decodes free-running: score the same decode for order
    const m = createTagger(r.config, tsKernels)
    m.params.set(r.params)
    const truth = data.val.map((s) => s.labels)
    const decode = (w: number) =>
      data.val.map((s) => decodeWithTagger(m, tsKernels, s.x, s.labels.length, w).path)
    const greedy = scorePhases(truth, decode(1))
    expect(greedy.accuracy).toBeCloseTo(
      validate(data.val, r.config, r.params, null, 'ts').accuracy,
      9,
    )
    const beam = scorePhases(truth, decode(4))
    // the plain unidirectional tagger, trained alike, flickers between phases (argmax per frame)
    const plain = await trainTagger(
      data,
      { ...settings, outputRecurrence: false },
      { kernels: 'ts' },
    )
    const pm = createTagger(plain.config, tsKernels)
    pm.params.set(plain.params)
    const plainPaths = data.val.map((s) => {
      const ws = allocWorkspace(plain.config, tsKernels, s.labels.length, 1)
      taggerForward(ws, s.x, Int32Array.of(s.labels.length), s.labels.length, pm, tsKernels)
      return Int32Array.from(s.labels, (_, t) => {
        let best = 0
        for (let c = 1; c < 4; c++) if (ws.logits[t * 4 + c] > ws.logits[t * 4 + best]) best = c
        return best
      })
    })
    const flat = scorePhases(truth, plainPaths)
    // illegal label changes per 100 true events
    expect(flat.violations).toBeGreaterThan(100)
    expect(beam.violations).toBeLessThan(flat.violations / 3)
    expect(greedy.violations).toBeLessThan(flat.violations / 2)
    expect(beam.eventF1).toBeGreaterThan(flat.eventF1)
  }, 120_000)
})
