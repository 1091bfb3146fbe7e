/**
 * Synthetic labelled data for tests, end-to-end checks and benchmarks: recordings with tone,
 * chirp and noise-burst events over quiet noise, and multichannel sensor logs with rest / walk /
 * run regimes. Seeded, so every run makes the same files; gains vary per file so that a model
 * must generalise across "recorders".
 */
import type { Segment } from '../api'
import { makeWav } from '../media/audio/testing'
import { Rng } from '../../models/rng'

export const AUDIO_CLASSES = ['tone', 'chirp', 'noise'] as const
export const SERIES_CLASSES = ['rest', 'walk', 'run'] as const

export interface SyntheticAudio {
  /** 16-bit PCM WAV bytes. */
  wav: Buffer
  segments: Segment[]
  sampleRate: number
  seconds: number
}

/** `seconds` of audio with events separated by 0.4–1.5 s of background noise. */
export function syntheticAudio(seed: number, seconds = 20, sampleRate = 16000): SyntheticAudio {
  const rng = new Rng(seed)
  const n = Math.round(seconds * sampleRate)
  const x = new Float64Array(n)
  const gain = 0.3 + 0.6 * rng.uniform() // per-file "recorder" gain
  const floor = 0.01 + 0.02 * rng.uniform()
  for (let i = 0; i < n; i++) x[i] = floor * rng.normal()
  const segments: Segment[] = []
  let t = 0.3 + rng.uniform()
  while (t < seconds - 1) {
    const label = AUDIO_CLASSES[rng.int(AUDIO_CLASSES.length)]
    const dur = 0.25 + 0.6 * rng.uniform()
    const i0 = Math.round(t * sampleRate)
    const i1 = Math.min(n, Math.round((t + dur) * sampleRate))
    const f0 = 800 + 2000 * rng.uniform()
    let phase = 0
    for (let i = i0; i < i1; i++) {
      const u = (i - i0) / (i1 - i0)
      const env = Math.min(1, u * 40, (1 - u) * 40) // 2.5% fades: no clicks
      let v: number
      if (label === 'tone') v = Math.sin(2 * Math.PI * f0 * (i / sampleRate))
      else if (label === 'chirp') {
        phase += (2 * Math.PI * (500 + 3500 * u)) / sampleRate
        v = Math.sin(phase)
      } else v = 0.8 * rng.normal()
      x[i] += 0.5 * env * v
    }
    segments.push({ start: i0 / sampleRate, end: i1 / sampleRate, label })
    t += dur + 0.4 + 1.1 * rng.uniform()
  }
  for (let i = 0; i < n; i++) x[i] = Math.max(-1, Math.min(1, x[i] * gain))
  return {
    wav: makeWav({ bits: 16, rate: sampleRate, channels: [x] }),
    segments,
    sampleRate,
    seconds,
  }
}

export interface SyntheticSeries {
  /** CSV text: time,ax,ay,az,label. */
  csv: string
  /** Label of each row. */
  labels: string[]
  rate: number
}

/** A 3-axis accelerometer-like log at `rate` Hz with regimes of 3–8 s. */
export function syntheticSeries(seed: number, seconds = 120, rate = 50): SyntheticSeries {
  const rng = new Rng(seed)
  const n = Math.round(seconds * rate)
  const lines = ['time,ax,ay,az,label']
  const labels: string[] = []
  const offset = rng.normal() * 0.3 // per-device bias
  let regime: (typeof SERIES_CLASSES)[number] = 'rest'
  let until = 0
  let phase = 0
  for (let i = 0; i < n; i++) {
    const t = i / rate
    if (t >= until) {
      regime = SERIES_CLASSES[rng.int(SERIES_CLASSES.length)]
      until = t + 3 + 5 * rng.uniform()
    }
    const [f, a] = regime === 'rest' ? [0, 0] : regime === 'walk' ? [1.8, 1] : [3.2, 2.5]
    phase += (2 * Math.PI * f) / rate
    const ax = offset + a * Math.sin(phase) + 0.15 * rng.normal()
    const ay = offset + 0.5 * a * Math.cos(phase) + 0.15 * rng.normal()
    const az = 1 + 0.3 * a * Math.abs(Math.sin(phase)) + 0.15 * rng.normal()
    lines.push(`${t.toFixed(3)},${ax.toFixed(4)},${ay.toFixed(4)},${az.toFixed(4)},${regime}`)
    labels.push(regime)
  }
  return { csv: lines.join('\n') + '\n', labels, rate }
}
