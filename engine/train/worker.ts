/**
 * Worker-thread entry of a training job: runs the loop (whose steps block their thread) off the
 * main process's event loop, posts progress and per-epoch checkpoints, and stops at the next
 * step when asked to cancel.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { EpochRecord, TrainProgress } from '../api'
import type { Checkpoint } from './epochs'
import { trainTagger, type TrainResult } from './loop'
import type { TrainData } from '../data/sequences'
import type { TrainSettings } from './settings'
import type { KernelsChoice } from '../kernels/load'
import type { FromTrainWorker, ToTrainWorker } from './job'
import { trainClassifier, type ClipData } from './classify'

const { data, settings, resume, kernels } = workerData as {
  data: TrainData
  settings: TrainSettings
  resume?: Checkpoint
  kernels?: KernelsChoice
}
const port = parentPort!
const controller = new AbortController()
port.on('message', (m: ToTrainWorker) => {
  if (m.type === 'cancel') controller.abort()
})
const post = (m: FromTrainWorker) => port.postMessage(m)

const hooks = {
  signal: controller.signal,
  resume,
  kernels,
  onProgress: (progress: TrainProgress) => post({ type: 'progress', progress }),
  onEpoch: (record: EpochRecord, checkpoint: Checkpoint) =>
    post({ type: 'epoch', record, checkpoint }),
}
// task 'classify' sends ClipData (runClassifierWorker) and gets a ClipTrainResult back
const training: Promise<unknown> =
  settings.task === 'classify'
    ? trainClassifier(data as unknown as ClipData, settings, hooks)
    : trainTagger(data, settings, hooks)
training.then(
  (result) => post({ type: 'done', result: result as TrainResult }),
  (err: Error) =>
    post({
      type: 'error',
      name: controller.signal.aborted ? 'AbortError' : err.name,
      message: err.message,
    }),
)
