/**
 * The spectrogram image of the visible window, computed for the pixels it is drawn on: one
 * column per pixel across and one row per pixel up, so it is as sharp at 20 ms as at 1 hour.
 *
 *   frame n (N samples, window w) centred at sample t_n;  X_k = Σ_i w_i x_{t_n − N/2 + i} e^{−2πik/N}
 *   P_k = |X_k|² / (Σ_i w_i / 2)²        (a full-scale sine reads 0 dB in its bin: dB re full scale)
 *   column c: the mean of P over F frames spread evenly across its time span (F = 1 when the
 *     column is narrower than the least hop N · (1 − overlap), so overlap grows as one zooms in;
 *     F ≤ MAX_FRAMES_PER_COLUMN when zoomed out, the cost stays bounded by the screen)
 *   row r: centre f_r evenly spaced between fMin and fMax in Hz (linear) or mel (HTK);
 *     its value is the largest P_k of the bins inside the row (tonal lines survive rows wider
 *     than a bin), or P interpolated at f_r when the row is narrower than a bin
 *   byte = round((10 log10 P − dbLo) / dbStep), clamped to 0 … 255
 *
 * dbLo and dbStep come from the file's level (fileLevel: percentiles of a coarse pass over the
 * whole file), never from the window, so a quiet stretch stays dark however far one zooms in.
 */
import FFT from 'fft.js'
import type { SpectrogramImage, SpectroWindow } from '../api'
import { statFile } from '../errors'
import { hzToMel, melToHz } from '../features/mel'
import type { JobContext } from '../jobs'
import { openReader, type Channel, type Reader } from './sample-reader'

export interface SpectrogramOptions {
  /** Row spacing. */
  scale: 'linear' | 'mel'
  /** Frame length (power of two); undefined: the nearest to 25 ms. */
  fftSize?: number
  window: SpectroWindow
  /** Least overlap of consecutive frames (0 … 0.95). */
  overlap: number
  /** Frequency range, Hz; undefined: 0 and Nyquist. */
  fMin?: number
  fMax?: number
  channel: Channel
}

export const DEFAULT_SPECTROGRAM: SpectrogramOptions = {
  scale: 'linear',
  window: 'hann',
  overlap: 0.5,
  channel: 'mix',
}

/** Frames averaged in one column when zoomed out (bounds the cost of a whole-file view). */
export const MAX_FRAMES_PER_COLUMN = 8
/** Frames of the coarse whole-file pass that sets the file's level. */
const LEVEL_FRAMES = 1024
/** The file's level: its floor and ceiling are these quantiles of all (frame, bin) cells. */
const FLOOR_QUANTILE = 0.1
const CEILING_QUANTILE = 0.999
/** The file's default range is at least this and at most that wide, dB. */
const MIN_RANGE_DB = 20
const MAX_RANGE_DB = 120
/** The byte range reaches this far below the floor and above the ceiling, dB. */
const BELOW_FLOOR_DB = 30
const ABOVE_CEILING_DB = 10
/** dB of a zero power (digital silence). */
const SILENCE_DB = -200
/** Windows up to this many samples are read in one piece. */
const MAX_READ = 1 << 22

/** The nearest power of two to 25 ms, at least 256 samples. */
export function defaultFftSize(sampleRate: number): number {
  return Math.max(256, 2 ** Math.round(Math.log2(sampleRate * 0.025)))
}

/** Periodic window coefficients (the DFT-even form used for spectral analysis). */
export function windowCoefficients(kind: SpectroWindow, N: number): Float64Array {
  const w = new Float64Array(N)
  for (let i = 0; i < N; i++) {
    const a = (2 * Math.PI * i) / N
    w[i] =
      kind === 'hann'
        ? 0.5 - 0.5 * Math.cos(a)
        : kind === 'hamming'
          ? 0.54 - 0.46 * Math.cos(a)
          : 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a)
  }
  return w
}

/** Power spectra of frames of one length and window: P_k for k = 0 … N/2 (see the header). */
export class PowerSpectrum {
  readonly bins: number
  readonly #fft: FFT
  readonly #w: Float64Array
  readonly #input: Float64Array
  readonly #out: number[]
  readonly #norm: number

  constructor(
    readonly N: number,
    kind: SpectroWindow,
  ) {
    this.bins = N / 2 + 1
    this.#fft = new FFT(N)
    this.#w = windowCoefficients(kind, N)
    this.#input = new Float64Array(N)
    this.#out = this.#fft.createComplexArray() as number[]
    const gain = this.#w.reduce((s, v) => s + v, 0) / 2
    this.#norm = 1 / (gain * gain)
  }

