import { describe, expect, it } from 'vitest'
import {
  classActivity,
  multiLabelConfidence,
  multiLabelSegments,
  strongestLabels,
} from './postprocess-multilabel'

// 10 frames, centres 0.05 … 0.95 s (100 ms hop): frame edges fall on multiples of 0.1 s
const times = Float64Array.from({ length: 10 }, (_, t) => 0.05 + 0.1 * t)
const post = (threshold: number, medianFilter = 1, minDuration = 0) => ({
  threshold,
  medianFilter,
  minDuration,
})

describe('multiLabelSegments', () => {
  // class a: on in frames 1–5; class b: on in frames 3–8 with a one-frame dip at 6
  const a = [0.1, 0.8, 0.9, 0.7, 0.6, 0.9, 0.2, 0.1, 0.1, 0.1]
  const b = [0.0, 0.1, 0.2, 0.6, 0.7, 0.8, 0.3, 0.9, 0.9, 0.2]
  const probs = Float32Array.from(a.flatMap((p, t) => [p, b[t]])) // (T, 2)

  it('gives each class its own events, overlapping where both are on', () => {
    const s = multiLabelSegments(probs, times, ['a', 'b'], [post(0.5), post(0.5)])
    const r = s.map((e) => [e.label, +e.start.toFixed(3), +e.end.toFixed(3)])
    expect(r).toEqual([
      ['a', 0.1, 0.6],
      ['b', 0.3, 0.6],
      ['b', 0.7, 0.9],
    ])
  })

  it('thresholds, median filters and minimum durations are per class', () => {
    // b at 0.25 keeps its dip (0.3 ≥ 0.25), a at 0.85 keeps frames 2 and 5 only
    const s1 = multiLabelSegments(probs, times, ['a', 'b'], [post(0.85), post(0.25)])
    expect(s1.map((e) => [e.label, +e.start.toFixed(3), +e.end.toFixed(3)])).toEqual([
      ['a', 0.2, 0.3],
      ['b', 0.3, 0.9],
      ['a', 0.5, 0.6],
    ])
    // a median filter of 3 fills b's one-frame dip; a minimum duration of 0.2 s drops a's blips
    const s2 = multiLabelSegments(probs, times, ['a', 'b'], [post(0.85, 1, 0.2), post(0.5, 3)])
    expect(s2.map((e) => [e.label, +e.start.toFixed(3), +e.end.toFixed(3)])).toEqual([
      ['b', 0.3, 0.9],
    ])
  })

  it('refuses settings for another number of classes, and a length mismatch', () => {
    expect(() => multiLabelSegments(probs, times, ['a', 'b'], [post(0.5)])).toThrow(
      /for 1 classes, the model has 2/,
    )
    expect(() =>
      multiLabelSegments(probs, times.subarray(0, 9), ['a', 'b'], [post(0.5), post(0.5)]),
    ).toThrow(/10 frames of probabilities, 9 times/)
  })

  it('classActivity is p ≥ threshold', () => {
    expect([...classActivity(probs, 2, 0, 0.65)]).toEqual([0, 1, 1, 1, 0, 1, 0, 0, 0, 0])
    // float32 0.7 is 0.69999999: below a threshold of 0.7, as at inference and in validation
    expect(classActivity(probs, 2, 0, 0.7)[3]).toBe(0)
  })
})

describe('strongestLabels', () => {
  it('is the most probable class at or above its own threshold, −1 where none is on', () => {
    // frame 0: b 0.6 ≥ 0.5 beats a 0.7 < 0.8; frame 1: both on, a higher; frame 2: neither
    const probs = Float32Array.of(0.7, 0.6, 0.9, 0.55, 0.1, 0.2)
    const per = [post(0.8), post(0.5)]
    expect([...strongestLabels(probs, 2, per)]).toEqual([1, 0, -1])
  })
})

describe('multiLabelConfidence', () => {
  it('is the least sure class per frame, by its distance from its own threshold', () => {
    // frame 0: a 0.9 on at 0.5 → 0.8, b 0.1 off at 0.2 → 0.5: 0.5
    // frame 1: a 0.5 exactly at 0.5 → 0; frame 2: everything far off → a 0.9, b 1
    const probs = Float32Array.of(0.9, 0.1, 0.5, 0.0, 0.05, 0.0)
    const c = multiLabelConfidence(probs, 2, [post(0.5), post(0.2)])
    expect(c[0]).toBeCloseTo(0.5, 6)
    expect(c[1]).toBeCloseTo(0, 6)
    expect(c[2]).toBeCloseTo(0.9, 6)
  })
})
