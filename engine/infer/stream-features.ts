/**
 * Features of a long WAV without holding its (T, F) matrix, for prediction of any length:
 *
 *   pass 1  base features, chunk by chunk on the feature workers (each reads, decodes and
 *           resamples its own slice of the file) → a scratch file of (T, Fb) float32 rows;
 *   pass 2  the scratch file read back in chunks, Δ/ΔΔ appended, per-file CMVN statistics
 *           gathered over the full rows (RunningStats, float64, merged chunk by chunk);
 *   windows rows a … b−1 read with a halo of N·order frames, Δ/ΔΔ appended, standardised.
 *
 * Δ at t reads base t ± N and ΔΔ reads Δ t ± N, so with the halo every kept row is computed from
 * the same numbers as in the whole-file matrix (edges replicate at the file's ends only): rows
 * equal extractFileFeatures' to float rounding of the statistics. The heap holds a chunk, the
 * frame times and the caller's outputs; the scratch file (Fb · 4 bytes per frame, 450 MB for
 * 24 h of 13 MFCCs) lives in the OS page cache or on disk and is deleted by close().
 */
import { availableParallelism, tmpdir } from 'node:os'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { audioBaseDims, audioFrameCount } from '../features/audio-features'
import { appendDeltas } from '../features/deltas'
import { directWav } from '../features/extract'
import { RunningStats, standardize } from '../features/normalize'
import { featureNames, type AudioSpec } from '../features/spec'
import { featurePool } from '../features/worker-pool'
import { resampledLength } from '../media/audio/resample'

/** Rows of a feature matrix read on demand (predict.ts windows read through this). */
export interface FeatureRows {
  /** T. */
  frames: number
  /** F. */
  dims: number
  /** (T) frame centre times, seconds. */
  frameTimes: Float64Array
  /** Rows a … b−1, (b − a, F), normalised as the spec says; a fresh array the caller may keep. */
  rows(a: number, b: number): Promise<Float32Array>
  /** Deletes the scratch file. */
  close(): Promise<void>
}

export interface StreamOptions {
  /** Feature-pool size; default min(2, cores). Streaming needs ≥ 1. */
  workers?: number
  /** Files of fewer frames give undefined (the caller holds their matrix); default 0. */
  minFrames?: number
  /** Folder for the scratch file; default the OS temp folder. */
  scratchDir?: string
  /** Cancels between chunks. */
  signal?: AbortSignal
  /** Fraction 0..1 of both passes. */
  onProgress?: (fraction: number) => void
}

/** Frames per worker job in pass 1 (≈ 20 s at 10 ms), as extract.ts's chunks. */
const JOB_FRAMES = 2000
/** Frames per read in pass 2 (≈ 8 min at 10 ms; 7.8 MB of 39 features). */
const STATS_FRAMES = 50_000

/**
 * A FeatureRows over `file`, or undefined when it cannot or need not stream: not a WAV the
 * workers read themselves (extract.directWav: other containers decode whole), no workers, or
 * fewer than `minFrames` frames.
 */
export async function streamWavFeatures(
  file: string,
  spec: AudioSpec,
  options: StreamOptions = {},
): Promise<FeatureRows | undefined> {
  const workers = options.workers ?? Math.min(2, availableParallelism())
  const wav = await directWav(file, spec, workers)
  if (!wav) return undefined
  const n =
    wav.info.sampleRate === spec.sampleRate
      ? wav.info.frames
      : resampledLength(wav.info.frames, wav.info.sampleRate, spec.sampleRate)
  const T = audioFrameCount(n, spec.hopLength)
  if (T < (options.minFrames ?? 0)) return undefined
  const Fb = audioBaseDims(spec)
  const F = featureNames(spec).length
  const dir = await mkdtemp(path.join(options.scratchDir ?? tmpdir(), 'fw-stream-'))
  const fh = await open(path.join(dir, 'base.f32'), 'w+')
  const close = async () => {
    await fh.close().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await basePass(fh, wav, spec, T, Fb, workers, options)
    const halo = spec.deltaWidth * spec.deltas
    const readRows = async (a: number, b: number): Promise<Float32Array> => {
      const lo = Math.max(0, a - halo)
      const hi = Math.min(T, b + halo)
      const base = new Float32Array((hi - lo) * Fb)
      await readFully(fh, base, lo * Fb * 4)
      const full = appendDeltas(base, hi - lo, Fb, spec.deltas, spec.deltaWidth)
      return full.slice((a - lo) * F, (b - lo) * F)
    }
    const norm = await normalisation(spec, T, F, readRows, options)
    return {
      frames: T,
      dims: F,
      frameTimes: Float64Array.from(
        { length: T },
        (_, t) => (t * spec.hopLength) / spec.sampleRate,
      ),
      rows: async (a, b) => {
        const x = await readRows(a, b)
        return norm ? standardize(x, F, norm.mean, norm.std) : x
      },
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

/** Pass 1: base features of every frame into `fh` at row t0 · Fb · 4, two jobs per worker. */
async function basePass(
  fh: FileHandle,
  wav: NonNullable<Awaited<ReturnType<typeof directWav>>>,
  spec: AudioSpec,
  T: number,
  Fb: number,
  workers: number,
  options: StreamOptions,
): Promise<void> {
  const pool = featurePool(workers)
  // pass 1 is ≈ all of the time (pass 2 only reads back and adds Δ): 0.95 of the progress
  const report = (done: number) => options.onProgress?.((0.95 * done) / T)
  let next = 0
  let done = 0
  const lane = async () => {
    while (next < T) {
      options.signal?.throwIfAborted()
      const t0 = next
      const t1 = Math.min(T, t0 + JOB_FRAMES)
      next = t1
      const data = await pool.run({ kind: 'wavFrames', ...wav, spec, t0, t1 })
      await fh.write(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        0,
        data.byteLength,
        t0 * Fb * 4,
      )
      done += t1 - t0
      report(done)
    }
  }
  await Promise.all(Array.from({ length: 2 * workers }, lane))
  options.signal?.throwIfAborted()
}

/** Pass 2: the mean/std to standardise with, or null when rows stay as extracted. */
async function normalisation(
  spec: AudioSpec,
  T: number,
  F: number,
  readRows: (a: number, b: number) => Promise<Float32Array>,
  options: StreamOptions,
): Promise<{ mean: ArrayLike<number>; std: ArrayLike<number> } | null> {
  const n = spec.normalization
  if (n.mode === 'none' || T === 0) return null
  // global statistics not computed yet (a spec before training): the features as extracted
  if (n.mode === 'global') return n.mean.length === 0 ? null : n
  const stats = new RunningStats(F)
  for (let a = 0; a < T; a += STATS_FRAMES) {
    options.signal?.throwIfAborted()
    const b = Math.min(T, a + STATS_FRAMES)
    stats.add(await readRows(a, b))
    options.onProgress?.(0.95 + (0.05 * b) / T)
  }
  return stats.result()
}

/** Fills `out` from `fh` at byte `position` (a read may return fewer bytes than asked). */
async function readFully(fh: FileHandle, out: Float32Array, position: number): Promise<void> {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  for (let off = 0; off < bytes.length;) {
    const { bytesRead } = await fh.read(bytes, off, bytes.length - off, position + off)
    if (bytesRead === 0) throw new Error(`scratch features ended at byte ${position + off}`)
    off += bytesRead
  }
}