  /** Adds `scale` · P of `frame` (N samples) to `acc` (bins). */
  accumulate(frame: Float32Array, acc: Float64Array, scale = 1): void {
    const { N } = this
    for (let i = 0; i < N; i++) this.#input[i] = frame[i] * this.#w[i]
    this.#fft.realTransform(this.#out, this.#input as unknown as number[])
    const o = this.#out
    const k = this.#norm * scale
    for (let b = 0; b < this.bins; b++) acc[b] += (o[2 * b] ** 2 + o[2 * b + 1] ** 2) * k
  }
}

const toDb = (p: number) => (p > 0 ? Math.max(SILENCE_DB, 10 * Math.log10(p)) : SILENCE_DB)

/** How each row takes its value from the bins: a range [k0, k1] (max) or an interpolation. */
export interface RowMap {
  /** Centre frequency of each row, Hz. */
  hz: Float64Array
  /** First and last bin inside the row; k1 < k0 means "interpolate at kf". */
  k0: Int32Array
  k1: Int32Array
  /** Fractional bin of the row's centre. */
  kf: Float64Array
}

/** Rows from fMin to fMax, evenly spaced in Hz or mel, for N-point frames at sampleRate. */
export function rowMap(
  rows: number,
  scale: 'linear' | 'mel',
  fMin: number,
  fMax: number,
  N: number,
  sampleRate: number,
): RowMap {
  const to = scale === 'mel' ? hzToMel : (f: number) => f
  const from = scale === 'mel' ? melToHz : (f: number) => f
  const a = to(fMin)
  const b = to(fMax)
  const at = (x: number) => from(a + ((b - a) * x) / rows)
  const binHz = sampleRate / N
  const map: RowMap = {
    hz: new Float64Array(rows),
    k0: new Int32Array(rows),
    k1: new Int32Array(rows),
    kf: new Float64Array(rows),
  }
  for (let r = 0; r < rows; r++) {
    map.hz[r] = at(r + 0.5)
    map.kf[r] = Math.min(N / 2, map.hz[r] / binHz)
    // Bins whose centre lies in [lo, hi): the edges halfway to the neighbouring rows.
    map.k0[r] = Math.ceil(at(r) / binHz - 1e-9)
    map.k1[r] = Math.min(N / 2, Math.ceil(at(r + 1) / binHz - 1e-9) - 1)
  }
  return map
}

/** The value of row r from a column's power spectrum (bins 0 … N/2). */
export function rowPower(map: RowMap, r: number, P: Float64Array): number {
  const k0 = map.k0[r]
  const k1 = map.k1[r]
  if (k1 >= k0) {
    let m = 0
    for (let k = k0; k <= k1; k++) if (P[k] > m) m = P[k]
    return m
  }
  const kf = map.kf[r]
  const i = Math.min(P.length - 2, Math.floor(kf))
  const f = kf - i
  return P[i] * (1 - f) + P[i + 1] * f
}

/** The file's level under one frame length and window: dB floor and ceiling (see the header). */
export interface FileLevel {
  floorDb: number
  ceilingDb: number
}

const levels = new Map<string, FileLevel>()
const LEVELS_KEPT = 64

/**
 * Percentiles of 10 log10 P over LEVEL_FRAMES frames spread evenly over the whole file (every
 * bin but DC), through a 0.25 dB histogram; kept per file version, channel, length and window.
 */
