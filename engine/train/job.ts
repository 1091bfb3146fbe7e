/**
 * Running a training in its worker thread, seen from the main process as one promise with
 * progress and per-epoch callbacks and an AbortSignal.
 */
import type { KernelsChoice } from '../kernels/load'
import { startWorker } from '../workers'
import type { EpochRecord, TrainProgress } from '../api'
import { NonFiniteLossError, type Checkpoint } from './epochs'
import type { TrainResult } from './loop'
import type { TrainData } from '../data/sequences'
import type { TrainSettings } from './settings'
import type { ClipData, ClipTrainResult } from './classify'

export type ToTrainWorker = { type: 'cancel' }
export type FromTrainWorker =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; record: EpochRecord; checkpoint: Checkpoint }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; name: string; message: string }

export interface TrainJobOptions {
  signal?: AbortSignal
  onProgress?: (p: TrainProgress) => void
  /** Awaited in order; a rejection fails the job (e.g. a checkpoint that could not be written). */
  onEpoch?: (record: EpochRecord, checkpoint: Checkpoint) => Promise<void> | void
  resume?: Checkpoint
  kernels?: KernelsChoice
}

export function runTrainingWorker(
  data: TrainData,
  settings: TrainSettings,
  opts: TrainJobOptions = {},
): Promise<TrainResult> {
  opts.signal?.throwIfAborted()
  const worker = startWorker('train', {
    workerData: { data, settings, resume: opts.resume, kernels: opts.kernels },
  })
  let epochWrites: Promise<void> = Promise.resolve()
  return new Promise<TrainResult>((resolve, reject) => {
    const cancel = () => worker.postMessage({ type: 'cancel' } satisfies ToTrainWorker)
    opts.signal?.addEventListener('abort', cancel, { once: true })
    const finish = (settle: () => void) => {
      opts.signal?.removeEventListener('abort', cancel)
      void worker.terminate()
      settle()
    }
    worker.on('message', (m: FromTrainWorker) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress)
      else if (m.type === 'epoch')
        epochWrites = epochWrites.then(() => opts.onEpoch?.(m.record, m.checkpoint))
      else if (m.type === 'done')
        epochWrites.then(
          () => finish(() => resolve(m.result)),
          (err) => finish(() => reject(err)),
        )
      else {
        const err =
          m.name === 'AbortError'
            ? new DOMException('training was cancelled', 'AbortError')
            : m.name === 'NonFiniteLossError'
              ? new NonFiniteLossError(m.message)
              : new Error(m.message)
        epochWrites.finally(() => finish(() => reject(err)))
      }
    })
    worker.on('error', (err) => finish(() => reject(err)))
    worker.on('exit', (code) =>
      finish(() =>
        reject(new Error(`the training worker stopped unexpectedly (exit code ${code})`)),
      ),
    )
  })
}

/** The same worker training a clip classifier (train/classify.ts; settings.task 'classify'). */
export function runClassifierWorker(
  data: ClipData,
  settings: TrainSettings,
  opts: TrainJobOptions = {},
): Promise<ClipTrainResult> {
  const run = runTrainingWorker as unknown as (
    d: ClipData,
    s: TrainSettings,
    o: TrainJobOptions,
  ) => Promise<ClipTrainResult>
  return run(data, { ...settings, task: 'classify' }, opts)
}
