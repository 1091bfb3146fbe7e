/**
 * Pure time ⇄ pixel math shared by the waveform, the series plots, the ruler and the label
 * track: one visible window (start, span) drawn over `width` CSS pixels. No DOM.
 */

/** The visible window. */
export interface Viewport {
  /** Time at the left edge, seconds. */
  start: number
  /** Seconds across the whole width (> 0). */
  span: number
  /** Width in CSS pixels (> 0). */
  width: number
}

export const timeToX = (v: Viewport, t: number): number => ((t - v.start) / v.span) * v.width
export const xToTime = (v: Viewport, x: number): number => v.start + (x / v.width) * v.span
/** Seconds per pixel. */
export const secondsPerPx = (v: Viewport): number => v.span / v.width

/** Smallest span we zoom into: 20 ms, or 50 px per frame-grid step when that is wider. */
export const MIN_SPAN = 0.02

/** A window clamped inside [0, duration] with MIN_SPAN ≤ span ≤ duration. */
export function clampWindow(
  start: number,
  span: number,
  duration: number,
): { start: number; span: number } {
  const total = Math.max(duration, MIN_SPAN)
  const s = Math.min(Math.max(span, MIN_SPAN), total)
  return { start: Math.min(Math.max(start, 0), total - s), span: s }
}

/** Zoom by `factor` (> 1 zooms in) keeping `anchor` (seconds) at the same pixel. */
export function zoomAt(
  v: Viewport,
  duration: number,
  factor: number,
  anchor: number,
): { start: number; span: number } {
  const span = v.span / factor
  const frac = (anchor - v.start) / v.span
  return clampWindow(anchor - frac * span, span, duration)
}

/** The window scrolled just enough that `t` is inside it, with `margin` (fraction) to spare. */
export function reveal(
  v: Viewport,
  duration: number,
  t: number,
  margin = 0.1,
): { start: number; span: number } {
  const pad = v.span * margin
  if (t < v.start + pad) return clampWindow(t - pad, v.span, duration)
  if (t > v.start + v.span - pad) return clampWindow(t - v.span + pad, v.span, duration)
  return { start: v.start, span: v.span }
}

/** `t` rounded to the nearest multiple of `hop` seconds (no snap when hop ≤ 0). */
export function snap(t: number, hop: number): number {
  if (!(hop > 0)) return t
  // Round to microseconds too, so 0.1 + 0.2-style noise never reaches a label file.
  return Math.round(Math.round(t / hop) * hop * 1e6) / 1e6
}

/**
 * Seconds per feature frame for the file on screen: the project's audio hop, or its hop in rows
 * over the series' rows per second (null until that is known). This is the snap grid's unit,
 * so snapped edges fall on the frames a model is trained on.
 */
export function frameSeconds(
  kind: 'audio' | 'series' | null,
  hop: { audio: number; seriesRows: number } | undefined,
  rowsPerSecond: number,
): number | null {
  if (!kind || !hop) return null
  if (kind === 'audio') return hop.audio > 0 ? hop.audio : null
  return rowsPerSecond > 0 && hop.seriesRows > 0 ? hop.seriesRows / rowsPerSecond : null
}

/** Ruler tick step: the smallest 1-2-5 × 10^k seconds at least `minPx` pixels apart. */
export function tickStep(v: Viewport, minPx = 80): number {
  const raw = secondsPerPx(v) * minPx
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
  if (raw >= 1) return steps.find((s) => s >= raw) ?? Math.ceil(raw / 3600) * 3600
  const pow = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!
}

/** Tick times inside the window for `step`. */
export function ticks(v: Viewport, step: number): number[] {
  const out: number[] = []
  const first = Math.ceil(v.start / step - 1e-9)
  for (let k = first; k * step <= v.start + v.span + 1e-9; k++)
    out.push(Math.round(k * step * 1e6) / 1e6)
  return out
}

/** `m:ss.sss` style label with as many decimals as the tick step needs. */
export function formatTime(t: number, step = 1): string {
  const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9))
  const sign = t < 0 ? '-' : ''
  // Round before splitting, so 59.9999 s reads 1:00, never 0:60.
  const a = Math.round(Math.abs(t) * 10 ** decimals) / 10 ** decimals
  const h = Math.floor(a / 3600)
  const m = Math.floor((a % 3600) / 60)
  const s = (a % 60).toFixed(decimals).padStart(decimals ? 3 + decimals : 2, '0')
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`
}