export async function fileLevel(
  file: string,
  reader: Reader,
  spectrum: PowerSpectrum,
  kind: SpectroWindow,
  channel: Channel,
  signal: AbortSignal,
): Promise<FileLevel> {
  const s = await statFile(file)
  const key = `${file}\0${s.size}\0${s.mtimeMs}\0${channel}\0${spectrum.N}\0${kind}`
  const hit = levels.get(key)
  if (hit) return hit
  const STEP = 0.25
  const LO = SILENCE_DB
  const hist = new Float64Array(Math.ceil((40 - LO) / STEP) + 1)
  const P = new Float64Array(spectrum.bins)
  const frames = Math.max(1, Math.min(LEVEL_FRAMES, Math.floor(reader.length / spectrum.N)))
  let cells = 0
  for (let n = 0; n < frames; n++) {
    if (n % 64 === 0) signal.throwIfAborted()
    const centre = Math.round(((n + 0.5) / frames) * reader.length)
    P.fill(0)
    spectrum.accumulate(await reader.read(centre - spectrum.N / 2, spectrum.N), P)
    for (let k = 1; k < spectrum.bins; k++) {
      hist[Math.max(0, Math.min(hist.length - 1, Math.round((toDb(P[k]) - LO) / STEP)))]++
      cells++
    }
  }
  const quantile = (q: number) => {
    let seen = 0
    for (let i = 0; i < hist.length; i++) if ((seen += hist[i]) >= q * cells) return LO + i * STEP
    return LO + (hist.length - 1) * STEP
  }
  let floorDb = quantile(FLOOR_QUANTILE)
  let ceilingDb = quantile(CEILING_QUANTILE)
  // A silent or synthetic file (bins of exact zeros): still a usable range.
  floorDb = Math.min(ceilingDb - MIN_RANGE_DB, Math.max(floorDb, ceilingDb - MAX_RANGE_DB))
  ceilingDb = Math.round(ceilingDb)
  floorDb = Math.round(floorDb)
  levels.set(key, { floorDb, ceilingDb })
  while (levels.size > LEVELS_KEPT) levels.delete(levels.keys().next().value!)
  return { floorDb, ceilingDb }
}

/** Spectrogram of [start, end] seconds at `columns` × `rows` pixels (see the header). */
export async function spectrogramWindow(
  file: string,
  start: number,
  end: number,
  columns: number,
  rows: number,
  ctx: JobContext,
  options: Partial<SpectrogramOptions> = {},
): Promise<SpectrogramImage> {
  const o = { ...DEFAULT_SPECTROGRAM, ...options }
  const reader = await openReader(file, ctx, o.channel)
  try {
    const sr = reader.sampleRate
    const N = o.fftSize ?? defaultFftSize(sr)
    const spectrum = new PowerSpectrum(N, o.window)
    const nyquist = sr / 2
    const fMax = Math.min(o.fMax ?? nyquist, nyquist)
    const fMin = Math.min(o.fMin ?? 0, fMax * 0.99)
    const map = rowMap(rows, o.scale, fMin, fMax, N, sr)
    const level = await fileLevel(file, reader, spectrum, o.window, o.channel, ctx.signal)
    const dbLo = level.floorDb - BELOW_FLOOR_DB
    const dbStep = (level.ceilingDb + ABOVE_CEILING_DB - dbLo) / 255

    const colSamples = ((end - start) * sr) / columns
    const leastHop = Math.max(1, Math.round(N * (1 - o.overlap)))
    const F =
      colSamples <= leastHop ? 1 : Math.min(MAX_FRAMES_PER_COLUMN, Math.ceil(colSamples / leastHop))
    const frameSpacing = colSamples / F
    const first = Math.floor(start * sr - N / 2)
    const whole =
      (end - start) * sr + N <= MAX_READ
        ? await reader.read(first, Math.ceil((end - start) * sr) + N + 2)
        : null
    const frameAt = async (centre: number) => {
      const at = Math.round(centre) - N / 2
      return whole ? whole.subarray(at - first, at - first + N) : reader.read(at, N)
    }

    const P = new Float64Array(spectrum.bins)
    const pixels = Buffer.alloc(rows * columns)
    for (let c = 0; c < columns; c++) {
      if (c % 32 === 0) ctx.signal.throwIfAborted()
      P.fill(0)
      const frames = await Promise.all(
        Array.from({ length: F }, (_, f) => frameAt(start * sr + (c + (f + 0.5) / F) * colSamples)),
      )
      for (const frame of frames) spectrum.accumulate(frame, P, 1 / F)
      for (let r = 0; r < rows; r++) {
        const v = Math.round((toDb(rowPower(map, r, P)) - dbLo) / dbStep)
        pixels[r * columns + c] = v < 0 ? 0 : v > 255 ? 255 : v
      }
    }
    ctx.progress(1, 'spectrogram ready')
    return {
      start,
      end,
      columns,
      bands: rows,
      scale: o.scale,
      fMin,
      fMax,
      rowHz: Array.from(map.hz, (f) => Math.round(f * 100) / 100),
      fftSize: N,
      window: o.window,
      hop: colSamples / sr,
      framesPerColumn: F,
      overlap: Math.max(0, 1 - frameSpacing / N),
      dbLo,
      dbStep,
      floorDb: level.floorDb,
      ceilingDb: level.ceilingDb,
      channels: reader.channels,
      channel: o.channel,
      pixels: pixels.toString('base64'),
    }
  } finally {
    await reader.close()
  }
}
