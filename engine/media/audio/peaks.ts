/**
 * Multi-resolution waveform peaks: a min/max pyramid (buckets of 256, 1024, 4096 … samples, each
 * level built from the one below) so the UI draws any zoom level without the samples, plus its
 * binary cache file. A 1-hour 44.1 kHz file gives ≈ 6.6 MB of peaks against 635 MB of samples.
 *
 * Cache file (little-endian): 'FWPK' u32 version, u32 sampleRate, f64 length (samples),
 * u32 levelCount, then per level u32 bucketSize, u32 bucketCount; then each level's
 * float32 (bucketCount, 2) min/max pairs in order.
 */
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { DataError, statFile } from '../../errors'
import { writeFileAtomic } from '../../io/atomic-write'
import { openRegular, READ_LIMITS, readRegular } from '../../io/input-files'
import { SingleFlight } from '../../io/single-flight'
import { decodeAudio, sniffAudioFormat, type DecodeOptions } from './decode'
import { readWavInfo, wavToMono } from './wav'

export interface PeakLevel {
  /** Samples per bucket. */
  bucketSize: number
  /** (bucketCount, 2): min then max of each bucket. */
  minMax: Float32Array
}

export interface Peaks {
  /** Rate of the signal the peaks were built from, Hz. */
  sampleRate: number
  /** Signal length in samples. */
  length: number
  /** Finest level first. */
  levels: PeakLevel[]
}

export interface PeakWindow {
  /** Samples per bucket of the level used. */
  bucketSize: number
  /** Start time of the first returned bucket, seconds. */
  start: number
  /** (buckets, 2) min/max pairs. */
  minMax: Float32Array
}

/** Bucket sizes of the pyramid: 256 · 4^k down to about one bucket per file. */
export const BASE_BUCKET = 256
export const LEVEL_FACTOR = 4
const VERSION = 1

export function buildPeaks(samples: Float32Array, sampleRate: number): Peaks {
  const n0 = Math.ceil(samples.length / BASE_BUCKET)
  const level = new Float32Array(n0 * 2)
  for (let b = 0; b < n0; b++) {
    let lo = Infinity
    let hi = -Infinity
    const end = Math.min(samples.length, (b + 1) * BASE_BUCKET)
    for (let i = b * BASE_BUCKET; i < end; i++) {
      const s = samples[i]
      if (s < lo) lo = s
      if (s > hi) hi = s
    }
    level[2 * b] = lo
    level[2 * b + 1] = hi
  }
  return peaksFromFinest(level, sampleRate, samples.length)
}

/**
 * The pyramid over its finest level: (buckets of BASE_BUCKET, 2) min/max pairs, up to one bucket
 * or the widest bucket the cache's u32 field holds (2^30 samples; a 24 h 48 kHz file stops there
 * with 4 buckets).
 */
export function peaksFromFinest(finest: Float32Array, sampleRate: number, length: number): Peaks {
  const levels: PeakLevel[] = [{ bucketSize: BASE_BUCKET, minMax: finest }]
  let level = finest
  while (level.length > 2 && levels[levels.length - 1].bucketSize * LEVEL_FACTOR <= 0xffffffff) {
    const count = Math.ceil(level.length / 2 / LEVEL_FACTOR)
    const next = new Float32Array(count * 2)
    for (let b = 0; b < count; b++) {
      let lo = Infinity
      let hi = -Infinity
      const end = Math.min(level.length / 2, (b + 1) * LEVEL_FACTOR)
      for (let i = b * LEVEL_FACTOR; i < end; i++) {
        lo = Math.min(lo, level[2 * i])
        hi = Math.max(hi, level[2 * i + 1])
      }
      next[2 * b] = lo
      next[2 * b + 1] = hi
    }
    levels.push({ bucketSize: levels[levels.length - 1].bucketSize * LEVEL_FACTOR, minMax: next })
    level = next
  }
  return { sampleRate, length, levels }
}

/** Finest buckets per read: 4096 × 256 frames (8 MB of 48 kHz stereo 16-bit). */
const BUCKETS_PER_BLOCK = 4096

