/**
 * worker_threads entry `features`: base audio features for a frame range (with the spec's Δ/ΔΔ
 * when the job asks, from a few frames more each side), or resampling of an
 * output range, each computed from the slice of the signal it reads — sent, or read from a WAV
 * file by the worker itself (`wavFrames`: decoding, and resampling when the file's rate is not
 * the spec's, run in parallel and the whole signal never exists at once; `flacFrames` decodes
 * the FLAC frames of its slice the same way); also onnxruntime
 * windows for predict.ts (model-job.ts). Protocol: in a job
 * with an `id` → out { id, progress } … then { id, data } (transferred) or { id, error }.
 */
import { closeSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import {
  resampledLength,
  resampleInputSpan,
  resampleRange,
  type InputSlice,
} from '../media/audio/resample'
import type { WavInfo } from '../media/audio/pcm-header'
import { readWavRangeSync } from '../media/audio/wav'
import { readFlacRange, type FlacInfo } from '../media/audio/flac-frames'
import { openRegularSync } from '../io/input-files'
import {
  audioBaseDims,
  audioFrameCount,
  computeAudioFrames,
  frameSpan,
  type SignalSlice,
} from './audio-features'
import { appendDeltasRange, deltaSpan } from './deltas'
import { runModelJob, type ModelJob } from './worker-onnx'
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
  /** Append the spec's Δ/ΔΔ (samples then cover deltaSpan's frames around t0 … t1−1). */
  deltas?: boolean
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

export interface WavFeatureJob {
  kind: 'wavFrames'
  /** Request id (set by the pool). */
  id?: number
  /** The WAV file (resampled to spec.sampleRate slice by slice when its rate differs). */
  path: string
  /** Its header (readWavInfo). */
  info: WavInfo
  /** Channel to keep, as in DecodeOptions. */
  channel: 'mix' | number
  /** Parsed audio spec. */
  spec: AudioSpec
  /** First frame. */
  t0: number
  /** One past the last frame. */
  t1: number
  /** Append the spec's Δ/ΔΔ (computed from deltaSpan's frames around t0 … t1−1). */
  deltas?: boolean
}

export interface FlacFeatureJob {
  kind: 'flacFrames'
  /** Request id (set by the pool). */
  id?: number
  /** The FLAC file (its frames decoded slice by slice, resampled when its rate differs). */
  path: string
  /** Its layout (readFlacInfo). */
  info: FlacInfo
  /** Channel to keep, as in DecodeOptions. */
  channel: 'mix' | number
  /** Parsed audio spec. */
  spec: AudioSpec
  /** First frame. */
  t0: number
  /** One past the last frame. */
  t1: number
  /** Append the spec's Δ/ΔΔ (computed from deltaSpan's frames around t0 … t1−1). */
  deltas?: boolean
}

export type WorkerJob = FeatureJob | ResampleJob | WavFeatureJob | FlacFeatureJob | ModelJob

/** wavFrames' samples, reused from job to job (grown as needed). */
let wavSamples = new Float32Array(0)

/**
 * Frames t0 … t1−1 of a WAV file: reads and decodes the samples they need (through the
 * resampler's input span when the file's rate differs from the spec's), then the features.
 * resampleRange gives exactly the whole-signal resampler's samples, so the rows are those of
 * decode → resample → features.
 */
function wavFrames(job: WavFeatureJob, onRow: (done: number) => void): Float32Array {
  return fileFrames(job, onRow, (i0, i1) => {
    if (wavSamples.length < i1 - i0) wavSamples = new Float32Array(i1 - i0)
    const fd = openRegularSync(job.path)
    try {
      return readWavRangeSync(fd, job.path, job.info, job.channel, i0, i1, wavSamples)
    } finally {
      closeSync(fd)
    }
  })
}

/** Frames t0 … t1−1 of a FLAC file: its frames that hold the samples they need decoded here. */
async function flacFrames(job: FlacFeatureJob, onRow: (done: number) => void) {
  const { path, info, channel } = job
  const [i0, i1] = fileSpan(job)
  const samples = await readFlacRange(path, info, channel, i0, i1)
  return fileFrames(job, onRow, () => samples)
}

/**
 * The input samples [i0, i1) that frames t0 … t1−1 of a file job read (their frameSpan, through
 * the resampler's input span when the file's rate is not the spec's), and the frames a … b−1
 * whose base features that takes (deltaSpan's when the job appends Δ/ΔΔ).
 */
function fileSpan(job: WavFeatureJob | FlacFeatureJob) {
  const { info, spec } = job
  const from = info.sampleRate
  const to = spec.sampleRate
  const n = from === to ? info.frames : resampledLength(info.frames, from, to)
  const [a, b] = job.deltas ? framesRead(spec, job.t0, job.t1, n) : [job.t0, job.t1]
  const [s0, s1] = frameSpan(spec, a, b, n)
  const [i0, i1] = from === to ? [s0, s1] : resampleInputSpan(info.frames, from, to, s0, s1)
  return [i0, i1, n, a, b, s0, s1] as const
}

/** A file job's rows from its input samples [i0, i1) (`read`): resampled, then the features. */
function fileFrames(
  job: WavFeatureJob | FlacFeatureJob,
  onRow: (done: number) => void,
  read: (i0: number, i1: number) => Float32Array,
): Float32Array {
  const { info, spec } = job
  const [i0, i1, n, a, b, s0, s1] = fileSpan(job)
  let samples = read(i0, i1)
  if (info.sampleRate !== spec.sampleRate) {
    const input = { origin: i0, length: info.frames }
    samples = resampleRange(samples, input, info.sampleRate, spec.sampleRate, s0, s1)
  }
  const slice = { origin: s0, length: n }
  return withDeltas(job, a, b, computeAudioFrames(samples, spec, a, b, onRow, slice))
}

/** Frames a … b−1 whose base features rows t0 … t1−1 with Δ/ΔΔ read, of a signal n samples long. */
function framesRead(spec: AudioSpec, t0: number, t1: number, n: number): [number, number] {
  return deltaSpan(spec.deltas, spec.deltaWidth, t0, t1, audioFrameCount(n, spec.hopLength))
}

/** A job's rows: the base features of frames a … b−1, with the spec's Δ/ΔΔ when asked. */
function withDeltas(
  job: FeatureJob | WavFeatureJob | FlacFeatureJob,
  a: number,
  b: number,
  base: Float32Array,
): Float32Array {
  if (!job.deltas) return base
  const { deltas, deltaWidth } = job.spec
  return appendDeltasRange(base, a, b, audioBaseDims(job.spec), deltas, deltaWidth, job.t0, job.t1)
}

/** Frames t0 … t1−1 of a signal slice held in the job. */
function frames(job: FeatureJob, onRow: (done: number) => void): Float32Array {
  const [a, b] = job.deltas
    ? framesRead(job.spec, job.t0, job.t1, job.slice.length)
    : [job.t0, job.t1]
  return withDeltas(job, a, b, computeAudioFrames(job.samples, job.spec, a, b, onRow, job.slice))
}

export type FeatureReply =
  | { id: number; progress: number }
  | { id: number; data: Float32Array }
  | { id: number; error: string }

const port = parentPort!
port.on('message', async (job: WorkerJob & { id: number }) => {
  const onRow = (done: number) => port.postMessage({ id: job.id, progress: done })
  try {
    const data =
      job.kind === 'model'
        ? await runModelJob(job)
        : job.kind === 'frames'
          ? frames(job, onRow)
          : job.kind === 'wavFrames'
            ? wavFrames(job, onRow)
            : job.kind === 'flacFrames'
              ? await flacFrames(job, onRow)
              : resampleRange(job.samples, job.slice, job.from, job.to, job.o0, job.o1)
    port.postMessage({ id: job.id, data } satisfies FeatureReply, [data.buffer as ArrayBuffer])
  } catch (e) {
    port.postMessage({ id: job.id, error: (e as Error).message } satisfies FeatureReply)
  }
})
