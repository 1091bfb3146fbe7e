/**
 * What the renderer draws, for the visible window only: waveform min/max from the peaks pyramid
 * (media/audio/peaks.ts) and min/max-decimated CSV channels (media/series/csv.ts). Parsed data is kept in a
 * small in-memory cache per file, so scrolling and zooming ask only for a slice.
 */
import type { PeaksWindow, SeriesWindow } from '../api'
import { loadPeaks, pickLevel, queryPeaks, type Peaks } from './audio/peaks'
import type { JobContext } from '../jobs'
import { DataError, statFile } from '../errors'
import { readSeriesCsv, type SeriesData } from './series/csv'
import { SingleFlight, type FlightContext } from '../io/single-flight'
import { audioFileInfo } from './audio/file-info'
import { openReader, type Channel } from './sample-reader'

/** Below the pyramid's finest level, windows up to this many samples are read raw. */
const MAX_RAW_SAMPLES = 1 << 20

/**
 * A few parsed files, keyed by path + size + mtime, most recent last. Concurrent requests for one
 * file share one load (SingleFlight), and one request's cancel does not fail the others.
 */
class FileCache<T> {
  readonly #entries = new Map<string, T>()
  readonly #loading = new SingleFlight<T>()
  constructor(private readonly capacity: number) {}

  /** `variant`: what else the parsed value depends on (a series' rate). */
  async get(
    file: string,
    load: (ctx: FlightContext) => Promise<T>,
    ctx: JobContext,
    variant = '',
  ): Promise<T> {
    const s = await statFile(file)
    const key = `${file}\0${s.size}\0${s.mtimeMs}\0${variant}`
    const value = this.#entries.has(key)
      ? this.#entries.get(key)!
      : await this.#loading.run(key, load, {
          signal: ctx.signal,
          onProgress: (f, m) => ctx.progress(f, m),
        })
    this.#entries.delete(key)
    this.#entries.set(key, value)
    while (this.#entries.size > this.capacity)
      this.#entries.delete(this.#entries.keys().next().value!)
    return value
  }
}

const peaksCache = new FileCache<Peaks>(8)
const seriesCache = new FileCache<SeriesData>(4)
/** Channel counts (WAV/AIFF from the header; other formats are decoded once). */
const channelsCache = new FileCache<number>(64)

/** Min/max peaks over [start, end) seconds at about `pixels` buckets, of one channel or the mix. */
export async function peaksWindow(
  file: string,
  cacheDir: string,
  start: number,
  end: number,
  pixels: number,
  ctx: JobContext,
  channel: Channel = 'mix',
): Promise<PeaksWindow> {
  const channels = await channelsCache.get(
    file,
    async () => (await audioFileInfo(file)).channels,
    ctx,
  )
  if (typeof channel === 'number' && channel >= channels)
    throw new DataError(
      file,
      `has ${channels} channel${channels === 1 ? '' : 's'}: there is no channel ${channel + 1}; pick 1 to ${channels} or the mix`,
    )
  const peaks = await peaksCache.get(
    file,
    ({ signal, progress }) => loadPeaks(file, cacheDir, { channel, signal, onProgress: progress }),
    ctx,
    String(channel),
  )
  const duration = peaks.length / peaks.sampleRate
  const lo = Math.max(0, Math.min(start, duration))
  const hi = Math.max(lo, Math.min(end, duration))
  const samplesPerPixel = ((hi - lo) * peaks.sampleRate) / pixels
  const finest = peaks.levels[0].bucketSize
  if (samplesPerPixel < finest && (hi - lo) * peaks.sampleRate <= MAX_RAW_SAMPLES && hi > lo)
    return rawWindow(file, peaks, lo, hi, samplesPerPixel, ctx, channel, channels)
  const level = pickLevel(peaks, samplesPerPixel)
  const w = queryPeaks(peaks, lo, hi, level.bucketSize)
  ctx.progress(1, 'waveform ready')
  return {
    duration,
    sampleRate: peaks.sampleRate,
    channels,
    bucketSize: w.bucketSize,
    start: w.start,
    secondsPerBucket: w.bucketSize / peaks.sampleRate,
    minMax: Array.from(w.minMax, round4),
  }
}

/**
 * Zoomed in past the pyramid (labelling at a 10 ms grid needs it): min/max over buckets of
 * ⌊samples per pixel⌋ samples (1 = the samples themselves) read straight from the file.
 */
