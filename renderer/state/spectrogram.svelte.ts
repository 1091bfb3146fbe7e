/**
 * The optional spectrogram of the visible window and its settings. Images come from the engine
 * (getSpectrogram) a moment after the view settles, computed for the row's pixels (a column per
 * pixel, a row per pixel); meanwhile the last image is drawn at its own times, so zooming and
 * scrolling stay smooth. The dB range and colour map are applied here (a LUT over the image's
 * bytes), so changing them recolours at once without asking the engine.
 */
import type { SpectrogramImage, SpectroWindow } from '../../engine/api'
import { api, newJobId } from '../api/client'
import { colormap, displayRange, levelLut, toRgba, type ColormapName } from '../lib/colormap'
import type { SignalState } from './signal.svelte'
import type { ViewState } from './view.svelte'

/** Wait this long after the last view change before asking. */
const SETTLE_MS = 120
export const MIN_HEIGHT = 64
export const MAX_HEIGHT = 600
/** Every window function the engine knows (a missing one fails to compile). */
const WINDOW_SET: Record<SpectroWindow, true> = { hann: true, hamming: true, blackman: true }
export const WINDOWS = Object.keys(WINDOW_SET) as SpectroWindow[]
/** FFT sizes offered; null: the engine's choice (≈ 25 ms). */
export const FFT_SIZES = [null, 256, 512, 1024, 2048, 4096, 8192] as const

/** What the engine computes the image with (a change asks for a new image). */
export interface SpectroRequest {
  scale: 'linear' | 'mel'
  fftSize: number | null
  window: SpectroWindow
  /** Least overlap of consecutive frames, 0 … 0.95. */
  overlap: number
  /** Frequency range shown, Hz; null: 0 / Nyquist. */
  fMin: number | null
  fMax: number | null
  /** 'mix' or a channel index. */
  channel: 'mix' | number
}

export class SpectrogramState {
  enabled = $state(false)
  scale = $state<'linear' | 'mel'>('linear')
  fftSize = $state<number | null>(null)
  window = $state<SpectroWindow>('hann')
  overlap = $state(0.5)
  fMin = $state<number | null>(null)
  fMax = $state<number | null>(null)
  channel = $state<'mix' | number>('mix')
  colormap = $state<ColormapName>('magma')
  /** dB range shown; null: the file's (its floor and ceiling from the engine). */
  floorDb = $state<number | null>(null)
  ceilingDb = $state<number | null>(null)
  /** −1 … 1 (displayRange). */
  brightness = $state(0)
  contrast = $state(0)
  /** Row height, CSS px. */
  height = $state(160)

  /** The last image: its description and bytes ((bands, columns), band 0 lowest). */
  image = $state.raw<{ meta: SpectrogramImage; bytes: Uint8Array } | null>(null)
  error = $state<string | null>(null)

  request: SpectroRequest = $derived({
    scale: this.scale,
    fftSize: this.fftSize,
    window: this.window,
    overlap: this.overlap,
    fMin: this.fMin,
    fMax: this.fMax,
    channel: this.channel,
  })

  /** The dB range shown, after brightness and contrast. */
  range = $derived.by(() => {
    const m = this.image?.meta
    const floor = this.floorDb ?? m?.floorDb ?? -100
    const ceiling = this.ceilingDb ?? m?.ceilingDb ?? 0
    return displayRange(floor, Math.max(floor + 1, ceiling), this.brightness, this.contrast)
  })

  #map = $derived(colormap(this.colormap))

  /** The image on a canvas in the chosen colours, ready to draw at its times. */
  canvas = $derived.by(() => {
    const img = this.image
    if (!img || typeof document === 'undefined') return null
    const { meta, bytes } = img
    const lut = levelLut(this.#map, this.range.lo, this.range.hi, meta.dbLo, meta.dbStep)
    const canvas = document.createElement('canvas')
    canvas.width = meta.columns
    canvas.height = meta.bands
    canvas
      .getContext('2d')!
      .putImageData(
        new ImageData(toRgba(bytes, meta.columns, meta.bands, lut), meta.columns, meta.bands),
        0,
        0,
      )
    return canvas
  })

  #timer: ReturnType<typeof setTimeout> | null = null
  #busy = false
  #again = false

  constructor(
    private readonly view: ViewState,
    private readonly signal: SignalState,
  ) {}

  /** The view, file or request changed: fetch a new image once things settle. */
  schedule(): void {
    if (this.#timer) clearTimeout(this.#timer)
    if (!this.enabled || this.signal.kind !== 'audio' || !this.signal.media) return
    this.#timer = setTimeout(() => this.#fetch(), SETTLE_MS)
  }

  /** A new file: forget its image, dB range and channel (the frequency band and settings stay). */
  clear(): void {
    this.image = null
    this.error = null
    this.floorDb = this.ceilingDb = null
    this.channel = 'mix'
  }

  /** Level (dB re full scale) at time t and y px from the top of the row, from the last image. */
  levelAt(t: number, y: number): number | null {
    const img = this.image
    if (!img) return null
    const { meta, bytes } = img
    const c = Math.floor(((t - meta.start) / (meta.end - meta.start)) * meta.columns)
    const r = meta.bands - 1 - Math.floor((y / this.height) * meta.bands)
    if (c < 0 || c >= meta.columns || r < 0 || r >= meta.bands) return null
    const v = bytes[r * meta.columns + c]
    return v === 0 ? -Infinity : meta.dbLo + v * meta.dbStep
  }

  /** Show [lo, hi] Hz (drag on the axis, or the two inputs); null restores the whole band. */
  zoomFrequency(lo: number | null, hi: number | null): void {
    if (lo !== null && hi !== null && hi - lo < 10) return
    this.fMin = lo === null ? null : Math.max(0, Math.round(lo))
    this.fMax = hi === null ? null : Math.round(hi)
  }

  setHeight(px: number): void {
    this.height = Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, px)))
  }

  async #fetch(): Promise<void> {
    if (this.#busy) return void (this.#again = true)
    const media = this.signal.media
    if (!media) return
    const { start, span, width } = this.view.viewport
    const end = Math.min(start + span, this.view.duration)
    if (end <= start) return
    const r = this.request
    this.#busy = true
    try {
      const meta = await api.getSpectrogram({
        media,
        start,
        end,
        columns: Math.max(1, Math.min(4096, Math.round(width))),
        bands: Math.max(8, Math.min(1024, Math.round(this.height))),
        scale: r.scale,
        window: r.window,
        overlap: r.overlap,
        channel: r.channel,
        ...(r.fftSize ? { fftSize: r.fftSize } : {}),
        ...(r.fMin !== null ? { fMin: r.fMin } : {}),
        ...(r.fMax !== null ? { fMax: r.fMax } : {}),
        jobId: newJobId(),
      })
      if (this.signal.media !== media) return
      this.image = { meta, bytes: Uint8Array.from(atob(meta.pixels), (c) => c.charCodeAt(0)) }
      this.error = null
    } catch (err) {
      this.error = (err as Error).message
    } finally {
      this.#busy = false
      if (this.#again) {
        this.#again = false
        this.schedule()
      }
    }
  }
}
