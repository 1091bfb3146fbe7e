/**
 * The training loop over models/: epochs of shuffled minibatches of chunks, data-parallel steps
 * (train/parallel.ts), validation on held-out files each epoch, early stopping on a chosen
 * metric, the best parameters kept, NaN/Inf detected with the step it happened at, and an
 * optional resume from a checkpoint. Deterministic: the same data, settings and seed give the
 * same weights (for a given thread count).
 */
import { pickKernels } from '../kernels/load'
import { initTagger } from '../../models/init'
import { Rng } from '../../models/rng'
import type { TaggerConfig } from '../../models/tagger'
import { classWeightsOf, optimizerOf, taggerConfigOf } from './config'
import { EpochTracker, type TrainHooks } from './epochs'
import { FeedbackInputs } from './feedback'
import { DataParallelTrainer } from './parallel'
import type { Sequence, TrainData } from '../data/sequences'
import type { TrainSettings } from './settings'
import { validate } from './validate'
import { FrontEndCalibration } from './calibrate'
import { finalMultiLabel, validateMultiLabel, type MultiLabelResult } from './validate-multilabel'
import { positiveWeightsOf } from '../data/multi-hot'
import { closeCachedFeatures, readRows } from '../data/feature-cache'
import type { EpochRecord } from '../api'

export interface TrainResult {
  config: TaggerConfig
  /** Parameters of the best epoch. */
  params: Float32Array
  bestEpoch: number
  history: EpochRecord[]
  stoppedEarly: boolean
  /** Class weights used by the loss (a sigmoid head's: its positive weights, one per class). */
  classWeights: number[]
  /** Sigmoid head (settings.head): thresholds chosen on the validation files and their scores. */
  multiLabel?: MultiLabelResult
  /** How an output-recurrent model is decoded (for its metadata), else null. */
  decoder: { decode: 'greedy' | 'beam'; beam: number } | null
}

interface Chunk {
  seq: Sequence
  start: number
  length: number
}

/** Cut each sequence into chunks of at most `chunk` frames (a short tail joins the previous chunk's count). */
export function chunksOf(seqs: Sequence[], chunk: number): Chunk[] {
  const out: Chunk[] = []
  for (const seq of seqs) {
    const T = seq.labels.length
    for (let start = 0; start < T; start += chunk)
      out.push({ seq, start, length: Math.min(chunk, T - start) })
  }
  return out
}

