/**
 * Canvas drawing for the timeline rows: waveform peaks, label segments, ruler, minimap. Each
 * function draws one frame from plain data; only what is visible is touched, so a 1-hour file
 * with thousands of segments costs the same per frame as a short one.
 */
import type { PeaksWindow, SeriesWindow } from '../../engine/api'
import type { Segment } from './segments'
import { visibleRange } from './segments'
import { formatTime, ticks, tickStep, timeToX, type Viewport } from './timescale'

/** Size the canvas backing store to its CSS box × devicePixelRatio; returns a context in CSS px. */
export function prepare(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1
  const w = Math.max(1, Math.round(width * dpr))
  const h = Math.max(1, Math.round(height * dpr))
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w
    canvas.height = h
  }
  const ctx = canvas.getContext('2d')!
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  return ctx
}

/**
 * Min/max peaks as one vertical bar per pixel column (buckets finer than a pixel are merged;
 * coarser ones span several columns).
 */
export function drawPeaks(
  ctx: CanvasRenderingContext2D,
  v: Viewport,
  height: number,
  peaks: PeaksWindow,
  colour: string,
  /** Amplitude zoom: 2 draws a half-scale signal full height (the caller clips the row). */
  gain = 1,
): void {
  const n = peaks.minMax.length / 2
  if (n === 0) return
  const mid = height / 2
  const scale = (height / 2 - 2) * gain
  const pxPerBucket = peaks.secondsPerBucket / (v.span / v.width)
  if (peaks.bucketSize === 1) return drawSamples(ctx, v, mid, scale, peaks, colour)
  ctx.fillStyle = colour
  const b0 = Math.max(0, Math.floor((v.start - peaks.start) / peaks.secondsPerBucket))
  const b1 = Math.min(n, Math.ceil((v.start + v.span - peaks.start) / peaks.secondsPerBucket) + 1)
  let col = -1
  let lo = 0
  let hi = 0
  const flush = () => {
    if (col >= 0 && col < v.width)
      ctx.fillRect(col, mid - hi * scale, 1, Math.max(1, (hi - lo) * scale))
  }
  for (let b = b0; b < b1; b++) {
    const x0 = timeToX(v, peaks.start + b * peaks.secondsPerBucket)
    const bLo = peaks.minMax[2 * b]
    const bHi = peaks.minMax[2 * b + 1]
    if (pxPerBucket >= 1) {
      // Whole pixels, so neighbouring bars meet without antialiased seams.
      const a = Math.round(x0)
      ctx.fillRect(
        a,
        mid - bHi * scale,
        Math.max(1, Math.round(x0 + pxPerBucket) - a),
        Math.max(1, (bHi - bLo) * scale),
      )
      continue
    }
    const c = Math.floor(x0)
    if (c !== col) {
      flush()
      col = c
      lo = bLo
      hi = bHi
    } else {
      if (bLo < lo) lo = bLo
      if (bHi > hi) hi = bHi
    }
  }
  flush()
  ctx.fillStyle = 'rgba(0,0,0,0.12)'
  ctx.fillRect(0, mid, v.width, 1)
}

/** The samples themselves, as a line with a dot per sample once they are far enough apart. */
function drawSamples(
  ctx: CanvasRenderingContext2D,
  v: Viewport,
  mid: number,
  scale: number,
  peaks: PeaksWindow,
  colour: string,
): void {
  const n = peaks.minMax.length / 2
  const dt = peaks.secondsPerBucket
  const b0 = Math.max(0, Math.floor((v.start - peaks.start) / dt) - 1)
  const b1 = Math.min(n, Math.ceil((v.start + v.span - peaks.start) / dt) + 2)
  const x = (b: number) => timeToX(v, peaks.start + b * dt)
  const y = (b: number) => mid - peaks.minMax[2 * b] * scale
  ctx.strokeStyle = colour
  ctx.lineWidth = 1.25
  ctx.beginPath()
  for (let b = b0; b < b1; b++) (b === b0 ? ctx.moveTo : ctx.lineTo).call(ctx, x(b), y(b))
  ctx.stroke()
  if (x(1) - x(0) >= 6) {
    ctx.fillStyle = colour
    for (let b = b0; b < b1; b++) ctx.fillRect(x(b) - 1.5, y(b) - 1.5, 3, 3)
  }
  ctx.fillStyle = 'rgba(0,0,0,0.12)'
  ctx.fillRect(0, mid, v.width, 1)
}

/** Style of one class on the track. */
export type Colours = (label: string) => string

