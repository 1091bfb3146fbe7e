// The native resampling kernel (native/resample.cc) against resample.ts's TS loop, every ISA
// variant: sample differences, passband ripple and stopband attenuation on tones and sweeps.
import { describe, expect, it, vi } from 'vitest'
import { resample, resampleInputSpan, resampleRange } from '../media/audio/resample'
import { loadNativeResample, type ResampleRange } from './resample'
import { NATIVE_ISAS } from './load'
import { Rng } from '../../models/rng'
import { requireUnderCi } from '../testing/tools'

const variants = NATIVE_ISAS.map((isa) => [isa, loadNativeResample(isa)] as const).filter(
  (v): v is readonly [(typeof NATIVE_ISAS)[number], ResampleRange] => !(v[1] instanceof Error),
)
const haveNative = requireUnderCi(
  !(loadNativeResample() instanceof Error),
  'the native kernel addon',
  'g++ and node-gyp build it in npm ci',
)

const tone = (n: number, f: number, rate: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate))

/** A linear sweep 20 Hz → rate / 2 over n samples plus seeded noise: every frequency at once. */
function sweep(n: number, rate: number): Float32Array {
  const rng = new Rng(5)
  const x = new Float32Array(n)
  let phase = 0
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * (20 + ((rate / 2 - 20) * i) / n)) / rate
    x[i] = 0.7 * Math.sin(phase) + 0.1 * rng.normal()
  }
  return x
}

/** Amplitude of frequency f in y (rate), by correlation over the middle half (edges excluded). */
function amplitude(y: Float32Array, f: number, rate: number): number {
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
/** RMS level of the middle half, as the amplitude of a sine (√2 · rms), in dB. */
function levelDb(y: Float32Array): number {
  let s = 0
  const a = Math.floor(y.length / 4)
  const b = Math.floor((3 * y.length) / 4)
  for (let i = a; i < b; i++) s += y[i] * y[i]
  return 20 * Math.log10(Math.SQRT2 * Math.sqrt(s / (b - a)))
}
const db = (v: number) => 20 * Math.log10(v)
const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/** Rate pairs users meet: recorders down to 16 kHz, and up-sampling. */
const PAIRS = [
  [48000, 16000],
  [44100, 16000],
  [96000, 16000],
  [22050, 16000],
  [16000, 44100],
  [8000, 16000],
] as const

describe.skipIf(!haveNative)('native resampling kernel vs the TS loop', () => {
  it('every ISA variant this CPU runs is present', () => {
    expect(variants.length).toBeGreaterThanOrEqual(1)
    expect(variants.map(([isa]) => isa)).toContain('sse2')
  })

  for (const [from, to] of PAIRS) {
    it(`${from} → ${to} Hz: a sweep + noise within 2e-6 of full scale, every ISA`, () => {
      const x = sweep(from * 2, from)
      const ts = resample(x, from, to, { kernel: null })
      for (const [isa, k] of variants) {
        const d = maxAbsDiff(resample(x, from, to, { kernel: k }), ts)
        expect(d, `${isa}: max |native − TS| = ${d}`).toBeLessThan(2e-6)
      }
    })
  }

  for (const [from] of [
    [48000, 16000],
    [44100, 16000],
  ] as const) {
    it(`${from} → 16000 Hz: passband within 0.05 dB to 6 kHz and stopband below −70 dB, as TS`, () => {
      for (const [isa, k] of variants) {
        for (const f of [100, 1000, 3000, 5000, 6000]) {
          const x = tone(from, f, from)
          const gain = db(amplitude(resample(x, from, 16000, { kernel: k }), f, 16000))
          const tsGain = db(amplitude(resample(x, from, 16000, { kernel: null }), f, 16000))
          expect(Math.abs(gain), `${isa} ${f} Hz`).toBeLessThan(0.05)
          expect(Math.abs(gain - tsGain), `${isa} ${f} Hz vs TS`).toBeLessThan(1e-4)
        }
        for (const f of [8500, 10000, 15000, 20000]) {
          const x = tone(from, f, from)
          const level = levelDb(resample(x, from, 16000, { kernel: k }))
          const tsLevel = levelDb(resample(x, from, 16000, { kernel: null }))
          expect(level, `${isa} ${f} Hz`).toBeLessThan(-70)
          expect(Math.abs(level - tsLevel), `${isa} ${f} Hz vs TS`).toBeLessThan(0.5)
        }
      }
    })
  }

  it('a slice of the input (as a worker reads it) gives exactly the whole pass’s outputs', () => {
    const x = sweep(48000 * 3, 48000)
    for (const [isa, k] of variants) {
      const whole = resample(x, 48000, 16000, { kernel: k })
      for (const [o0, o1] of [
        [0, 100],
        [5000, 9000],
        [whole.length - 77, whole.length],
      ]) {
        const [i0, i1] = resampleInputSpan(x.length, 48000, 16000, o0, o1)
        const slice = { origin: i0, length: x.length }
        const part = resampleRange(x.slice(i0, i1), slice, 48000, 16000, o0, o1, { kernel: k })
        expect(Array.from(part), `${isa} ${o0}…${o1}`).toEqual(Array.from(whole.subarray(o0, o1)))
      }
    }
  })

  it('throws a clear error instead of reading outside its arguments', () => {
    const [, k] = variants[0]
    const table = new Float32Array(1 * 2 * 96) // 48 → 16 kHz: L = 1, Wc = 96
    const x = new Float32Array(3000)
    const y = new Float32Array(1000)
    // output 999 reads input up to 3 · 999 + 96 > 2999
    expect(() => k(x, 0, 6000, 1, 3, 96, table, 0, 1000, y)).toThrow(/outside x/)
    expect(() => k(x, 100, 3100, 1, 3, 96, table, 0, 10, y)).toThrow(/outside x/)
    expect(() => k(x, 0, 3000, 1, 3, 95, table, 0, 10, y)).toThrow(/table.length/)
    expect(() => k(x, 0, 3000, 1, 3, 96, table, 0, 1001, y)).toThrow(/output range/)
    expect(() => k(x, 0, 3000, 0, 3, 96, table, 0, 10, y)).toThrow(/≥ 1/)
    const f64 = new Float64Array(1) as unknown as Float32Array
    expect(() => k(f64, 0, 1, 1, 3, 96, table, 0, 1, y)).toThrow(/Float32Array/)
    expect(() => k(x, 0, 3000, 1, 3, 96, table, 0, 1000, y)).not.toThrow()
  })
})

describe('resampleKernel selection (same rule as the training kernels)', () => {
  const fresh = async (env: string | undefined) => {
    vi.resetModules()
    vi.stubEnv('FRAMEWISE_KERNELS', env)
    try {
      return (await import('./resample')).resampleKernel()
    } finally {
      vi.unstubAllEnvs()
    }
  }
  it('FRAMEWISE_KERNELS=ts forces the TS loop', async () => {
    expect(await fresh('ts')).toBeNull()
  })
  it.skipIf(!haveNative)('unset or native uses the addon when it loads', async () => {
    expect(typeof (await fresh(undefined))).toBe('function')
    expect(typeof (await fresh('native'))).toBe('function')
  })
  it('a bad value is an error naming the variable', async () => {
    await expect(fresh('gpu')).rejects.toThrow(/FRAMEWISE_KERNELS must be/)
  })
})
