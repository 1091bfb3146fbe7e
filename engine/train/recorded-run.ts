/**
 * The life of a recorded training run, the same for a tagger and a clip classifier: a new record
 * (or the resumed one, running again on the same data), every epoch's checkpoint and record
 * written as it ends, the best epoch exported into the run folder, and the record closed as done,
 * cancelled or failed. What is trained and how it is exported stays with the caller.
 */
import path from 'node:path'
import { DataError } from '../errors'
import type { JobContext } from '../jobs'
import type { RunRecord } from '../project/runs'
import type { TrainJobOptions } from './job'
import type { EpochRecord, TrainProgress } from '../api'
import { NonFiniteLossError } from './epochs'
import { RunStore, newRunId } from './runs'

/** What a finished training hands back to its run record. */
interface TrainedRun {
  history: EpochRecord[]
  bestEpoch: number
  classWeights: number[]
}

/** Metrics of the best epoch, for the model card (empty when there is none). */
export function bestMetrics(r: { history: EpochRecord[]; bestEpoch: number }) {
  const best = r.history[r.bestEpoch - 1]
  return best
    ? {
        epoch: best.epoch,
        valLoss: best.valLoss,
        valAccuracy: best.valAccuracy,
        valMacroF1: best.valMacroF1,
      }
    : {}
}

/**
 * The record a run starts with: a fresh one, or the resumed one set running again. Resuming on
 * other data would mix two trainings in one record, so a changed data hash is refused;
 * `changed` names what changed (e.g. "the labelled data").
 */
export function openRunRecord(
  dir: string,
  resumed: RunRecord | null | undefined,
  fields: Pick<RunRecord, 'settings' | 'features' | 'classes' | 'dataHash' | 'files'>,
  changed: string,
): RunRecord {
  if (!resumed)
    return {
      id: newRunId(),
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      durationSeconds: 0,
      ...fields,
      classWeights: [],
      history: [],
      bestEpoch: null,
      model: null,
      error: null,
    }
  if (resumed.dataHash !== fields.dataHash)
    throw new DataError(
      dir,
      `${changed} changed since run ${resumed.id} started; start a new run instead of resuming`,
    )
  return { ...resumed, status: 'running', finishedAt: null, error: null }
}

/**
 * Run `train` under `record`: progress 0.1–0.98 by step, the record and checkpoint rewritten
 * after every epoch (a killed run stays resumable), then `exportModel` into the run folder at
 * 0.99. Resolves to the finished record; on failure the record says cancelled or failed and the
 * error is rethrown (a non-finite loss as a DataError on `dir`, as it is the data's doing).
 */
export async function recordRun<R extends TrainedRun>(opts: {
  dir: string
  store: RunStore
  record: RunRecord
  ctx: JobContext
  onUpdate?: (u: { runId: string; progress?: TrainProgress; epoch?: EpochRecord }) => void
  train: (hooks: Required<Pick<TrainJobOptions, 'signal' | 'onProgress' | 'onEpoch'>>) => Promise<R>
  exportModel: (result: R, modelPath: string) => Promise<{ modelPath: string }>
}): Promise<RunRecord> {
  const { store, record, ctx, onUpdate } = opts
  const runId = record.id
  const started = Date.now()
  await store.write(record)
  const prior = record.durationSeconds
  const elapsed = () => prior + (Date.now() - started) / 1000
  try {
    const result = await opts.train({
      signal: ctx.signal,
      onProgress: (progress) => {
        const done = (progress.epoch - 1 + progress.step / progress.stepsPerEpoch) / progress.epochs
        ctx.progress(
          0.1 + 0.88 * done,
          `epoch ${progress.epoch}/${progress.epochs}, loss ${progress.loss.toFixed(4)}`,
        )
        onUpdate?.({ runId, progress })
      },
      onEpoch: async (epoch, checkpoint) => {
        record.history = checkpoint.history
        record.bestEpoch = checkpoint.best.epoch
        record.durationSeconds = elapsed()
        await store.writeCheckpoint(runId, checkpoint)
        await store.write(record)
        onUpdate?.({ runId, epoch })
      },
    })
    ctx.progress(0.99, 'exporting the model')
    const exported = await opts.exportModel(result, path.join(store.dir(runId), 'model.onnx'))
    Object.assign(record, {
      status: 'done',
      finishedAt: new Date().toISOString(),
      durationSeconds: elapsed(),
      history: result.history,
      bestEpoch: result.bestEpoch,
      classWeights: result.classWeights,
      model: path.basename(exported.modelPath),
    })
    await store.write(record)
    ctx.progress(1, 'training finished')
    return record
  } catch (err) {
    const cancelled = ctx.signal.aborted
    Object.assign(record, {
      status: cancelled ? 'cancelled' : 'failed',
      finishedAt: new Date().toISOString(),
      durationSeconds: elapsed(),
      error: cancelled ? null : (err as Error).message,
    })
    await store.write(record)
    if (err instanceof NonFiniteLossError) throw new DataError(opts.dir, err.message)
    throw err
  }
}
