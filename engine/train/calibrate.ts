/**
 * The running statistics of a CRNN's batch norms (models/conv.ts), set from the training data:
 * training steps normalise with each batch's own statistics and never touch the running ones
 * (data-parallel shards share one parameter array, so per-shard momentum updates would race),
 * and this pools the batch statistics of the epoch's last `LAST_STEPS` batches, at the weights
 * of those steps, into the population mean and variance the eval-mode model (validation, export)
 * uses: PyTorch's momentum average over recent steps, as a plain average over a window.
 */
import {
  allocConvStatistics,
  allocConvWorkspace,
  convForward,
  setRunningFrom,
  type ConvStatistics,
  type ConvWorkspace,
} from '../../models/conv'
import type { Kernels } from '../../models/kernels'
import { frontEndOf, taggerViews, type TaggerConfig } from '../../models/params'

/** Batches at the end of each epoch whose statistics make the running ones. */
export const LAST_STEPS = 16

export class FrontEndCalibration {
  #stats: ConvStatistics
  #ws: ConvWorkspace<Float32Array>

  constructor(
    readonly config: TaggerConfig,
    readonly k: Kernels,
    Tmax: number,
    Bmax: number,
  ) {
    const front = frontEndOf(config)!
    this.#stats = allocConvStatistics(front)
    this.#ws = allocConvWorkspace(front, k, Tmax, Bmax)
  }

  /** Whether step `step` of `steps` is one whose batch counts. */
  counts(step: number, steps: number): boolean {
    return step >= steps - LAST_STEPS
  }

  /** Adds the batch statistics of x (T, B, F) at the current params. */
  add(params: Float32Array, x: Float32Array, lengths: Int32Array, T: number): void {
    const front = taggerViews(params, this.config).front!
    const m = {
      config: frontEndOf(this.config)!,
      p: front,
      g: front,
      running: front.map((f) => ({ mean: f.mean, var: f.var })),
    }
    convForward(this.#ws, x, lengths, T, m, this.k, true, {
      updateRunning: false,
      statistics: this.#stats,
    })
  }

  /** Writes the pooled statistics into params' running mean and var, and starts over. */
  apply(params: Float32Array): void {
    const front = taggerViews(params, this.config).front!
    setRunningFrom(
      front.map((f) => ({ mean: f.mean, var: f.var })),
      this.#stats,
    )
    this.#stats = allocConvStatistics(frontEndOf(this.config)!)
  }
}
