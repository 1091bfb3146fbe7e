import Meyda from 'meyda'
import { describe, expect, it } from 'vitest'
import { appendDeltas } from './deltas'
import fixture from './fixtures/mfcc.json'
import {
  analysisWindow,
  audioBaseDims,
  audioFrameCount,
  computeAudioFrames,
} from './audio-features'
import { parseFeatureSpec, type AudioSpec } from './spec'

// The fixture's signal (make_mfcc.py): a 300 → 2800 Hz chirp + 1234 Hz + 5555 Hz tones, float32.
const SR = fixture.sampleRate
const x = new Float32Array(Math.round(SR * fixture.duration))
for (let i = 0; i < x.length; i++) {
  const t = i / SR
  x[i] =
    0.4 * Math.sin(2 * Math.PI * (300 * t + 0.5 * (2500 / fixture.duration) * t * t)) +
    0.2 * Math.sin(2 * Math.PI * 1234 * t) +
    0.05 * Math.sin(2 * Math.PI * 5555 * t)
}
const audio = (o: object) => parseFeatureSpec({ kind: 'audio', deltas: 0, ...o }) as AudioSpec
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('audio features against the numpy/scipy reference (fixtures/make_mfcc.py)', () => {
  const T = audioFrameCount(x.length, 160)
  it('frame count matches the reference', () => {
    expect(T).toBe(fixture.mfcc.length)
  })
  // Tolerance: our output is float32 (≈ 1e-6 relative at |v| ≈ 20) and the fixture is rounded to
  // 1e-6, so log-mel (nats) must agree within 1e-5 and MFCC/Δ/ΔΔ within 2e-5, in every band
  // including those ≈ 140 dB down. (With Meyda's float32 window it was 1.3e-3 there.)
  it('log-mel bands agree within 1e-5', () => {
    const got = computeAudioFrames(x, audio({ features: [{ name: 'logmel' }] }), 0, T)
    const d = maxDiff(got, fixture.logmel.flat())
    console.log(`logmel max |diff| = ${d.toExponential(2)}`)
    expect(d).toBeLessThan(1e-5)
  })
  it('13 MFCC + Δ + ΔΔ agree within 2e-5', () => {
    const spec = audio({ features: [{ name: 'mfcc', n: 13 }] })
    const base = computeAudioFrames(x, spec, 0, T)
    const all = appendDeltas(base, T, 13, 2, 2)
    const want = fixture.mfcc.flatMap((row, t) => [
      ...row,
      ...fixture.delta[t],
      ...fixture.deltaDelta[t],
    ])
    const d = maxDiff(all, want)
    console.log(`mfcc+Δ+ΔΔ max |diff| = ${d.toExponential(2)}`)
    expect(d).toBeLessThan(2e-5)
  })
  it('spectral centroid is in Hz and agrees with numpy', () => {
    const got = computeAudioFrames(x, audio({ features: [{ name: 'spectralCentroid' }] }), 0, T)
    expect(maxDiff(got.subarray(1, T - 1), fixture.centroidHz.slice(1, T - 1))).toBeLessThan(0.05)
  })
})

describe('audio features against Meyda', () => {
  const N = 512
  const frameAt = (c: number) => x.slice(c - N / 2, c + N / 2)
  const spec = audio({
    features: ['spectralCentroid', 'spectralFlatness', 'rms', 'zcr', 'loudness', 'chroma'].map(
      (name) => ({ name }),
    ),
  })
  const t = 10 // frame 10 is centred on sample 1600, fully inside the signal
  const ours = computeAudioFrames(x, spec, t, t + 1)
  Meyda.bufferSize = N
  Meyda.sampleRate = SR
  Meyda.windowingFunction = 'hanning'
  const m = Meyda.extract(
    ['spectralCentroid', 'spectralFlatness', 'loudness', 'chroma'],
    frameAt(1600),
  )!
  it('uses the same windows as Meyda (up to Meyda’s float32 rounding)', () => {
    const names = {
      hann: 'hanning',
      hamming: 'hamming',
      blackman: 'blackman',
      sine: 'sine',
    } as const
    for (const [ours, theirs] of Object.entries(names)) {
      const w = analysisWindow(audio({ window: ours }))
      expect(maxDiff(w, Meyda.windowing(new Float32Array(N).fill(1), theirs))).toBeLessThan(1e-7)
    }
  })
  it('centroid = Meyda bin index × sr / N', () => {
    expect(ours[0]).toBeCloseTo((m.spectralCentroid! * SR) / N, 0)
  })
  it('flatness agrees with Meyda within 1 %', () => {
    expect(Math.abs(ours[1] / m.spectralFlatness! - 1)).toBeLessThan(0.01)
  })
  it('rms and zcr are computed on the raw frame (hand-checked)', () => {
    const f = frameAt(1600)
    const rms = Math.sqrt(f.reduce((s, v) => s + v * v, 0) / N)
    let z = 0
    for (let i = 1; i < N; i++) if (f[i - 1] >= 0 !== f[i] >= 0) z++
    expect(ours[2]).toBeCloseTo(rms, 6)
    expect(ours[3]).toBeCloseTo(z / N, 9)
  })
  it('loudness and chroma are Meyda’s own', () => {
    expect(ours[4]).toBeCloseTo(m.loudness!.total, 4)
    expect(maxDiff(ours.subarray(5, 17), m.chroma!)).toBeLessThan(1e-6)
  })
  it('chroma of a 440 Hz tone peaks at A', () => {
    const tone = new Float32Array(4096).map((_, i) => Math.sin((2 * Math.PI * 440 * i) / SR))
    const c = computeAudioFrames(
      tone,
      audio({ frameLength: 2048, features: [{ name: 'chroma' }] }),
      5,
      6,
    )
    expect(c.indexOf(Math.max(...c))).toBe(9)
  })
})

describe('computeAudioFrames', () => {
  it('gives the same rows whichever way the frame range is split (incl. flux)', () => {
    const spec = audio({
      features: [{ name: 'mfcc', n: 13 }, { name: 'spectralFlux' }, { name: 'rms' }],
    })
    const T = audioFrameCount(x.length, 160)
    const whole = computeAudioFrames(x, spec, 0, T)
    const F = audioBaseDims(spec)
    expect(F).toBe(15)
    const a = computeAudioFrames(x, spec, 0, 11)
    const b = computeAudioFrames(x, spec, 11, T)
    expect(maxDiff(whole, [...a, ...b])).toBe(0)
  })
  it('rolloff of a pure 1 kHz tone is ≈ 1 kHz', () => {
    const tone = new Float32Array(8000).map((_, i) => Math.sin((2 * Math.PI * 1000 * i) / SR))
    const r = computeAudioFrames(
      tone,
      audio({ features: [{ name: 'spectralRolloff', fraction: 0.85 }] }),
      20,
      21,
    )
    expect(Math.abs(r[0] - 1000)).toBeLessThanOrEqual(SR / 512)
  })
})
