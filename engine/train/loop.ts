/**
 * The training loop over models/: epochs of shuffled minibatches of chunks, data-parallel steps
 * (train/parallel.ts), validation on held-out files each epoch, early stopping on a chosen
 * metric, the best parameters kept, NaN/Inf detected with the step it happened at, and an
 * optional resume from a checkpoint. Deterministic: the same data, settings and seed give the
 * same weights (for a given thread count).
 */
import type { EpochRecord, TrainProgress } from '../api'
import type { KernelsChoice } from '../kernels/load'
import { pickKernels } from '../kernels/load'
import { initTagger } from '../../models/init'
import { crossEntropy } from '../../models/loss'
import { Adam, adamW } from '../../models/optim'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { previousLabelInput } from '../../models/decode'
import { concatFeedback, decodeWithTagger } from '../../models/feedback'
import { FeedbackInputs } from './feedback'
import { DataParallelTrainer } from './parallel'
import type { TrainSettings } from './settings'
import { confusionScores } from '../metrics'

/** One labelled sequence (a file): features and frame labels, batch-major. */
export interface Sequence {
  /** File it came from (for messages and per-file scores). */
  name: string
  /** (T, F) features. */
  x: Float32Array
  /** (T) class index per frame, −1 for frames that must not count (ignore). */
  labels: Int32Array
}

export interface TrainData {
  /** Features per frame. */
  F: number
  /** Class names; label k is classes[k]. */
  classes: string[]
  train: Sequence[]
  val: Sequence[]
}

export type { EpochRecord, TrainProgress } from '../api'

/** What a checkpoint holds: enough to continue training exactly where it stopped. */
export interface Checkpoint {
  epoch: number
  params: Float32Array
  best: { params: Float32Array; epoch: number; score: number }
  optimizer: { t: number; m: Float64Array; v: Float64Array }
  history: EpochRecord[]
}

export interface TrainResult {
  config: TaggerConfig
  /** Parameters of the best epoch. */
  params: Float32Array
  bestEpoch: number
  history: EpochRecord[]
  stoppedEarly: boolean
  /** Class weights used by the loss. */
  classWeights: number[]
  /** How an output-recurrent model is decoded (for its metadata), else null. */
  decoder: { decode: 'greedy' | 'beam'; beam: number } | null
}

export interface TrainHooks {
  onProgress?: (p: TrainProgress) => void
  /** After each epoch, with a checkpoint to persist. */
  onEpoch?: (record: EpochRecord, checkpoint: Checkpoint) => void | Promise<void>
  signal?: AbortSignal
  /** Continue from this checkpoint. */
  resume?: Checkpoint
  /** Kernels for the replicas ('auto': native when built). */
  kernels?: KernelsChoice
}

/** Thrown when the loss or gradients stop being finite. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError'
}

/** Frames per validation window: bounds memory on hour-long files. */
const VAL_WINDOW = 4000

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
    for (let start = 0; start < T; start += chunk) out.push({ seq, start, length: Math.min(chunk, T - start) })
  }
  return out
}

/** Per-class loss weights from label frequencies: 'balanced' 1/f, 'sqrt-balanced' 1/√f, mean 1 over present classes. */
export function classWeightsOf(seqs: Sequence[], C: number, mode: TrainSettings['classWeights']): number[] {
  if (mode === 'none') return Array(C).fill(1)
  const counts = new Array<number>(C).fill(0)
  for (const s of seqs) for (const y of s.labels) if (y >= 0) counts[y]++
  const raw = counts.map((n) => (n === 0 ? 0 : mode === 'balanced' ? 1 / n : 1 / Math.sqrt(n)))
  const present = raw.filter((w) => w > 0)
  const mean = present.reduce((a, b) => a + b, 0) / Math.max(1, present.length)
  return raw.map((w) => (w > 0 ? w / mean : 1))
}

export function taggerConfigOf(settings: TrainSettings, F: number, C: number): TaggerConfig {
  return {
    cell: settings.cell,
    // output recurrence appends onehot(y_{t−1}) to the features (train/feedback.ts)
    inputSize: settings.outputRecurrence ? F + C : F,
    hiddenSize: settings.hidden,
    numLayers: settings.layers,
    numClasses: C,
    bidirectional: settings.bidirectional,
    dropout: settings.layers > 1 ? settings.dropout : 0,
    residual: settings.residual,
    ...(settings.attentionHeads > 0
      ? { attention: { heads: settings.attentionHeads, window: settings.attentionWindow } }
      : {}),
    ...(settings.outputRecurrence ? { outputRecurrence: true } : {}),
  }
}

const scoreOf = (r: EpochRecord, metric: TrainSettings['metric']): number =>
  metric === 'loss' ? -r.valLoss : metric === 'accuracy' ? r.valAccuracy : r.valMacroF1

/** Adam, or AdamW with decoupled weight decay when the settings ask for it. */
export const optimizerOf = (n: number, settings: TrainSettings): Adam =>
  settings.weightDecay > 0 ? adamW(n, { lr: settings.lr, weightDecay: settings.weightDecay }) : new Adam(n, { lr: settings.lr })

