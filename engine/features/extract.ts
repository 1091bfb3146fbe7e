/**
 * File → (T, F) feature matrix: decode/read, base features (audio: in worker threads, chunk by
 * chunk; a WAV or FLAC is decoded — and resampled, if not at the spec's rate — by the workers
 * too, each its own slice, so decoding runs in parallel and no whole-file signal is held), Δ/ΔΔ
 * (on the workers too, with a few frames' overlap), normalisation.
 * Un-normalised audio features are cached per file + extraction hash, so changing only the
 * normalisation (e.g. new global stats) does not recompute them.
 */
import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { mkdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { decodeAudio, sniffAudioFormat } from '../media/audio/decode'
import type { WavInfo } from '../media/audio/pcm-header'
import { readWavInfo } from '../media/audio/wav'
import { readFlacInfo, type FlacInfo } from '../media/audio/flac-frames'
import { resample, resampledLength, resampleInputSpan } from '../media/audio/resample'
import { DataError, statFile } from '../errors'
import { openRegular, READ_LIMITS, readRegular } from '../io/input-files'
import { writeFileAtomic } from '../io/atomic-write'
import { SingleFlight } from '../io/single-flight'
import { readSeriesCsv, type SeriesData } from '../media/series/csv'
import { appendDeltas, deltaSpan } from './deltas'
import { audioBaseDims, audioFrameCount, computeAudioFrames, frameSpan } from './audio-features'
import { normalize, RunningStats } from './normalize'
import { seriesBaseFeatures } from './series'
import { featureNames, type AudioSpec, type FeatureSpec, type SeriesSpec } from './spec'
import { extractionHash, specHash } from './spec-hash'
import { featurePool } from './worker-pool'
import type { WorkerJob } from './worker'
import { mediaKindOf } from '../media/kinds'

export interface FeatureMatrix {
  /** (frames, dims) row-major. */
  data: Float32Array
  /** T. */
  frames: number
  /** F. */
  dims: number
  /** Column names (featureNames). */
  names: string[]
  /** (T) frame centre times, seconds. */
  frameTimes: Float64Array
  /** specHash of the spec used. */
  specHash: string
}

export interface ExtractOptions {
  /** Worker threads for audio; default min(2, cores). 0 computes on this thread. */
  workers?: number
  /** Directory for cached un-normalised features; none means no caching. */
  cacheDir?: string
  /** Cancels extraction. */
  signal?: AbortSignal
  /** Reports progress as a fraction 0..1 and a message. */
  onProgress?: (fraction: number, message: string) => void
  /** CSV series: rows per second of this file when it has no time column (over spec.sampleRate). */
  seriesRate?: number
  /** CSV series: what the reader skipped (columns of text), one `<file>: <problem>` line each. */
  onWarning?: (message: string) => void
}

/** Below this many frames (≈ 30 s at 10 ms) worker start-up costs more than it saves. */
const MIN_FRAMES_FOR_WORKERS = 3000
/** Frames per worker job (≈ 20 s at 10 ms): small enough for smooth progress and balance. */
const CHUNK_FRAMES = 2000

/** Output samples per resampling job (≈ 30 s at 16 kHz). */
const RESAMPLE_CHUNK = 480_000

/** Resamples on the worker pool in output chunks (inline when short or workers = 0). */
export async function resampleParallel(
  x: Float32Array,
  from: number,
  to: number,
  options: ExtractOptions = {},
): Promise<Float32Array> {
  if (from === to) return x
  const n = resampledLength(x.length, from, to)
  const workers = options.workers ?? Math.min(2, availableParallelism())
  if (workers < 1 || n < 2 * RESAMPLE_CHUNK) return resample(x, from, to)
  const y = new Float32Array(n)
  const pool = featurePool(workers)
  let next = 0
  let done = 0
  const lane = async () => {
    while (next < n) {
      options.signal?.throwIfAborted()
      const o0 = next
      const o1 = Math.min(n, o0 + RESAMPLE_CHUNK)
      next = o1
      const [i0, i1] = resampleInputSpan(x.length, from, to, o0, o1)
      y.set(
        await pool.run({
          kind: 'resample',
          samples: x.slice(i0, i1),
          slice: { origin: i0, length: x.length },
          from,
          to,
          o0,
          o1,
        }),
        o0,
      )
      done += o1 - o0
      options.onProgress?.(done / n, `resampling ${from} → ${to} Hz`)
    }
  }
  await Promise.all(Array.from({ length: 2 * workers }, lane))
  return y
}

/** A WAV file the feature workers read, decode and resample themselves, slice by slice. */
interface WavSource {
  path: string
  info: WavInfo
  channel: 'mix' | number
}

/** A FLAC file whose frames the feature workers decode themselves, slice by slice. */
interface FlacSource {
  path: string
  info: FlacInfo
  channel: 'mix' | number
}

/** Samples of a WAV or FLAC source at the spec's rate. */
const sourceLength = (src: { info: { sampleRate: number; frames: number } }, spec: AudioSpec) =>
  src.info.sampleRate === spec.sampleRate
    ? src.info.frames
    : resampledLength(src.info.frames, src.info.sampleRate, spec.sampleRate)

/** Base audio features of a signal already at spec.sampleRate → (T, audioBaseDims). */
export async function audioBaseFeatures(
  samples: Float32Array,
  spec: AudioSpec,
  options: ExtractOptions = {},
  stats?: RunningStats,
): Promise<Float32Array> {
  const T = audioFrameCount(samples.length, spec.hopLength)
  const workers = options.workers ?? Math.min(2, availableParallelism())
  const report = options.onProgress
  if (workers < 1 || T < MIN_FRAMES_FOR_WORKERS) {
    options.signal?.throwIfAborted()
    const base = computeAudioFrames(samples, spec, 0, T, (d) => report?.(d / T, 'features'))
    stats?.add(base)
    return base
  }
  return poolFeatures(samples, samples.length, spec, workers, options, stats)
}

/** Columns of the un-normalised rows with the spec's Δ/ΔΔ (what the feature cache holds). */
const rawDims = (spec: AudioSpec) => audioBaseDims(spec) * (1 + spec.deltas)

/**
 * Base features — with Δ/ΔΔ when `deltas`, each worker reading deltaSpan's few extra frames
 * around its chunk — on the worker pool in chunks of CHUNK_FRAMES, from a signal in memory (each
 * job gets a copy of its slice) or from a WAV file (each job reads its own slice). Chunks are
 * added to `stats` as they arrive: this thread waits on the workers anyway, and per-file CMVN
 * then needs no pass over the whole matrix after the last chunk.
 */
async function poolFeatures(
  source: Float32Array | WavSource | FlacSource,
  n: number,
  spec: AudioSpec,
  workers: number,
  options: ExtractOptions,
  stats?: RunningStats,
  deltas = false,
): Promise<Float32Array> {
  const T = audioFrameCount(n, spec.hopLength)
  const F = deltas ? rawDims(spec) : audioBaseDims(spec)
  const report = options.onProgress
  const out = new Float32Array(T * F)
  const jobs: Array<[number, number]> = []
  for (let t = 0; t < T; t += CHUNK_FRAMES) jobs.push([t, Math.min(T, t + CHUNK_FRAMES)])
  const done = new Float64Array(jobs.length)
  const tick = () => report?.(done.reduce((a, b) => a + b, 0) / T, 'features')
  const pool = featurePool(workers)
  let next = 0
  // Two jobs in flight per worker: each worker always has its next slice queued, and at most
  // 2·workers slices (≈ 20 s of audio each) are copied at a time.
  const lane = async () => {
    while (next < jobs.length) {
      options.signal?.throwIfAborted()
      const id = next++
      const [t0, t1] = jobs[id]
      const [a, b] = deltas ? deltaSpan(spec.deltas, spec.deltaWidth, t0, t1, T) : [t0, t1]
      const [s0, s1] = frameSpan(spec, a, b, n)
      const job: WorkerJob =
        source instanceof Float32Array
          ? {
              kind: 'frames',
              samples: source.slice(s0, s1),
              slice: { origin: s0, length: n },
              spec,
              t0,
              t1,
              deltas,
            }
          : 'blockSize' in source.info
            ? { kind: 'flacFrames', ...source, info: source.info, spec, t0, t1, deltas }
            : { kind: 'wavFrames', ...source, info: source.info, spec, t0, t1, deltas }
      const data = await pool.run(job, (d) => {
        done[id] = Math.min(d, t1 - t0)
        tick()
      })
      out.set(data, t0 * F)
      stats?.add(data)
      done[id] = t1 - t0
      tick()
    }
  }
  await Promise.all(Array.from({ length: 2 * workers }, lane))
  options.signal?.throwIfAborted()
  return out
}

/** Δ/ΔΔ and normalisation over base features → the final matrix. */
export function finishFeatures(
  base: Float32Array,
  T: number,
  spec: FeatureSpec,
  frameTimes: Float64Array,
  channels: string[] = [],
  stats?: RunningStats,
): FeatureMatrix {
  const F = base.length / Math.max(1, T)
  const raw = appendDeltas(base, T, F, spec.deltas, spec.deltaWidth)
  return normalizedMatrix(raw, T, spec, frameTimes, channels, stats)
}

/** Normalisation over un-normalised rows that already hold Δ/ΔΔ → the final matrix. */
function normalizedMatrix(
  raw: Float32Array,
  T: number,
  spec: FeatureSpec,
  frameTimes: Float64Array,
  channels: string[] = [],
  stats?: RunningStats,
): FeatureMatrix {
  const names = featureNames(spec, channels)
  const data = normalize(raw, names.length, spec.normalization, stats)
  return { data, frames: T, dims: names.length, names, frameTimes, specHash: specHash(spec) }
}

export async function extractAudioFeatures(
  samples: Float32Array,
  spec: AudioSpec,
  options: ExtractOptions = {},
): Promise<FeatureMatrix> {
  const base = await audioBaseFeatures(samples, spec, options)
  const T = audioFrameCount(samples.length, spec.hopLength)
  const times = Float64Array.from({ length: T }, (_, t) => (t * spec.hopLength) / spec.sampleRate)
  return finishFeatures(base, T, spec, times)
}

export function extractSeriesFeatures(series: SeriesData, spec: SeriesSpec): FeatureMatrix {
  const { base, frames, frameTimes, channels } = seriesBaseFeatures(series, spec)
  return finishFeatures(base, frames, spec, frameTimes, channels)
}

/** Features of one file for a spec, from the cache when valid. */
export async function extractFileFeatures(
  path: string,
  spec: FeatureSpec,
  options: ExtractOptions = {},
): Promise<FeatureMatrix> {
  if (spec.kind === 'series') {
    if (mediaKindOf(path) !== 'series')
      throw new DataError(path, 'a series FeatureSpec needs a CSV file')
    const series = await readSeriesCsv(path, {
      channels: spec.channels ?? undefined,
      sampleRate: options.seriesRate ?? spec.sampleRate ?? undefined,
      // A `label` column is never a feature; its cells are not needed here, empty ones included.
      emptyLabel: '',
      signal: options.signal,
    })
    series.warnings.forEach((w) => options.onWarning?.(w))
    return extractSeriesFeatures(series, spec)
  }
  if (mediaKindOf(path) === 'series')
    throw new DataError(path, 'an audio FeatureSpec cannot read a CSV file')
  const { base, T, stats } = options.cacheDir
    ? await cachedBaseFeatures(path, spec, options.cacheDir, options)
    : await baseFeatures(path, spec, options)
  options.onProgress?.(1, 'features')
  const times = Float64Array.from({ length: T }, (_, t) => (t * spec.hopLength) / spec.sampleRate)
  return normalizedMatrix(base, T, spec, times, [], stats)
}

/** Un-normalised audio features of a file with Δ/ΔΔ, (T, rawDims). */
interface BaseFeatures {
  base: Float32Array
  T: number
  /** Their statistics, gathered during extraction for per-file CMVN. */
  stats?: RunningStats
}

/**
 * Base features being computed now, per cache file: concurrent callers share one extraction and
 * one write. Normalisation may work in place, so each caller after the first gets a copy.
 */
const computing = new SingleFlight<BaseFeatures>((b) => ({ ...b, base: b.base.slice() }))

async function cachedBaseFeatures(
  path: string,
  spec: AudioSpec,
  dir: string,
  options: ExtractOptions,
): Promise<BaseFeatures> {
  const cache = await cachePath(path, spec, dir)
  return computing.run(
    cache,
    async ({ signal, progress }) => {
      const F = rawDims(spec)
      const cached = await readCache(cache, F)
      if (cached) return { base: cached, T: cached.length / F }
      const computed = await baseFeatures(path, spec, { ...options, signal, onProgress: progress })
      await writeCache(cache, computed.base, computed.T, F)
      return computed
    },
    options,
  )
}

async function baseFeatures(
  path: string,
  spec: AudioSpec,
  options: ExtractOptions,
): Promise<BaseFeatures> {
  const F = rawDims(spec)
  const workers = options.workers ?? Math.min(2, availableParallelism())
  const wav = await directWav(path, spec, workers)
  // Per-file CMVN: its statistics gather during extraction, chunk by chunk (Δ/ΔΔ included).
  const stats = spec.normalization.mode === 'per-file' ? new RunningStats(F) : undefined
  if (wav) {
    const n = sourceLength(wav, spec)
    const base = await poolFeatures(wav, n, spec, workers, options, stats, true)
    return { base, T: audioFrameCount(n, spec.hopLength), stats }
  }
  const flac = await directFlac(path, spec, workers)
  if (flac) {
    const n = sourceLength(flac, spec)
    try {
      const base = await poolFeatures(flac, n, spec, workers, options, stats, true)
      return { base, T: audioFrameCount(n, spec.hopLength), stats }
    } catch (e) {
      // a damaged file: decodeAudio below reads what it can or says what is wrong
      if ((e as Error).name === 'AbortError' || options.signal?.aborted) throw e
      return baseFeatures(path, spec, { ...options, workers: 0 })
    }
  }
  const audio = await decodeAudio(path, {
    channel: spec.channel,
    signal: options.signal,
    onProgress: (f, m) => options.onProgress?.(0.2 * f, m),
  })
  const samples = await resampleParallel(audio.samples, audio.sampleRate, spec.sampleRate, {
    ...options,
    onProgress: (f, m) => options.onProgress?.(0.2 + 0.3 * f, m),
  })
  const T = audioFrameCount(samples.length, spec.hopLength)
  const onProgress = (f: number, m: string) => options.onProgress?.(0.5 + 0.5 * f, m)
  if (workers >= 1 && T >= MIN_FRAMES_FOR_WORKERS) {
    const rows = { ...options, onProgress }
    const base = await poolFeatures(samples, samples.length, spec, workers, rows, stats, true)
    return { base, T, stats }
  }
  const base = await audioBaseFeatures(samples, spec, { ...options, onProgress })
  const raw = appendDeltas(base, T, audioBaseDims(spec), spec.deltas, spec.deltaWidth)
  stats?.add(raw)
  return { base: raw, T, stats }
}

/**
 * The file as a WavSource when the workers can read it themselves: a valid WAV, long enough for
 * workers (else: undefined, and decodeAudio reads it or says what is wrong). At another rate than
 * the spec's the workers resample their slices, so this thread neither decodes nor holds the
 * whole file (600 s of 44.1 kHz stereo: longest event-loop stall 30–70 → 9–14 ms, RSS 440 →
 * 280 MB; wall time the same within noise — resampling on the workers is most of it).
 */
export async function directWav(
  path: string,
  spec: AudioSpec,
  workers: number,
): Promise<WavSource | undefined> {
  if (workers < 1) return undefined
  try {
    if ((await sniffAudioFormat(path)) !== 'wav') return undefined
    const fh = await openRegular(path)
    let info: WavInfo
    try {
      info = await readWavInfo(fh, path, (await fh.stat()).size)
    } finally {
      await fh.close()
    }
    const { channel } = spec
    const channelOk = channel === 'mix' || (channel >= 0 && channel < info.channels)
    const wav = { path, info, channel }
    const T = audioFrameCount(sourceLength(wav, spec), spec.hopLength)
    return channelOk && T >= MIN_FRAMES_FOR_WORKERS ? wav : undefined
  } catch {
    return undefined
  }
}

/**
 * The file as a FlacSource when the workers can decode its slices themselves (readFlacInfo: a
 * fixed block size and a known length) and it is long enough for workers; else undefined.
 */
export async function directFlac(
  path: string,
  spec: AudioSpec,
  workers: number,
): Promise<FlacSource | undefined> {
  if (workers < 1) return undefined
  try {
    if ((await sniffAudioFormat(path)) !== 'flac') return undefined
    const info = await readFlacInfo(path)
    if (!info) return undefined
    const { channel } = spec
    const channelOk = channel === 'mix' || (channel >= 0 && channel < info.channels)
    const flac = { path, info, channel }
    const T = audioFrameCount(sourceLength(flac, spec), spec.hopLength)
    return channelOk && T >= MIN_FRAMES_FOR_WORKERS ? flac : undefined
  } catch {
    return undefined
  }
}

async function cachePath(path: string, spec: FeatureSpec, dir: string): Promise<string> {
  const s = await statFile(path)
  const key = createHash('sha256')
    .update(`${path}\0${s.size}\0${s.mtimeMs}\0${extractionHash(spec)}`)
    .digest('hex')
    .slice(0, 16)
  return join(dir, `${basename(path)}.${key}.feats`)
}

/** Cache file: 'FWFT', u32 version 1, u32 T, u32 F, float32 (T, F). */
async function readCache(path: string, F: number): Promise<Float32Array | undefined> {
  try {
    const b = await readRegular(path, READ_LIMITS.cache)
    if (
      b.toString('latin1', 0, 4) !== 'FWFT' ||
      b.readUInt32LE(4) !== 1 ||
      b.readUInt32LE(12) !== F
    )
      return undefined
    const T = b.readUInt32LE(8)
    if (b.length !== 16 + T * F * 4) return undefined
    const out = new Float32Array(T * F)
    Buffer.from(out.buffer).set(b.subarray(16))
    return out
  } catch {
    return undefined
  }
}

async function writeCache(path: string, base: Float32Array, T: number, F: number): Promise<void> {
  const h = Buffer.alloc(16)
  h.write('FWFT', 0, 'latin1')
  h.writeUInt32LE(1, 4)
  h.writeUInt32LE(T, 8)
  h.writeUInt32LE(F, 12)
  await mkdir(join(path, '..'), { recursive: true })
  const bytes = Buffer.concat([h, Buffer.from(base.buffer, base.byteOffset, base.byteLength)])
  await writeFileAtomic(path, bytes, { durable: false })
}
