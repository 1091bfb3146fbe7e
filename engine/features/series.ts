/**
 * CSV time-series features: the chosen channels per row as-is (frameLength 1), or per frame of
 * `frameLength` rows every `hopLength` rows the chosen statistics of each channel. Frame t is
 * centred on row t·hop (rows [t·hop − ⌊N/2⌋, t·hop − ⌊N/2⌋ + N), clipped to the file) and takes
 * that row's time; there are ⌈rows / hop⌉ frames.
 */
import type { SeriesData } from '../media/series/csv'
import type { SeriesSpec } from './spec'

export function seriesBaseFeatures(
  series: SeriesData,
  spec: SeriesSpec,
): { base: Float32Array; frames: number; frameTimes: Float64Array; channels: string[] } {
  const C = series.channels.length
  const rows = series.times.length
  const pick = (spec.channels ?? series.channels).map((name) => {
    const i = series.channels.indexOf(name)
    if (i < 0) throw new RangeError(`no channel "${name}" (have ${series.channels.join(', ')})`)
    return i
  })
  const channels = pick.map((i) => series.channels[i])
  const hop = spec.hopLength
  const N = spec.frameLength
  const T = Math.ceil(rows / hop)
  const frameTimes = new Float64Array(T)
  for (let t = 0; t < T; t++) frameTimes[t] = series.times[t * hop]
  if (N === 1) {
    const base = new Float32Array(T * pick.length)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < pick.length; c++)
        base[t * pick.length + c] = series.values[t * hop * C + pick[c]]
    return { base, frames: T, frameTimes, channels }
  }
  const S = spec.stats.length
  const W = pick.length * S
  const base = new Float32Array(T * W)
  for (let t = 0; t < T; t++) {
    const r0 = Math.max(0, t * hop - Math.floor(N / 2))
    const r1 = Math.min(rows, t * hop - Math.floor(N / 2) + N)
    const n = r1 - r0
    for (let c = 0; c < pick.length; c++) {
      let sum = 0
      let lo = Infinity
      let hi = -Infinity
      for (let r = r0; r < r1; r++) {
        const v = series.values[r * C + pick[c]]
        sum += v
        if (v < lo) lo = v
        if (v > hi) hi = v
      }
      const mean = sum / n
      let ss = 0
      for (let r = r0; r < r1; r++) ss += (series.values[r * C + pick[c]] - mean) ** 2
      const value = { mean, std: Math.sqrt(ss / n), min: lo, max: hi }
      spec.stats.forEach((s, k) => (base[t * W + c * S + k] = value[s]))
    }
  }
  return { base, frames: T, frameTimes, channels }
}