/**
 * The pyramid of a WAV or AIFF file read block by block, never the whole signal: a 24-hour
 * 48 kHz recording is 4.1 G samples (16.6 GB as float32, past readWav's limit), its pyramid
 * 173 MB. Blocks hold a whole number of finest buckets, so every bucket's min/max is taken over
 * the same samples as buildPeaks takes them: the result equals buildPeaks(decodeAudio(file)).
 */
export async function buildWavPeaks(file: string, options: DecodeOptions = {}): Promise<Peaks> {
  const fh = await openRegular(file)
  try {
    const info = await readWavInfo(fh, file, (await fh.stat()).size)
    const channel = options.channel ?? 'mix'
    if (
      channel !== 'mix' &&
      !(Number.isInteger(channel) && channel >= 0 && channel < info.channels)
    )
      throw new DataError(file, `channel ${channel} does not exist (the file has ${info.channels})`)
    const blockAlign = info.channels * (info.bitsPerSample / 8)
    const frames = info.frames
    const finest = new Float32Array(Math.ceil(frames / BASE_BUCKET) * 2) // (buckets, 2)
    const framesPerBlock = BUCKETS_PER_BLOCK * BASE_BUCKET
    const buf = Buffer.alloc(framesPerBlock * blockAlign) // own ArrayBuffer, so aligned
    const mono = new Float32Array(framesPerBlock)
    for (let f0 = 0; f0 < frames; f0 += framesPerBlock) {
      options.signal?.throwIfAborted()
      const n = Math.min(framesPerBlock, frames - f0)
      const bytes = n * blockAlign
      for (let off = 0; off < bytes;) {
        const { bytesRead } = await fh.read(
          buf,
          off,
          bytes - off,
          info.dataOffset + f0 * blockAlign + off,
        )
        if (bytesRead === 0)
          throw new DataError(file, 'file shrank while reading', {
            offset: info.dataOffset + f0 * blockAlign + off,
          })
        off += bytesRead
      }
      wavToMono(buf, n, info, channel, mono, 0)
      for (let b = 0, i = 0; i < n; b++) {
        let lo = Infinity
        let hi = -Infinity
        const end = Math.min(n, i + BASE_BUCKET)
        for (; i < end; i++) {
          const s = mono[i]
          if (s < lo) lo = s
          if (s > hi) hi = s
        }
        const k = f0 / BASE_BUCKET + b
        finest[2 * k] = lo
        finest[2 * k + 1] = hi
      }
      options.onProgress?.((f0 + n) / frames, `reading ${info.container.toUpperCase()}`)
    }
    return peaksFromFinest(finest, info.sampleRate, frames)
  } finally {
    await fh.close()
  }
}

/** The coarsest level whose buckets are no wider than `samplesPerPixel` (finest if none). */
export function pickLevel(peaks: Peaks, samplesPerPixel: number): PeakLevel {
  let best = peaks.levels[0]
  for (const l of peaks.levels) if (l.bucketSize <= samplesPerPixel) best = l
  return best
}

/** Min/max pairs covering [start, end) seconds at the level with exactly `bucketSize`. */
export function queryPeaks(
  peaks: Peaks,
  start: number,
  end: number,
  bucketSize: number,
): PeakWindow {
  const level = peaks.levels.find((l) => l.bucketSize === bucketSize)
  if (!level) throw new RangeError(`no peak level with ${bucketSize}-sample buckets`)
  const count = level.minMax.length / 2
  const b0 = Math.max(0, Math.floor((start * peaks.sampleRate) / bucketSize))
  const b1 = Math.min(count, Math.ceil((end * peaks.sampleRate) / bucketSize))
  return {
    bucketSize,
    start: (b0 * bucketSize) / peaks.sampleRate,
    minMax: level.minMax.slice(2 * b0, 2 * Math.max(b0, b1)),
  }
}

