import FFT from 'fft.js'
import { describe, expect, it } from 'vitest'
import { analysisWindow, audioFrameCount, computeAudioFrames } from './audio-features'
import { melFilterbank } from './mel'
import { RealFFT } from './rfft'
import { parseFeatureSpec, type AudioSpec } from './spec'

/** Deterministic noise + tones in [-1, 1], float32 like decoded audio. */
function signal(n: number, seed = 1): Float32Array {
  const x = new Float32Array(n)
  let s = seed
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    const chirp = 0.2 * Math.sin(1.3 * i + 0.1 * i * (i / n))
    x[i] = 0.3 * (s / 2 ** 31 - 0.5) + 0.4 * Math.sin(0.05 * i) + chirp
  }
  return x
}

describe('RealFFT power spectrum', () => {
  // Independent references: a direct O(N²) DFT in float64, and fft.js (the previous FFT).
  it.each([8, 16, 32, 64, 512, 2048])('equals the direct DFT for N = %i', (N) => {
    const src = signal(N + 3, N)
    const win = Float64Array.from(
      { length: N },
      (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N),
    )
    const got = new Float64Array(N / 2 + 1)
    new RealFFT(N).power(src, 3, win, got)
    let maxErr = 0
    let maxP = 0
    for (let k = 0; k <= N / 2; k++) {
      let re = 0
      let im = 0
      for (let n = 0; n < N; n++) {
        const v = src[3 + n] * win[n]
        re += v * Math.cos((2 * Math.PI * k * n) / N)
        im -= v * Math.sin((2 * Math.PI * k * n) / N)
      }
      maxErr = Math.max(maxErr, Math.abs(got[k] - (re * re + im * im)))
      maxP = Math.max(maxP, re * re + im * im)
    }
    expect(maxErr / maxP).toBeLessThan(1e-12)
  })

  it('equals fft.js on 512-sample frames, the default frame length', () => {
    const N = 512
    const src = signal(N, 9)
    const ones = new Float64Array(N).fill(1)
    const got = new Float64Array(N / 2 + 1)
    const fft = new RealFFT(N)
    fft.power(src, 0, ones, got)
    fft.power(src, 0, ones, got) // reused buffers: a second call gives the same
    const ref = new Float64Array(2 * N)
    new FFT(N).realTransform(ref, Float64Array.from(src))
    for (let k = 0; k <= N / 2; k++)
      expect(got[k]).toBeCloseTo(ref[2 * k] ** 2 + ref[2 * k + 1] ** 2, 8)
  })

  it('refuses sizes that are not powers of two ≥ 8', () => {
    expect(() => new RealFFT(4)).toThrow(/power of two/)
    expect(() => new RealFFT(48)).toThrow(/power of two/)
  })
})

describe('log-mel fast path against the reference path', () => {
  // Reference: fft.js + the triangular filterbank from mel.ts's formula, float64, per frame with
  // explicit zero padding — the extraction as it was before rfft.ts and mel segments.
  const mels = [
    { bands: 40, fMin: 0, fMax: null },
    { bands: 24, fMin: 300, fMax: 5000 }, // bins outside the filters, edges between bins
  ]
  it.each(mels)('agrees within 1e-4 relative (and 1e-5 nats) on every frame: %o', (mel) => {
    const spec = parseFeatureSpec({
      kind: 'audio',
      features: [{ name: 'logmel' }],
      deltas: 0,
      mel,
    }) as AudioSpec
    const { frameLength: N, hopLength: hop, sampleRate: sr } = spec
    const B = spec.mel.bands
    const x = signal(sr * 3 + 77, 5)
    const T = audioFrameCount(x.length, hop)
    const got = computeAudioFrames(x, spec, 0, T)
    const bank = melFilterbank(B, N, sr, spec.mel.fMin, spec.mel.fMax ?? sr / 2)
    const win = analysisWindow(spec)
    const fft = new FFT(N)
    const frame = new Float64Array(N)
    const X = new Float64Array(2 * N)
    let worst = 0
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < N; i++) {
        const j = t * hop - N / 2 + i
        frame[i] = (j >= 0 && j < x.length ? x[j] : 0) * win[i]
      }
      fft.realTransform(X, frame)
      for (let b = 0; b < B; b++) {
        let e = 0
        bank.weights[b].forEach((w, i) => {
          const k = bank.first[b] + i
          e += w * (X[2 * k] ** 2 + X[2 * k + 1] ** 2)
        })
        const want = Math.log(Math.max(e, 1e-10))
        const d = Math.abs(got[t * B + b] - want)
        expect(d).toBeLessThan(Math.max(1e-5, 1e-4 * Math.abs(want)))
        worst = Math.max(worst, d)
      }
    }
    console.log(`log-mel fast vs reference: max |diff| = ${worst.toExponential(2)} nats`)
  })
})