async function rawWindow(
  file: string,
  peaks: Peaks,
  lo: number,
  hi: number,
  spp: number,
  ctx: JobContext,
  channel: Channel,
  channels: number,
): Promise<PeaksWindow> {
  const sr = peaks.sampleRate
  const bucket = Math.max(1, Math.floor(spp + 1e-9))
  const a = Math.floor((lo * sr) / bucket) * bucket
  const b = Math.min(peaks.length, Math.ceil(hi * sr))
  const reader = await openReader(file, ctx, channel)
  try {
    const x = await reader.read(a, b - a)
    const n = Math.ceil(x.length / bucket)
    const minMax: number[] = new Array(2 * n)
    for (let k = 0; k < n; k++) {
      let mn = Infinity
      let mx = -Infinity
      for (let i = k * bucket; i < Math.min(x.length, (k + 1) * bucket); i++) {
        if (x[i] < mn) mn = x[i]
        if (x[i] > mx) mx = x[i]
      }
      minMax[2 * k] = round4(mn)
      minMax[2 * k + 1] = round4(mx)
    }
    ctx.progress(1, 'waveform ready')
    return {
      duration: peaks.length / sr,
      sampleRate: sr,
      channels,
      bucketSize: bucket,
      start: a / sr,
      secondsPerBucket: bucket / sr,
      minMax,
    }
  } finally {
    await reader.close()
  }
}

/** Peaks are drawn on screens a few hundred pixels tall: 4 decimals keep the JSON small. */
const round4 = (x: number) => Math.round(x * 1e4) / 1e4

/** Rows per second a series without a time column is drawn at until the user gives its rate. */
const UNKNOWN_RATE = 1

/**
 * Channels of a CSV over [start, end) seconds. Above `points` rows, each bucket of rows becomes
 * its min and max (in time order), so peaks survive decimation as in the waveform. `rate`: rows
 * per second when the file has no time column (the media's setting).
 */
export async function seriesWindow(
  file: string,
  start: number,
  end: number,
  points: number,
  ctx: JobContext,
  rate?: number,
): Promise<SeriesWindow> {
  const data = await seriesCache.get(
    file,
    ({ signal, progress }) =>
      readSeriesCsv(file, { sampleRate: rate ?? UNKNOWN_RATE, signal, onProgress: progress }),
    ctx,
    String(rate ?? ''),
  )
  // Still drawn without a rate, so the user sees the file, but told the times are made up.
  const warnings =
    rate === undefined && data.sampling.source === 'rate'
      ? [
          ...data.warnings,
          `${file}: no time column: rows are drawn ${UNKNOWN_RATE} s apart; give the rate in the import dialog`,
        ]
      : data.warnings
  const T = data.times.length
  const C = data.channels.length
  const duration = T > 0 ? data.times[T - 1] + (data.sampleRate > 0 ? 1 / data.sampleRate : 0) : 0
  const i0 = Math.max(0, lowerBound(data.times, start) - 1)
  const i1 = Math.min(T, lowerBound(data.times, end) + 1)
  const n = i1 - i0
  const times: number[] = []
  const values: number[][] = data.channels.map(() => [])
  if (n <= points) {
    for (let t = i0; t < i1; t++) {
      times.push(data.times[t])
      for (let c = 0; c < C; c++) values[c].push(data.values[t * C + c])
    }
  } else {
    // Two points per bucket; every channel keeps its own min and max, placed at the bucket's
    // first and middle row times so the x values stay shared and increasing.
    const buckets = Math.max(1, Math.floor(points / 2))
    for (let b = 0; b < buckets; b++) {
      const a = i0 + Math.floor((b * n) / buckets)
      const z = Math.max(a + 1, i0 + Math.floor(((b + 1) * n) / buckets))
      times.push(data.times[a], data.times[(a + z) >> 1])
      for (let c = 0; c < C; c++) {
        let lo = Infinity
        let hi = -Infinity
        for (let t = a; t < z; t++) {
          const v = data.values[t * C + c]
          if (v < lo) lo = v
          if (v > hi) hi = v
        }
        values[c].push(lo, hi)
      }
    }
  }
  let ranges = rangesOf.get(data)
  if (!ranges)
    rangesOf.set(data, (ranges = data.channels.map((_, c) => channelRange(data.values, C, c))))
  ctx.progress(1, 'series ready')
  return {
    duration,
    sampleRate: data.sampleRate,
    rows: T,
    channels: data.channels,
    ranges,
    times,
    values,
    ...(warnings.length ? { warnings } : {}),
  }
}

const rangesOf = new WeakMap<SeriesData, [number, number][]>()

/** First index with times[i] ≥ t. */
function lowerBound(times: Float64Array, t: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (times[mid] < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

function channelRange(values: Float32Array, C: number, c: number): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let i = c; i < values.length; i += C) {
    if (values[i] < lo) lo = values[i]
    if (values[i] > hi) hi = values[i]
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1]
}