/**
 * The epoch bookkeeping both loops share (the tagger loop here, the clip loop in classify.ts), so
 * they resume, report, keep the best epoch and stop early alike: state fresh or restored from a
 * checkpoint, a divergence check and progress per step, a record, checkpoint and stop per epoch.
 */
export class EpochTracker {
  best: Checkpoint['best']
  readonly history: EpochRecord[]
  readonly firstEpoch: number
  stoppedEarly = false
  private readonly startedAt = Date.now()
  private epoch = 0
  private epochStart = 0
  private lossSum = 0
  private frames = 0

  /** Restores `params` and `optimizer` from `resume`, else calls `init` to initialise `params`. */
  constructor(
    private readonly settings: TrainSettings,
    private readonly stepsPerEpoch: number,
    private readonly params: Float32Array,
    private readonly optimizer: Adam,
    resume: Checkpoint | undefined,
    init: () => void,
  ) {
    if (resume) {
      params.set(resume.params)
      optimizer.loadState(resume.optimizer)
      this.best = { ...resume.best, params: Float32Array.from(resume.best.params) }
      this.history = [...resume.history]
      this.firstEpoch = resume.epoch + 1
    } else {
      init()
      this.best = { params: Float32Array.from(params), epoch: 0, score: -Infinity }
      this.history = []
      this.firstEpoch = 1
    }
  }

  beginEpoch(epoch: number): void {
    this.epoch = epoch
    this.epochStart = Date.now()
    this.lossSum = 0
    this.frames = 0
  }

  /** Counts step `step` (0-based); throws NonFiniteLossError naming the step when training diverged. */
  step(step: number, loss: number, gradNorm: number, lengths: Int32Array): TrainProgress {
    const { settings, epoch, stepsPerEpoch, firstEpoch } = this
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm))
      throw new NonFiniteLossError(
        `training diverged: the loss became ${loss} at epoch ${epoch}, step ${step + 1}; lower the learning rate or check the features`,
      )
    this.lossSum += loss
    this.frames += lengths.reduce((a, b) => a + b, 0)
    const elapsed = (Date.now() - this.epochStart) / 1000
    const totalSteps = (settings.epochs - firstEpoch + 1) * stepsPerEpoch
    const doneSteps = (epoch - firstEpoch) * stepsPerEpoch + step + 1
    const perStep = (Date.now() - this.startedAt) / 1000 / doneSteps
    return {
      epoch,
      epochs: settings.epochs,
      step: step + 1,
      stepsPerEpoch,
      loss: this.lossSum / (step + 1),
      framesPerSecond: elapsed > 0 ? this.frames / elapsed : 0,
      etaSeconds: perStep * (totalSteps - doneSteps),
    }
  }

  /**
   * Closes the epoch: validates, records, keeps the best parameters (without validation the last
   * epoch is the best) and says whether patience ran out.
   */
  endEpoch(
    validate: () => { loss: number; accuracy: number; macroF1: number },
    hasVal: boolean,
  ): { record: EpochRecord; checkpoint: Checkpoint; stop: boolean } {
    const { settings, epoch, params } = this
    const trainSeconds = (Date.now() - this.epochStart) / 1000
    const val = validate()
    const record: EpochRecord = {
      epoch,
      trainLoss: this.lossSum / this.stepsPerEpoch,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      valMacroF1: val.macroF1,
      seconds: (Date.now() - this.epochStart) / 1000,
      framesPerSecond: this.frames / Math.max(trainSeconds, 1e-9),
    }
    this.history.push(record)
    const score = hasVal ? scoreOf(record, settings.metric) : epoch
    if (score > this.best.score || !Number.isFinite(this.best.score)) this.best = { params: Float32Array.from(params), epoch, score }
    const checkpoint: Checkpoint = {
      epoch,
      params: Float32Array.from(params),
      best: this.best,
      optimizer: this.optimizer.state(),
      history: [...this.history],
    }
    const stop = settings.patience > 0 && hasVal && epoch - this.best.epoch >= settings.patience
    if (stop) this.stoppedEarly = epoch < settings.epochs
    return { record, checkpoint, stop }
  }
}

