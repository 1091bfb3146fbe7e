/**
 * Training inputs of an output-recurrent tagger (models/feedback.ts): each minibatch's features
 * get the previous frame's label appended, x̃_t = [x_t | onehot(y_{t−1})], before the
 * data-parallel step, so the trainer and its replicas train a plain tagger on F + C columns.
 *
 * Teacher forcing feeds the true y_{t−1}. Scheduled sampling (Bengio et al. 2015), batched: a
 * first pass without gradients decodes each chunk greedily, free-running (the model's own
 * labels fed back, as at inference: models/feedback.ts greedyBatch), and the training pass
 * feeds that ŷ_{t−1} instead of y_{t−1} with probability ε at each frame. The first pass runs
 * free, not teacher-forced (Duckworth et al. 2019's parallel form), because teacher-forced labels
 * are nearly always right and so teach too little recovery (docs/sequence-models.md, "Output
 * recurrence"). ε ramps up linearly over the first
 * SS_RAMP_EPOCHS epochs, ε_e = ε_max · min(1, (e − 1) / SS_RAMP_EPOCHS): epoch 1 is pure teacher
 * forcing, because an untrained model's labels are noise. The draws come from a seed of
 * (seed, epoch, step), so a run resumed from a checkpoint feeds the same labels.
 */
import type { Kernels } from '../../models/kernels'
import { previousLabelInput } from '../../models/label-decoding'
import { concatFeedback, greedyBatch } from '../../models/feedback'
import { Rng } from '../../models/rng'
import { createTagger, type Tagger, type TaggerConfig } from '../../models/tagger'

/** Epochs over which ε grows from 0 to its maximum. */
export const SS_RAMP_EPOCHS = 5

/** ε of epoch e (1-based) for a maximum ε_max. */
export function samplingProbability(maxProb: number, epoch: number): number {
  return maxProb * Math.min(1, Math.max(0, epoch - 1) / SS_RAMP_EPOCHS)
}

export class FeedbackInputs {
  private readonly F: number
  private readonly C: number
  private readonly x: Float32Array // (T, B, F + C)
  private readonly prev: Float32Array // (T, B, C)
  private readonly predicted: Int32Array // (T, B)
  private readonly m: Tagger<Float32Array> | null

  constructor(
    readonly config: TaggerConfig,
    private readonly k: Kernels,
    Tmax: number,
    Bmax: number,
    /** ε_max; 0 = teacher forcing only (no first pass). */
    readonly scheduledSampling: number,
    private readonly seed: number,
  ) {
    if (!config.outputRecurrence) throw new Error('FeedbackInputs needs an output-recurrent config')
    this.C = config.numClasses
    this.F = config.inputSize - this.C
    this.x = new Float32Array(Tmax * Bmax * config.inputSize)
    this.prev = new Float32Array(Tmax * Bmax * this.C)
    this.predicted = new Int32Array(Tmax * Bmax)
    // the first pass runs in the calling thread without dropout (the replicas' forward is fused
    // with their backward), frame by frame, and only with ε_max > 0
    this.m = scheduledSampling > 0 ? createTagger(config, k) : null
  }

  /**
   * x̃ (T, B, F + C) for features x (T, B, F) and labels (T, B) (−1 = ignored), at training
   * epoch `epoch` and step `step` with the current `params`. The returned view is reused.
   */
  build(
    x: Float32Array,
    labels: Int32Array,
    lengths: Int32Array,
    T: number,
    params: Float32Array,
    epoch: number,
    step: number,
  ): Float32Array {
    const { F, C } = this
    const B = lengths.length
    const out = this.x.subarray(0, T * B * (F + C))
    const prev = this.prev.subarray(0, T * B * C)
    previousLabelInput(prev, labels, lengths, T, C)
    concatFeedback(out, x, prev, T * B, F, C)
    const eps = samplingProbability(this.scheduledSampling, epoch)
    if (eps <= 0 || !this.m) return out
    // first pass: the model's own free-running labels ŷ (T, B)
    this.m.params.set(params)
    greedyBatch(this.predicted, this.m, this.k, x, lengths, T)
    const rng = new Rng((this.seed * 1_000_003 + epoch * 65_537 + step) >>> 0)
    previousLabelInput(prev, labels, lengths, T, C, { predicted: this.predicted, prob: eps, rng })
    return concatFeedback(out, x, prev, T * B, F, C)
  }
}
