import { describe, expect, it } from 'vitest'
import { RunningStats, normalize } from './normalize'
import { featureNames, parseFeatureSpec, PRESETS } from './spec'
import { specHash } from './spec-hash'

describe('FeatureSpec', () => {
  it('fills the documented defaults', () => {
    const s = parseFeatureSpec({ kind: 'audio' })
    expect(s).toMatchObject({
      sampleRate: 16000,
      frameLength: 512,
      hopLength: 160,
      window: 'hann',
      deltas: 2,
      normalization: { mode: 'per-file' },
    })
    expect(featureNames(s)).toHaveLength(39)
  })
  it('hash is stable across key order and defaults, and changes with any setting', () => {
    const a = specHash({ kind: 'audio' })
    expect(specHash({ hopLength: 160, kind: 'audio', mel: { fMax: null, bands: 40 } })).toBe(a)
    expect(specHash(JSON.parse(JSON.stringify(PRESETS.mfcc())))).toBe(a)
    expect(specHash({ kind: 'audio', hopLength: 161 })).not.toBe(a)
    expect(a).toMatch(/^[0-9a-f]{16}$/)
  })
  it('rejects bad values with the field name', () => {
    expect(() => parseFeatureSpec({ kind: 'audio', frameLength: 500 })).toThrow(/power of two/)
    expect(() => parseFeatureSpec({ kind: 'audio', features: [{ name: 'bogus' }] })).toThrow()
    expect(() => parseFeatureSpec({ kind: 'image' })).toThrow()
    expect(() => parseFeatureSpec({ kind: 'audio', features: [{ name: 'mfcc', n: 50 }] })).toThrow(
      /mfcc n = 50 exceeds mel.bands = 40/,
    )
    expect(() => parseFeatureSpec({ kind: 'audio', mel: { fMax: 9000 } })).toThrow(
      /mel range 0–9000 Hz/,
    )
  })
  it('names series window statistics', () => {
    expect(
      featureNames(parseFeatureSpec({ kind: 'series', frameLength: 5, stats: ['mean', 'std'] }), [
        'x',
      ]),
    ).toEqual(['x_mean', 'x_std'])
  })
})

describe('normalisation', () => {
  it('streaming stats over chunks equal the whole-set mean/std (hand-computed)', () => {
    // column 0: 1,2,3,4 → mean 2.5, std √1.25; column 1: 10,10,10,10 → std floored
    const all = new Float32Array([1, 10, 2, 10, 3, 10, 4, 10])
    const s = new RunningStats(2).add(all.subarray(0, 2)).add(all.subarray(2, 8))
    const r = s.result()
    expect(r.mean).toEqual([2.5, 10])
    expect(r.std[0]).toBeCloseTo(Math.sqrt(1.25), 12)
    expect(r.std[1]).toBe(1e-5)
  })
  it('global mode uses stored stats; per-file standardises each file', () => {
    const x = new Float32Array([1, 2, 3, 4])
    expect(Array.from(normalize(x.slice(), 1, { mode: 'global', mean: [2], std: [2] }))).toEqual([
      -0.5, 0, 0.5, 1,
    ])
    const y = normalize(x.slice(), 1, { mode: 'per-file' })
    expect(y[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 6)
  })
})