export function encodePeaks(peaks: Peaks): Buffer {
  const headerBytes = 4 + 4 + 4 + 8 + 4 + 8 * peaks.levels.length
  const dataBytes = peaks.levels.reduce((s, l) => s + l.minMax.byteLength, 0)
  const buf = Buffer.alloc(headerBytes + dataBytes)
  buf.write('FWPK', 0, 'latin1')
  buf.writeUInt32LE(VERSION, 4)
  buf.writeUInt32LE(peaks.sampleRate, 8)
  buf.writeDoubleLE(peaks.length, 12)
  buf.writeUInt32LE(peaks.levels.length, 20)
  let o = 24
  for (const l of peaks.levels) {
    buf.writeUInt32LE(l.bucketSize, o)
    buf.writeUInt32LE(l.minMax.length / 2, o + 4)
    o += 8
  }
  for (const l of peaks.levels) {
    Buffer.from(l.minMax.buffer, l.minMax.byteOffset, l.minMax.byteLength).copy(buf, o)
    o += l.minMax.byteLength
  }
  return buf
}

export function decodePeaks(buf: Buffer, file: string): Peaks {
  if (buf.length < 24 || buf.toString('latin1', 0, 4) !== 'FWPK')
    throw new DataError(file, 'not a peaks cache file', { offset: 0 })
  if (buf.readUInt32LE(4) !== VERSION)
    throw new DataError(file, `peaks cache version ${buf.readUInt32LE(4)} is not ${VERSION}`, {
      offset: 4,
    })
  const sampleRate = buf.readUInt32LE(8)
  const length = buf.readDoubleLE(12)
  const n = buf.readUInt32LE(20)
  let o = 24 + 8 * n
  if (o > buf.length)
    throw new DataError(file, 'truncated peaks cache header', { offset: buf.length })
  const levels: PeakLevel[] = []
  for (let i = 0; i < n; i++) {
    const bucketSize = buf.readUInt32LE(24 + 8 * i)
    const count = buf.readUInt32LE(28 + 8 * i)
    if (o + count * 8 > buf.length)
      throw new DataError(file, 'truncated peaks cache data', { offset: buf.length })
    const minMax = new Float32Array(count * 2)
    Buffer.from(minMax.buffer).set(buf.subarray(o, o + count * 8))
    levels.push({ bucketSize, minMax })
    o += count * 8
  }
  return { sampleRate, length, levels }
}

/** Cache file name for an audio file: its name plus a hash of path, size and mtime. */
export async function peaksCachePath(
  audioPath: string,
  cacheDir: string,
  channel: DecodeOptions['channel'] = 'mix',
): Promise<string> {
  const s = await statFile(audioPath)
  const key = createHash('sha256')
    .update(`${audioPath}\0${s.size}\0${s.mtimeMs}\0${channel}`)
    .digest('hex')
    .slice(0, 16)
  return join(cacheDir, `${basename(audioPath)}.${key}.peaks`)
}

/** Peaks being built now, per cache file: concurrent callers share one decode and one write. */
const building = new SingleFlight<Peaks>()

/**
 * Peaks for an audio file, from the cache in `cacheDir` when present and valid, else decoded,
 * built and written there (atomically, under a temp name of its own). Concurrent calls for one
 * file share one computation; a caller's signal cancels only its own wait.
 */
export async function loadPeaks(
  audioPath: string,
  cacheDir: string,
  options: DecodeOptions = {},
): Promise<Peaks> {
  const cache = await peaksCachePath(audioPath, cacheDir, options.channel)
  return building.run(
    cache,
    async ({ signal, progress }) => {
      try {
        return decodePeaks(await readRegular(cache, READ_LIMITS.cache), cache)
      } catch {
        // missing or unreadable cache: rebuild below
      }
      // WAV/AIFF: read block by block (any length); other formats decode whole
      const format = await sniffAudioFormat(audioPath)
      const peaks =
        format === 'wav' || format === 'aiff'
          ? await buildWavPeaks(audioPath, { ...options, signal, onProgress: progress })
          : await decodeAudio(audioPath, {
              ...options,
              sampleRate: undefined,
              signal,
              onProgress: progress,
            }).then((audio) => buildPeaks(audio.samples, audio.sampleRate))
      await mkdir(cacheDir, { recursive: true })
      await writeFileAtomic(cache, encodePeaks(peaks), { durable: false })
      return peaks
    },
    options,
  )
}
