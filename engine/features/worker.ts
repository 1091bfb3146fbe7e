/**
 * worker_threads entry `features`: base audio features for a frame range, or resampling of an
 * output range, each computed from the slice of the signal it reads. Protocol: in a job with an
 * `id` → out { id, progress } … then { id, data } (transferred) or { id, error }.
 */
import { parentPort } from 'node:worker_threads'
import { resampleRange, type InputSlice } from '../audio/resample'
import { computeAudioFrames, type SignalSlice } from './frames'
import type { AudioSpec } from './spec'

export interface FeatureJob {
  kind: 'frames'
  /** Request id, echoed in every reply (set by the pool). */
  id?: number
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

export interface ResampleJob {
  kind: 'resample'
  /** Request id (set by the pool). */
  id?: number
  /** The input samples outputs o0 … o1−1 read. */
  samples: Float32Array
  /** Where `samples` sits in the whole input. */
  slice: InputSlice
  /** Input rate, Hz. */
  from: number
  /** Output rate, Hz. */
  to: number
  /** First output sample. */
  o0: number
  /** One past the last output sample. */
  o1: number
}

export type WorkerJob = FeatureJob | ResampleJob

export type FeatureReply =
  | { id: number; progress: number }
  | { id: number; data: Float32Array }
  | { id: number; error: string }

const port = parentPort!
port.on('message', (job: WorkerJob & { id: number }) => {
  try {
    const data =
      job.kind === 'frames'
        ? computeAudioFrames(
            job.samples,
            job.spec,
            job.t0,
            job.t1,
            (done) => port.postMessage({ id: job.id, progress: done }),
            job.slice,
          )
        : resampleRange(job.samples, job.slice, job.from, job.to, job.o0, job.o1)
    port.postMessage({ id: job.id, data } satisfies FeatureReply, [data.buffer as ArrayBuffer])
  } catch (e) {
    port.postMessage({ id: job.id, error: (e as Error).message } satisfies FeatureReply)
  }
})
