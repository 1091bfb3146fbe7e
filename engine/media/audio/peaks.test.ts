import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildPeaks, decodePeaks, encodePeaks, loadPeaks, pickLevel, queryPeaks } from './peaks'
import { makeWav } from './testing'

// A ramp from -1 to +1 over 10 000 samples makes every bucket's min/max predictable.
const n = 10_000
const ramp = new Float32Array(n).map((_, i) => -1 + (2 * i) / (n - 1))

describe('peaks', () => {
  const peaks = buildPeaks(ramp, 1000)
  it('builds levels of 256, 1024, 4096, 16384 samples with exact min/max', () => {
    expect(peaks.levels.map((l) => l.bucketSize)).toEqual([256, 1024, 4096, 16384])
    expect(peaks.levels.map((l) => l.minMax.length / 2)).toEqual([40, 10, 3, 1])
    const l1 = peaks.levels[1].minMax
    expect(l1[2]).toBeCloseTo(ramp[1024], 6) // bucket 1 min
    expect(l1[3]).toBeCloseTo(ramp[2047], 6) // bucket 1 max
    expect(peaks.levels[3].minMax[0]).toBe(-1)
    expect(peaks.levels[3].minMax[1]).toBe(1)
    expect(peaks.levels[0].minMax[79]).toBe(1) // last, partial bucket
  })
  it('queries a time window at a bucket size', () => {
    const w = queryPeaks(peaks, 2.1, 5, 1024) // samples 2100..5000 → buckets 2..4
    expect(w.start).toBeCloseTo(2.048, 9)
    expect(w.minMax.length).toBe(6)
    expect(w.minMax[0]).toBeCloseTo(ramp[2048], 6)
    expect(w.minMax[5]).toBeCloseTo(ramp[5119], 6)
    expect(() => queryPeaks(peaks, 0, 1, 300)).toThrow(/no peak level/)
  })
  it('picks the coarsest level not wider than a pixel', () => {
    expect(pickLevel(peaks, 2000).bucketSize).toBe(1024)
    expect(pickLevel(peaks, 10).bucketSize).toBe(256)
  })
  it('round-trips through the binary encoding', () => {
    const back = decodePeaks(encodePeaks(peaks), 'x')
    expect(back.length).toBe(n)
    expect(back.sampleRate).toBe(1000)
    expect(back.levels[2].minMax).toEqual(peaks.levels[2].minMax)
    expect(() => decodePeaks(encodePeaks(peaks).subarray(0, 100), 'p.peaks')).toThrow(
      /p.peaks: truncated peaks cache data/,
    )
  })
  it('writes a cache file once and reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-peaks-'))
    const wav = join(dir, 'a.wav')
    writeFileSync(wav, makeWav({ bits: 16, rate: 8000, channels: [Array.from(ramp)] }))
    const cache = join(dir, 'cache')
    const a = await loadPeaks(wav, cache)
    expect(readdirSync(cache)).toHaveLength(1)
    const b = await loadPeaks(wav, cache)
    expect(b.levels[0].minMax).toEqual(a.levels[0].minMax)
    expect(a.levels[0].minMax[1]).toBeCloseTo(ramp[255], 4)
  })
})