/** Train a tagger on `data` with `settings`. */
export async function trainTagger(
  data: TrainData,
  settings: TrainSettings,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const C = data.classes.length
  const config = taggerConfigOf(settings, data.F, C)
  const multi = settings.head === 'sigmoid'
  if (multi)
    for (const s of [...data.train, ...data.val])
      if (s.targets?.length !== s.labels.length * C)
        throw new Error(
          `${s.name}: a multi-label (sigmoid) model needs (frames × ${C}) targets from an overlapping tier`,
        )
  const classWeights = multi
    ? positiveWeightsOf(
        data.train.map((s) => s.targets!),
        C,
        settings.classWeights,
      )
    : classWeightsOf(data.train, C, settings.classWeights)
  const chunks = chunksOf(data.train, settings.chunk)
  if (chunks.length === 0) throw new Error('no training data: label some files first')
  const Bmax = Math.min(settings.batch, chunks.length)
  const trainer = await DataParallelTrainer.create(config, {
    threads: settings.threads,
    Tmax: settings.chunk,
    Bmax,
    kernels: hooks.kernels ?? 'auto',
    loss: multi ? { posWeights: classWeights } : { classWeights, ignoreLabel: -1 },
    seed: settings.seed,
  })
  try {
    const params = trainer.model.params
    const optimizer = optimizerOf(params.length, settings)
    const F = data.F
    const x = new Float32Array(settings.chunk * Bmax * F) // (T, B, F)
    const feedback = config.outputRecurrence
      ? new FeedbackInputs(
          config,
          pickKernels(hooks.kernels ?? 'auto'),
          settings.chunk,
          Bmax,
          settings.scheduledSampling,
          settings.seed,
        )
      : null
    const labels = new Int32Array(settings.chunk * Bmax) // (T, B)
    const targets = multi ? new Float32Array(settings.chunk * Bmax * C) : null // (T, B, C)
    // a chunk's rows read from disk (data/feature-cache.ts), one chunk at a time
    const rowsBuf = data.train.some((s) => s.rows) ? new Float32Array(settings.chunk * F) : null
    const stepsPerEpoch = Math.ceil(chunks.length / Bmax)
    // a CRNN's batch norm running statistics, from the last batches of each epoch (calibrate.ts)
    const calibration = config.frontEnd
      ? new FrontEndCalibration(config, pickKernels(hooks.kernels ?? 'auto'), settings.chunk, Bmax)
      : null
    const tracker = new EpochTracker(settings, stepsPerEpoch, params, optimizer, hooks.resume, () =>
      initTagger(params, config, new Rng(settings.seed), {
        scheme: settings.init,
        maxTimescale: settings.chunk,
      }),
    )

    for (let epoch = tracker.firstEpoch; epoch <= settings.epochs; epoch++) {
      tracker.beginEpoch(epoch)
      const order = new Rng(settings.seed * 1_000_003 + epoch).shuffle(chunks.map((_, i) => i))
      for (let step = 0; step < stepsPerEpoch; step++) {
        hooks.signal?.throwIfAborted()
        const batch = order.slice(step * Bmax, (step + 1) * Bmax).map((i) => chunks[i])
        batch.sort((a, b) => b.length - a.length) // models/ wants the longest first
        const B = batch.length
        const T = batch[0].length
        const lengths = Int32Array.from(batch, (c) => c.length)
        x.fill(0, 0, T * B * F)
        labels.fill(-1, 0, T * B)
        targets?.fill(-1, 0, T * B * C)
        batch.forEach((c, b) => {
          const rows = c.seq.rows ? readRows(c.seq.rows, c.start, c.length, rowsBuf!) : c.seq.x
          const first = c.seq.rows ? 0 : c.start
          for (let t = 0; t < c.length; t++) {
            x.set(rows.subarray((first + t) * F, (first + t + 1) * F), (t * B + b) * F)
            labels[t * B + b] = c.seq.labels[c.start + t]
            const y = c.seq.targets?.subarray((c.start + t) * C, (c.start + t + 1) * C)
            if (targets && y) targets.set(y, (t * B + b) * C)
          }
        })
        const xb = x.subarray(0, T * B * F)
        const lb = labels.subarray(0, T * B)
        // output recurrence: x̃ = [x | onehot(y_{t−1})], teacher-forced or scheduled-sampled
        const xIn = feedback ? feedback.build(xb, lb, lengths, T, params, epoch, step) : xb
        const yb = targets ? targets.subarray(0, T * B * C) : lb
        const r = trainer.step(xIn, yb, lengths, T, optimizer, settings.clip)
        if (calibration?.counts(step, stepsPerEpoch)) calibration.add(params, xIn, lengths, T)
        const progress = tracker.step(step, r.loss, settings.clip > 0 ? r.gradNorm : 0, lengths) // throws when diverged
        hooks.onProgress?.(progress)
        await new Promise((resolve) => setImmediate(resolve)) // let cancel messages in
      }
      const kernels = hooks.kernels ?? 'auto'
      calibration?.apply(params)
      const { record, checkpoint, stop } = tracker.endEpoch(
        () =>
          multi
            ? validateMultiLabel(data.val, config, params, classWeights, kernels)
            : validate(data.val, config, params, classWeights, kernels),
        data.val.length > 0,
      )
      await hooks.onEpoch?.(record, checkpoint)
      if (stop) break
    }
    const decoder = config.outputRecurrence
      ? { decode: settings.decode, beam: settings.decode === 'beam' ? settings.beamWidth : 1 }
      : null
    return {
      config,
      params: tracker.best.params,
      bestEpoch: tracker.best.epoch,
      history: tracker.history,
      stoppedEarly: tracker.stoppedEarly,
      classWeights,
      decoder,
      ...(multi
        ? {
            multiLabel: finalMultiLabel(data, config, tracker.best.params, classWeights, {
              kernels: hooks.kernels ?? 'auto',
            }),
          }
        : {}),
    }
  } finally {
    await trainer.close()
    closeCachedFeatures()
  }
}
