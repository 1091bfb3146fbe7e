/**
 * A synthetic polyphonic task for tests and bench:polyphonic: sound sources of a few classes
 * that start and stop independently, so their events really overlap, given as the log band
 * energies a log-mel front end would compute of their mixture (features, not audio: the task
 * is about overlap, and skipping synthesis and FFTs keeps each run a few seconds).
 *
 * Each class c has a spectral signature s_c over F bands (two Gaussian bumps, the second shared
 * with the next class, so classes are not told apart by one band) and a temporal texture
 * (steady, 4 Hz pulses, a rising sweep across its bumps, or flicker). Frame t of a file is
 *   x_t = log(floor + Σ_{events e active at t} g_e · env_e(t) · texture_c(t) · s_c) + noise
 * with per-event gains g_e ~ U(0.1, 1) (the quietest near the noise floor), 20 ms fades and
 * noise N(0, 0.4²) on the log energies. Events of a class follow each other after
 * exponential gaps (mean 2.5 s) and last 0.4–2.5 s, independently of the other classes.
 */
import type { Segment } from '../api'
import { Rng } from '../../models/rng'

export const POLYPHONIC_CLASSES = ['bird', 'frog', 'insect', 'engine', 'rain'] as const

export interface PolyphonicFile {
  name: string
  /** (T, F) features, batch-major. */
  x: Float32Array
  /** The overlapping reference events. */
  segments: Segment[]
  /** Frame centres, seconds. */
  frameTimes: Float64Array
}

export interface PolyphonicOptions {
  /** Classes, 3–5 (the first of POLYPHONIC_CLASSES). */
  classes?: number
  /** Seconds per file. */
  seconds?: number
  /** Seconds between frames. */
  hop?: number
  /** Feature bands. */
  bands?: number
  /** Standard deviation of the noise added to the log energies. */
  noise?: number
  /** Mean gap between a class's events, seconds, per class (default 2.5 for every class). */
  gaps?: readonly number[]
}

/** Bands of each class's signature: two bumps, the second shared with the next class. */
function signatures(C: number, F: number): Float64Array[] {
  return Array.from({ length: C }, (_, c) => {
    const s = new Float64Array(F)
    const a = ((c + 0.5) * F) / (C + 1)
    const b = ((c + 1.5) * F) / (C + 1)
    for (let f = 0; f < F; f++)
      s[f] = Math.exp(-(((f - a) / 2) ** 2)) + 0.6 * Math.exp(-(((f - b) / 2.5) ** 2))
    return s
  })
}

/** One file of the task: seeded, so the same seed gives the same file. */
export function polyphonicFile(seed: number, opts: PolyphonicOptions = {}): PolyphonicFile {
  const C = opts.classes ?? 4
  if (C < 3 || C > POLYPHONIC_CLASSES.length) throw new RangeError('3 to 5 classes')
  const seconds = opts.seconds ?? 60
  const hop = opts.hop ?? 0.02
  const F = opts.bands ?? 16
  const noise = opts.noise ?? 0.4
  const rng = new Rng(seed)
  const T = Math.round(seconds / hop)
  const frameTimes = Float64Array.from({ length: T }, (_, t) => (t + 0.5) * hop)
  const sig = signatures(C, F)
  const energy = new Float64Array(T * F)
  const segments: Segment[] = []
  for (let c = 0; c < C; c++) {
    const gap = opts.gaps?.[c] ?? 2.5
    let t0 = -Math.log(1 - rng.uniform()) * gap
    while (t0 < seconds - 0.4) {
      const dur = Math.min(0.4 + 2.1 * rng.uniform(), seconds - t0)
      const gain = 0.1 + 0.9 * rng.uniform() // the quietest barely above the floor
      const label = POLYPHONIC_CLASSES[c]
      segments.push({ start: t0, end: t0 + dur, label })
      for (let t = Math.floor(t0 / hop); t < T && frameTimes[t] < t0 + dur; t++) {
        const u = frameTimes[t] - t0
        if (u < 0) continue
        const env = Math.min(1, u / 0.02, (dur - u) / 0.02)
        const texture =
          c % 4 === 0
            ? 1
            : c % 4 === 1
              ? 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * u)
              : c % 4 === 2
                ? 0.4 + 0.6 * (u / dur)
                : 0.5 + rng.uniform()
        for (let f = 0; f < F; f++) energy[t * F + f] += gain * env * texture * sig[c][f]
      }
      t0 += dur + -Math.log(1 - rng.uniform()) * gap
    }
  }
  const floor = 0.05 + 0.05 * rng.uniform() // per-file "recorder" noise floor
  const x = new Float32Array(T * F)
  for (let i = 0; i < T * F; i++) x[i] = Math.log(floor + energy[i]) + noise * rng.normal()
  segments.sort((a, b) => a.start - b.start)
  return { name: `poly-${seed}.wav`, x, segments, frameTimes }
}

/** Seconds during which two or more events are active, over the file's length. */
export function overlapFraction(segments: readonly Segment[], seconds: number): number {
  const edges = segments.flatMap((s) => [
    { t: s.start, d: 1 },
    { t: s.end, d: -1 },
  ])
  edges.sort((a, b) => a.t - b.t || a.d - b.d)
  let [active, last, overlap] = [0, 0, 0]
  for (const e of edges) {
    if (active >= 2) overlap += e.t - last
    active += e.d
    last = e.t
  }
  return overlap / seconds
}
