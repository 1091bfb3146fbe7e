/**
 * Where a clip classifier looked: its per-frame attention weights (0..1, largest 1) as one value
 * per pixel column of the visible window — the largest weight of the frames under the column,
 * so a one-frame peak stays visible when zoomed out. −1 where there is no frame. No DOM.
 */
import type { Viewport } from './timescale'

export function weightColumns(
  weights: readonly number[],
  start: number,
  hop: number,
  v: Viewport,
): Float32Array {
  const W = Math.max(1, Math.floor(v.width))
  const out = new Float32Array(W).fill(-1)
  const n = weights.length
  if (n === 0 || !(hop > 0)) return out
  // frame f covers [start + (f − ½)·hop, start + (f + ½)·hop)
  const frameOf = (t: number) => Math.floor((t - start) / hop + 0.5)
  for (let x = 0; x < W; x++) {
    const f0 = Math.max(0, frameOf(v.start + (x / v.width) * v.span))
    const f1 = Math.min(n - 1, frameOf(v.start + ((x + 1) / v.width) * v.span))
    let m = -1
    for (let f = f0; f <= f1; f++) if (weights[f] > m) m = weights[f]
    out[x] = m
  }
  return out
}
