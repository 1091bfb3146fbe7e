/**
 * The spectrogram's frequency axis: y (px from the top) ⇄ Hz through the image's row centres
 * (evenly spaced in Hz or mel by the engine, so no mel formula is repeated here), tick values
 * and their labels.
 */

export interface FreqAxis {
  fMin: number
  fMax: number
  /** Centre frequency of each row, row 0 lowest. */
  rowHz: number[]
  scale: 'linear' | 'mel'
}

/** Knots: (fraction of the height from the bottom, Hz), increasing in both. */
function knots(a: FreqAxis): { x: number[]; f: number[] } {
  const n = a.rowHz.length
  return {
    x: [0, ...a.rowHz.map((_, r) => (r + 0.5) / n), 1],
    f: [a.fMin, ...a.rowHz, a.fMax],
  }
}

function interp(xs: number[], ys: number[], x: number): number {
  if (x <= xs[0]) return ys[0]
  if (x >= xs[xs.length - 1]) return ys[ys.length - 1]
  let lo = 0
  let hi = xs.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (xs[mid] <= x) lo = mid
    else hi = mid
  }
  const t = (x - xs[lo]) / Math.max(1e-12, xs[hi] - xs[lo])
  return ys[lo] + t * (ys[hi] - ys[lo])
}

/** Hz at y px from the top of a row `height` px high (clamped to the axis). */
export function hzAtY(a: FreqAxis, y: number, height: number): number {
  const k = knots(a)
  return interp(k.x, k.f, 1 - y / height)
}

/** y px from the top where `hz` is drawn (clamped to the axis). */
export function yOfHz(a: FreqAxis, hz: number, height: number): number {
  const k = knots(a)
  return (1 - interp(k.f, k.x, hz)) * height
}

const NICE = [1, 2, 5]

/** Tick frequencies at least `gap` px apart: one even step (linear) or round values (mel). */
export function frequencyTicks(a: FreqAxis, height: number, gap = 28): number[] {
  const span = a.fMax - a.fMin
  if (!(span > 0) || height <= 0) return []
  const steps: number[] = []
  for (let e = -1; e <= 5; e++) for (const m of NICE) steps.push(m * 10 ** e)
  const inRange = (s: number) => {
    const out: number[] = []
    for (let f = Math.ceil(a.fMin / s - 1e-9) * s; f <= a.fMax + 1e-9; f += s)
      out.push(+f.toFixed(6))
    return out
  }
  if (a.scale === 'linear') {
    const step = steps.find((s) => (s / span) * height >= gap) ?? steps[steps.length - 1]
    return inRange(step)
  }
  // Mel: round values, coarsest first, each kept when it is `gap` px from those kept.
  const kept: { f: number; y: number }[] = []
  for (const s of [...steps].reverse())
    for (const f of inRange(s)) {
      const y = yOfHz(a, f, height)
      if (kept.every((k) => Math.abs(k.y - y) >= gap)) kept.push({ f, y })
    }
  return kept.map((k) => k.f).sort((x, y) => x - y)
}

/** A tick label: "500 Hz", "2 kHz", "2.5 kHz". */
export function tickLabel(hz: number): string {
  if (hz < 1000) return `${+hz.toFixed(1)} Hz`
  return `${+(hz / 1000).toFixed(2)} kHz`
}

/** A read-out value, to about a pixel's precision: "1234 Hz", "12.35 kHz". */
export function readoutHz(hz: number): string {
  return hz < 10_000 ? `${Math.round(hz)} Hz` : `${(hz / 1000).toFixed(2)} kHz`
}
