import { describe, expect, it } from 'vitest'
import { resample, resampleInputSpan, resampleRange } from './resample'

const tone = (n: number, f: number, rate: number) => {
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * f * i) / rate)
  return x
}
/** Amplitude of frequency f in y (rate), by correlation over the middle half (edges excluded). */
const amplitude = (y: Float32Array, f: number, rate: number) => {
  let re = 0
  let im = 0
  const a = Math.floor(y.length / 4)
  const b = Math.floor((3 * y.length) / 4)
  for (let i = a; i < b; i++) {
    re += y[i] * Math.cos((2 * Math.PI * f * i) / rate)
    im += y[i] * Math.sin((2 * Math.PI * f * i) / rate)
  }
  return (2 * Math.hypot(re, im)) / (b - a)
}
const rms = (y: Float32Array) => {
  let s = 0
  const a = Math.floor(y.length / 4)
  const b = Math.floor((3 * y.length) / 4)
  for (let i = a; i < b; i++) s += y[i] * y[i]
  return Math.sqrt(s / (b - a))
}
const db = (x: number) => 20 * Math.log10(x)

describe('resample', () => {
  it('44.1 → 16 kHz: passband flat within 0.05 dB up to 6 kHz (sweep of tones)', () => {
    for (const f of [100, 1000, 3000, 5000, 6000]) {
      const y = resample(tone(44100, f, 44100), 44100, 16000)
      expect(y.length).toBe(16000)
      expect(Math.abs(db(amplitude(y, f, 16000)))).toBeLessThan(0.05)
    }
  })
  it('44.1 → 16 kHz: tones above 8 kHz, which would alias, are below −70 dB', () => {
    for (const f of [8500, 10000, 15000, 20000]) {
      const y = resample(tone(44100, f, 44100), 44100, 16000)
      expect(db(rms(y) * Math.SQRT2)).toBeLessThan(-70)
    }
  })
  it('keeps phase: output sample n is at time n / to (no delay)', () => {
    const y = resample(tone(48000, 440, 48000), 48000, 16000)
    for (const n of [4000, 8000, 12001])
      expect(y[n]).toBeCloseTo(Math.sin((2 * Math.PI * 440 * n) / 16000), 3)
  })
  it('upsamples 16 → 44.1 kHz with a clean tone and no image above 8 kHz', () => {
    const y = resample(tone(16000, 2000, 16000), 16000, 44100)
    expect(y.length).toBe(44100)
    expect(Math.abs(db(amplitude(y, 2000, 44100)))).toBeLessThan(0.05)
    expect(db(amplitude(y, 14000, 44100))).toBeLessThan(-70)
  })
  it('handles a ratio with a huge phase count (on-the-fly taps) the same way', () => {
    const y = resample(tone(22051, 1000, 22051), 22051, 8000)
    expect(Math.abs(db(amplitude(y, 1000, 8000)))).toBeLessThan(0.05)
  })
  it('rejects non-integer rates', () => {
    expect(() => resample(new Float32Array(4), 0, 16000)).toThrow(RangeError)
  })
})

describe('resampleRange', () => {
  it('computes any output range from just its input span, identical to the whole pass', () => {
    const x = tone(44100, 1234, 44100)
    const whole = resample(x, 44100, 16000)
    const [i0, i1] = resampleInputSpan(x.length, 44100, 16000, 5000, 9000)
    const part = resampleRange(
      x.slice(i0, i1),
      { origin: i0, length: x.length },
      44100,
      16000,
      5000,
      9000,
    )
    expect(i1 - i0).toBeLessThanOrEqual(11025 + 2 * 89) // 4000 outputs · 44100/16000 + the kernel width
    expect(Array.from(part)).toEqual(Array.from(whole.subarray(5000, 9000)))
  })
})
