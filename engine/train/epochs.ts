/**
 * What both training loops share (the tagger loop in loop.ts, the clip loop in classify.ts): the
 * hooks a caller gives them, the checkpoint they resume from, the divergence error, and the
 * EpochTracker that keeps their epochs alike.
 */
import type { EpochRecord, TrainProgress } from '../api'
import type { KernelsChoice } from '../kernels/load'
import type { Adam } from '../../models/optim'
import type { TrainSettings } from './settings'

/** What a checkpoint holds: enough to continue training exactly where it stopped. */
export interface Checkpoint {
  epoch: number
  params: Float32Array
  best: { params: Float32Array; epoch: number; score: number }
  optimizer: { t: number; m: Float64Array; v: Float64Array }
  history: EpochRecord[]
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

const scoreOf = (r: EpochRecord, metric: TrainSettings['metric']): number =>
  metric === 'loss' ? -r.valLoss : metric === 'accuracy' ? r.valAccuracy : r.valMacroF1

/**
 * The epoch bookkeeping both loops share (the tagger loop in loop.ts, the clip loop in classify.ts), so
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
    if (score > this.best.score || !Number.isFinite(this.best.score))
      this.best = { params: Float32Array.from(params), epoch, score }
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