/** Train a tagger on `data` with `settings`. */
export async function trainTagger(data: TrainData, settings: TrainSettings, hooks: TrainHooks = {}): Promise<TrainResult> {
  const C = data.classes.length
  const config = taggerConfigOf(settings, data.F, C)
  const classWeights = classWeightsOf(data.train, C, settings.classWeights)
  const chunks = chunksOf(data.train, settings.chunk)
  if (chunks.length === 0) throw new Error('no training data: label some files first')
  const Bmax = Math.min(settings.batch, chunks.length)
  const trainer = await DataParallelTrainer.create(config, {
    threads: settings.threads,
    Tmax: settings.chunk,
    Bmax,
    kernels: hooks.kernels ?? 'auto',
    loss: { classWeights, ignoreLabel: -1 },
    seed: settings.seed,
  })
  try {
    const params = trainer.model.params
    const optimizer = optimizerOf(params.length, settings)
    const F = data.F
    const x = new Float32Array(settings.chunk * Bmax * F) // (T, B, F)
    const feedback = config.outputRecurrence
      ? new FeedbackInputs(config, pickKernels(hooks.kernels ?? 'auto'), settings.chunk, Bmax, settings.scheduledSampling, settings.seed)
      : null
    const labels = new Int32Array(settings.chunk * Bmax) // (T, B)
    const stepsPerEpoch = Math.ceil(chunks.length / Bmax)
    const tracker = new EpochTracker(settings, stepsPerEpoch, params, optimizer, hooks.resume, () =>
      initTagger(params, config, new Rng(settings.seed), { scheme: settings.init, maxTimescale: settings.chunk }),
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
        batch.forEach((c, b) => {
          for (let t = 0; t < c.length; t++) {
            x.set(c.seq.x.subarray((c.start + t) * F, (c.start + t + 1) * F), (t * B + b) * F)
            labels[t * B + b] = c.seq.labels[c.start + t]
          }
        })
        const xb = x.subarray(0, T * B * F)
        const lb = labels.subarray(0, T * B)
        // output recurrence: x̃ = [x | onehot(y_{t−1})], teacher-forced or scheduled-sampled
        const xIn = feedback ? feedback.build(xb, lb, lengths, T, params, epoch, step) : xb
        const r = trainer.step(xIn, lb, lengths, T, optimizer, settings.clip)
        const progress = tracker.step(step, r.loss, settings.clip > 0 ? r.gradNorm : 0, lengths) // throws when diverged
        hooks.onProgress?.(progress)
        await new Promise((resolve) => setImmediate(resolve)) // let cancel messages in
      }
      const { record, checkpoint, stop } = tracker.endEpoch(
        () => validate(data.val, config, params, classWeights, hooks.kernels ?? 'auto'),
        data.val.length > 0,
      )
      await hooks.onEpoch?.(record, checkpoint)
      if (stop) break
    }
    const decoder = config.outputRecurrence ? { decode: settings.decode, beam: settings.decode === 'beam' ? settings.beamWidth : 1 } : null
    return { config, params: tracker.best.params, bestEpoch: tracker.best.epoch, history: tracker.history, stoppedEarly: tracker.stoppedEarly, classWeights, decoder }
  } finally {
    await trainer.close()
  }
}

/**
 * Loss, accuracy and macro-F1 of `params` on whole sequences (windows of VAL_WINDOW frames).
 * An output-recurrent model's loss is teacher-forced (the likelihood it is trained on) and its
 * accuracy and F1 come from greedy decoding of each whole file, as at inference.
 */
export function validate(
  seqs: Sequence[],
  config: TaggerConfig,
  params: Float32Array,
  classWeights: number[] | null,
  kernels: KernelsChoice = 'auto',
): { loss: number; accuracy: number; macroF1: number; confusion: number[][] } {
  const C = config.numClasses
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0))
  if (seqs.length === 0) return { loss: NaN, accuracy: NaN, macroF1: NaN, confusion }
  const k = pickKernels(kernels)
  const m = createTagger(config, k)
  m.params.set(params)
  const Tmax = Math.min(VAL_WINDOW, Math.max(...seqs.map((s) => s.labels.length)))
  const ws = allocWorkspace(config, k, Tmax, 1)
  const F = config.inputSize - (config.outputRecurrence ? C : 0)
  const xFed = config.outputRecurrence ? new Float32Array(Tmax * config.inputSize) : null // (T, F + C)
  const prev = config.outputRecurrence ? new Float32Array(Tmax * C) : null // (T, C)
  let sum = 0
  let weight = 0
  for (const seq of seqs) {
    const T = seq.labels.length
    const decoded = config.outputRecurrence ? decodeWithTagger(m, k, seq.x, T, 1).path : null
    for (let start = 0; start < T; start += VAL_WINDOW) {
      const n = Math.min(VAL_WINDOW, T - start)
      const lengths = Int32Array.of(n)
      const labels = seq.labels.subarray(start, start + n)
      let xw = seq.x.subarray(start * F, (start + n) * F)
      if (xFed && prev) {
        previousLabelInput(prev, labels, lengths, n, C)
        xw = concatFeedback(xFed, xw, prev, n, F, C).subarray(0, n * config.inputSize)
      }
      taggerForward(ws, xw, lengths, n, m, k)
      const r = crossEntropy(null, ws.logits, labels, lengths, n, 1, C, { classWeights, ignoreLabel: -1 })
      sum += r.sum
      weight += r.weightSum
      for (let t = 0; t < n; t++) {
        const y = labels[t]
        if (y < 0) continue
        let arg = 0
        for (let j = 1; j < C; j++) if (ws.logits[t * C + j] > ws.logits[t * C + arg]) arg = j
        confusion[y][decoded ? decoded[start + t] : arg]++
      }
    }
  }
  const { accuracy, macroF1 } = confusionScores(confusion)
  return { loss: weight > 0 ? sum / weight : NaN, accuracy, macroF1, confusion }
}
