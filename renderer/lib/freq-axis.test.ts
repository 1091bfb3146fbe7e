import { describe, expect, it } from 'vitest'
import { frequencyTicks, hzAtY, readoutHz, tickLabel, yOfHz, type FreqAxis } from './freq-axis'

/** Rows as the engine spaces them (engine/media/spectrogram.ts rowMap), written out again here. */
function axis(scale: 'linear' | 'mel', fMin: number, fMax: number, rows: number): FreqAxis {
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700)
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1)
  const to = scale === 'mel' ? mel : (f: number) => f
  const from = scale === 'mel' ? hz : (f: number) => f
  const a = to(fMin)
  const b = to(fMax)
  return {
    scale,
    fMin,
    fMax,
    rowHz: Array.from({ length: rows }, (_, r) => from(a + ((b - a) * (r + 0.5)) / rows)),
  }
}

describe('frequency axis', () => {
  it('maps y to Hz and back, linear and mel', () => {
    const lin = axis('linear', 2000, 10000, 200)
    expect(hzAtY(lin, 0, 200)).toBeCloseTo(10000, 6)
    expect(hzAtY(lin, 200, 200)).toBeCloseTo(2000, 6)
    expect(hzAtY(lin, 100, 200)).toBeCloseTo(6000, 6)
    const mel = axis('mel', 0, 8000, 256)
    const m = (f: number) => 2595 * Math.log10(1 + f / 700)
    // Half way up is half way in mel (within the interpolation between row centres).
    expect(m(hzAtY(mel, 128, 256))).toBeCloseTo(m(8000) / 2, 0)
    for (const f of [100, 1000, 5000]) expect(hzAtY(mel, yOfHz(mel, f, 256), 256)).toBeCloseTo(f, 6)
  })

  it('places linear ticks on one even step, at least the gap apart', () => {
    const a = axis('linear', 0, 8000, 128)
    const ticks = frequencyTicks(a, 128, 28)
    expect(ticks).toEqual([0, 2000, 4000, 6000, 8000])
    const zoomed = frequencyTicks(axis('linear', 2000, 10000, 300), 300, 28)
    expect(zoomed).toEqual([2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000])
  })

  it('places mel ticks on round values, never closer than the gap', () => {
    const a = axis('mel', 0, 22050, 200)
    const ticks = frequencyTicks(a, 200, 24)
    expect(ticks.length).toBeGreaterThanOrEqual(4)
    const ys = ticks.map((f) => yOfHz(a, f, 200)).sort((x, y) => x - y)
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(24)
    // Round: one significant digit (0, 50, 200, 4000, 10000 …).
    for (const f of ticks)
      expect(Number.isInteger(f / 10 ** Math.floor(Math.log10(Math.max(f, 1))))).toBe(true)
  })

  it('labels in Hz and kHz', () => {
    expect(tickLabel(500)).toBe('500 Hz')
    expect(tickLabel(2000)).toBe('2 kHz')
    expect(tickLabel(2500)).toBe('2.5 kHz')
    expect(readoutHz(1234.4)).toBe('1234 Hz')
    expect(readoutHz(12345)).toBe('12.35 kHz')
  })
})
