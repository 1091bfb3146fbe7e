/**
 * The visible window, shared by the waveform or series plots, the ruler, the label track and the
 * minimap: what is shown (start, span over width px), the playhead, the hover time and snapping.
 */
import { clampWindow, reveal, snap, zoomAt, type Viewport } from '../lib/timescale'

/** Frame-grid step until the project's is known: 10 ms (the default feature hop). */
export const DEFAULT_HOP = 0.01
/** The most the waveform's amplitude is magnified (−36 dB fills the row). */
export const MAX_AMPLITUDE = 64

export class ViewState {
  /** Duration of the media file, seconds (0 until known). */
  duration = $state(0)
  /** Left edge, seconds. */
  start = $state(0)
  /** Seconds across the width. */
  span = $state(1)
  /** Width of the time axis in CSS pixels. */
  width = $state(800)
  /** Playhead, seconds. */
  cursor = $state(0)
  /** Time under the pointer (the synchronised hover line), or null. */
  hover = $state<number | null>(null)
  /** Snap edits to the frame grid. */
  snap = $state(false)
  /** Amplitude zoom of the waveform: full scale fills the row × this (1 … MAX_AMPLITUDE). */
  amplitude = $state(1)
  /** Seconds per feature frame of the file on screen (the project's feature hop). */
  frame = $derived.by(() => this.frameOf() ?? DEFAULT_HOP)
  /** The snap grid in frames (1 = every frame; coarser grids stay on frame boundaries). */
  gridFrames = $state(1)
  /** Frame-grid step, seconds. */
  hop = $derived(this.frame * this.gridFrames)

  viewport: Viewport = $derived({
    start: this.start,
    span: this.span,
    width: Math.max(1, this.width),
  })

  /** `frameOf` tells the frame of the file on screen, null while it is not known. */
  constructor(private readonly frameOf: () => number | null = () => null) {}

  /** Show the whole of a file that is `duration` seconds long. */
  reset(duration: number): void {
    this.duration = duration
    this.start = 0
    this.span = Math.max(duration, 0.02)
    this.cursor = 0
    this.hover = null
  }

  setWindow(start: number, span = this.span): void {
    const w = clampWindow(start, span, this.duration)
    this.start = w.start
    this.span = w.span
  }

  /** Zoom by `factor` (> 1 in) about `anchor`: the playhead when visible, else the centre. */
  zoom(factor: number, anchor?: number): void {
    const a =
      anchor ??
      (this.cursor >= this.start && this.cursor <= this.start + this.span
        ? this.cursor
        : this.start + this.span / 2)
    const w = zoomAt(this.viewport, this.duration, factor, a)
    this.start = w.start
    this.span = w.span
  }

  /** Amplitude zoom by `factor` (> 1 taller), within 1 … MAX_AMPLITUDE. */
  zoomAmplitude(factor: number): void {
    this.amplitude = Math.min(MAX_AMPLITUDE, Math.max(1, this.amplitude * factor))
  }

  /** Scroll by a fraction of the visible span. */
  scroll(fraction: number): void {
    this.setWindow(this.start + fraction * this.span)
  }

  /** Scroll so `t` is visible. */
  reveal(t: number): void {
    const w = reveal(this.viewport, this.duration, t)
    this.start = w.start
  }

  /** Move the playhead (clamped) and keep it in view. */
  seek(t: number): void {
    this.cursor = Math.min(Math.max(t, 0), this.duration)
    this.reveal(this.cursor)
  }

  /** A time from a gesture, on the frame grid when snapping. */
  snapTime(t: number): number {
    const c = Math.min(Math.max(t, 0), this.duration)
    return this.snap ? Math.min(snap(c, this.hop), this.duration) : c
  }
}
