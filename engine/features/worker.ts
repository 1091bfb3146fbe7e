/**
 * worker_threads entry `features`: computes base audio features for frame ranges of a signal
 * slice. Protocol: in { id, samples, slice, spec, t0, t1 } → out { id, progress } … { id, data }
 * (data transferred) or { id, error }.
 */
import { parentPort } from 'node:worker_threads'
import { computeAudioFrames, type SignalSlice } from './frames'
import type { AudioSpec } from './spec'

export interface FeatureJob {
  /** Request id, echoed in every reply. */
  id: number
  /** The samples frames t0 … t1−1 read. */
  samples: Float32Array
  /** Where `samples` sits in the whole signal. */
  slice: SignalSlice
  /** Parsed audio spec. */
  spec: AudioSpec
  /** First frame. */
  t0: number
  /** One past the last frame. */
  t1: number
}

export type FeatureReply =
  | { id: number; progress: number }
  | { id: number; data: Float32Array }
  | { id: number; error: string }

const port = parentPort!
port.on('message', (job: FeatureJob) => {
  try {
    const data = computeAudioFrames(job.samples, job.spec, job.t0, job.t1, (done) => port.postMessage({ id: job.id, progress: done }), job.slice)
    port.postMessage({ id: job.id, data } satisfies FeatureReply, [data.buffer as ArrayBuffer])
  } catch (e) {
    port.postMessage({ id: job.id, error: (e as Error).message } satisfies FeatureReply)
  }
})
