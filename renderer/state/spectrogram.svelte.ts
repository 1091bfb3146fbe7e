/**
 * The optional spectrogram of the visible window. Images come from the engine (getSpectrogram)
 * a moment after the view settles; meanwhile the last image is stretched to the moving window,
 * so zooming and scrolling stay smooth.
 */
import type { SpectrogramImage } from '../../engine/api'
import { api, newJobId } from '../api/client'
import { toRgba } from '../lib/colormap'
import type { SignalState } from './signal.svelte'
import type { ViewState } from './view.svelte'

/** Wait this long after the last view change before asking. */
const SETTLE_MS = 120
const BANDS = 96

export class SpectrogramState {
  enabled = $state(false)
  /** The last image and its pixels on a canvas, ready to draw scaled. */
  image = $state.raw<{ meta: SpectrogramImage; canvas: HTMLCanvasElement } | null>(null)
  error = $state<string | null>(null)

  #timer: ReturnType<typeof setTimeout> | null = null
  #busy = false
  #again = false

  constructor(
    private readonly view: ViewState,
    private readonly signal: SignalState,
  ) {}

  /** The view or file changed: fetch a new image once things settle. */
  schedule(): void {
    if (this.#timer) clearTimeout(this.#timer)
    if (!this.enabled || this.signal.kind !== 'audio' || !this.signal.media) return
    this.#timer = setTimeout(() => this.#fetch(), SETTLE_MS)
  }

  clear(): void {
    this.image = null
    this.error = null
  }

  async #fetch(): Promise<void> {
    if (this.#busy) return void (this.#again = true)
    const media = this.signal.media
    if (!media) return
    const { start, span, width } = this.view.viewport
    const end = Math.min(start + span, this.view.duration)
    if (end <= start) return
    this.#busy = true
    try {
      // One column per two pixels: the eye does not miss the rest, the engine does half the work.
      const meta = await api.getSpectrogram({
        media,
        start,
        end,
        columns: Math.min(2048, Math.ceil(width / 2)),
        bands: BANDS,
        jobId: newJobId(),
      })
      if (this.signal.media !== media) return
      const bytes = Uint8Array.from(atob(meta.pixels), (c) => c.charCodeAt(0))
      const canvas = document.createElement('canvas')
      canvas.width = meta.columns
      canvas.height = meta.bands
      canvas
        .getContext('2d')!
        .putImageData(
          new ImageData(toRgba(bytes, meta.columns, meta.bands), meta.columns, meta.bands),
          0,
          0,
        )
      this.image = { meta, canvas }
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