/**
 * Segments as class-coloured blocks with their names; the selected one outlined. `mark` is a
 * pending start set with '['.
 */
export function drawSegments(
  ctx: CanvasRenderingContext2D,
  v: Viewport,
  height: number,
  segments: readonly Segment[],
  colours: Colours,
  selected: number | null,
): void {
  const [i0, i1] = visibleRange(segments, v.start, v.start + v.span)
  ctx.font = '12px system-ui, sans-serif'
  ctx.textBaseline = 'middle'
  for (let i = i0; i < i1; i++) {
    const s = segments[i]
    const x0 = Math.max(-2, timeToX(v, s.start))
    const x1 = Math.min(v.width + 2, timeToX(v, s.end))
    const w = Math.max(1, x1 - x0)
    const colour = colours(s.label)
    ctx.fillStyle = colour + (i === selected ? 'ee' : '99')
    ctx.fillRect(x0, 4, w, height - 8)
    ctx.fillStyle = colour
    ctx.fillRect(x0, 4, Math.min(2, w), height - 8)
    ctx.fillRect(x1 - Math.min(2, w), 4, Math.min(2, w), height - 8)
    if (w > 24) {
      ctx.save()
      ctx.beginPath()
      ctx.rect(x0 + 3, 0, w - 6, height)
      ctx.clip()
      ctx.fillStyle = i === selected ? '#fff' : '#1a1a2a'
      ctx.fillText(s.label, Math.max(x0, 0) + 5, height / 2)
      ctx.restore()
    }
    if (i === selected) {
      ctx.strokeStyle = '#1a1a2a'
      ctx.lineWidth = 2
      ctx.strokeRect(x0 + 1, 3, w - 2, height - 6)
    }
  }
}

/** Time ruler: ticks with labels at a 1-2-5 step and minor ticks between. */
export function drawRuler(ctx: CanvasRenderingContext2D, v: Viewport, height: number): void {
  const step = tickStep(v, 90)
  ctx.fillStyle = '#556'
  ctx.font = '11px system-ui, sans-serif'
  ctx.textBaseline = 'top'
  for (const t of ticks(v, step / 5)) {
    const x = Math.round(timeToX(v, t)) + 0.5
    ctx.fillRect(x, height - 4, 1, 4)
  }
  for (const t of ticks(v, step)) {
    const x = Math.round(timeToX(v, t))
    ctx.fillRect(x, height - 10, 1, 10)
    ctx.fillText(formatTime(t, step), x + 3, 3)
  }
  ctx.fillRect(0, height - 1, v.width, 1)
}

/**
 * Overview of the whole file: its peaks (audio) or segment blocks, and the visible window as a
 * frame. `whole` is the viewport of the whole file at the minimap's width.
 */
export function drawMinimap(
  ctx: CanvasRenderingContext2D,
  whole: Viewport,
  height: number,
  peaks: PeaksWindow | null,
  segments: readonly Segment[],
  colours: Colours,
  visible: { start: number; span: number },
  series: SeriesWindow | null = null,
): void {
  if (peaks) drawPeaks(ctx, whole, height, peaks, '#9aa9c4')
  if (series && series.values.length) {
    // The first channel as a line over its whole-file range.
    const [lo, hi] = series.ranges[0]
    const y = (v: number) => height - 7 - ((v - lo) / (hi - lo || 1)) * (height - 10)
    ctx.strokeStyle = '#9aa9c4'
    ctx.lineWidth = 1
    ctx.beginPath()
    series.times.forEach((t, i) =>
      (i ? ctx.lineTo : ctx.moveTo).call(ctx, timeToX(whole, t), y(series.values[0][i])),
    )
    ctx.stroke()
  }
  const [i0, i1] = visibleRange(segments, 0, whole.span)
  for (let i = i0; i < i1; i++) {
    const s = segments[i]
    ctx.fillStyle = colours(s.label)
    const x0 = timeToX(whole, s.start)
    ctx.fillRect(x0, height - 6, Math.max(1, timeToX(whole, s.end) - x0), 5)
  }
  const x0 = timeToX(whole, visible.start)
  const w = Math.max(3, timeToX(whole, visible.start + visible.span) - x0)
  ctx.fillStyle = 'rgba(74,111,165,0.15)'
  ctx.fillRect(x0, 0, w, height)
  ctx.strokeStyle = '#4a6fa5'
  ctx.lineWidth = 1.5
  ctx.strokeRect(x0 + 0.75, 0.75, w - 1.5, height - 1.5)
}
