/**
 * Segment- and event-based metrics on small cases computed by hand (docs/metrics.md shows the
 * first two worked through).
 */
import { describe, expect, it } from 'vitest'
import type { Segment } from '../labels/segments'
import { concatFiles, eventBasedMetrics, segmentActivity, segmentBasedMetrics } from './polyphonic'

const ev = (label: string, start: number, end: number): Segment => ({ start, end, label })

describe('segment-based metrics (1 s segments)', () => {
  // reference: a [0, 1.5] over b [1.2, 2.5]; prediction: a [0.2, 0.8], b [0.5, 2.1], a [2.2, 2.9]
  //   segment:      0      1      2
  //   reference   {a}    {a,b}  {b}
  //   prediction  {a,b}  {b}    {a,b}
  //   TP/FP/FN    1/1/0  1/0/1  1/1/0     → S 0, D 1, I 2, N 4
  const ref = [ev('a', 0, 1.5), ev('b', 1.2, 2.5)]
  const pred = [ev('a', 0.2, 0.8), ev('b', 0.5, 2.1), ev('a', 2.2, 2.9)]

  it('pools TP, FP, FN and S, D, I over segments (micro)', () => {
    const m = segmentBasedMetrics(ref, pred)
    expect(m.segments).toBe(3)
    expect(m.micro).toMatchObject({ tp: 3, fp: 2, fn: 1, reference: 4 })
    expect(m.micro).toMatchObject({ substitutions: 0, deletions: 1, insertions: 2 })
    expect(m.micro.precision).toBeCloseTo(3 / 5, 12)
    expect(m.micro.recall).toBeCloseTo(3 / 4, 12)
    expect(m.micro.f1).toBeCloseTo(2 / 3, 12)
    expect(m.micro.errorRate).toBeCloseTo(3 / 4, 12)
  })

  it('scores each class alone, and averages them (macro)', () => {
    const m = segmentBasedMetrics(ref, pred)
    const [a, b] = m.perClass
    // a: reference {0, 1}, prediction {0, 2}: TP 1, FP 1, FN 1; ER (1 + 1) / 2
    expect(a).toMatchObject({ label: 'a', tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5 })
    expect(a.f1).toBeCloseTo(0.5, 12)
    expect(a.errorRate).toBeCloseTo(1, 12)
    // b: reference {1, 2}, prediction {0, 1, 2}: TP 2, FP 1, FN 0; ER 1 / 2
    expect(b).toMatchObject({ label: 'b', tp: 2, fp: 1, fn: 0, recall: 1 })
    expect(b.f1).toBeCloseTo(0.8, 12)
    expect(b.errorRate).toBeCloseTo(0.5, 12)
    expect(m.macroF1).toBeCloseTo(0.65, 12)
    expect(m.macroErrorRate).toBeCloseTo(0.75, 12)
  })

  it('a wrong label in a segment is one substitution, not a deletion and an insertion', () => {
    const m = segmentBasedMetrics([ev('a', 0, 1)], [ev('b', 0, 1)])
    expect(m.micro).toMatchObject({ substitutions: 1, deletions: 0, insertions: 0, f1: 0 })
    expect(m.micro.errorRate).toBe(1)
    // per class, the same error is a deletion of a and an insertion of b
    expect(m.perClass.map((c) => c.errorRate)).toEqual([1, NaN])
    expect(m.macroErrorRate).toBe(1)
  })

  it('segments run from ⌊onset⌋ to ⌈offset⌉; boundaries and short events are exact', () => {
    const roll = segmentActivity(
      [ev('a', 1, 2), ev('a', 2.95, 3.05), ev('b', 0.3, 0.3)],
      ['a', 'b'],
      1,
      4,
    )
    // a [1, 2] is segment 1 only; a [2.95, 3.05] touches 2 and 3; a point b at 0.3 sets 0
    expect([...roll]).toEqual([0, 1, 1, 0, 1, 0, 1, 0])
    const tenth = segmentActivity([ev('a', 0.2, 0.3)], ['a'], 0.1, 5)
    expect([...tenth]).toEqual([0, 0, 1, 0, 0])
  })

  it('duration extends the evaluation; a silent tail counts nothing but is evaluated', () => {
    const m = segmentBasedMetrics([ev('a', 0, 1)], [ev('a', 0, 1)], { duration: 10 })
    expect(m.segments).toBe(10)
    expect(m.micro).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1, errorRate: 0 })
  })

  it('overlapping events of one class count a segment once', () => {
    const m = segmentBasedMetrics([ev('a', 0, 2), ev('a', 0.5, 1.5)], [ev('a', 0, 1)])
    expect(m.micro).toMatchObject({ tp: 1, fp: 0, fn: 1, reference: 2 })
  })
})

describe('event-based metrics (onset collar 200 ms, offset collar max(200 ms, 20%))', () => {
  // reference: a [1, 2], a [3, 3.5], b [1.5, 4] (b overlaps both a)
  const ref = [ev('a', 1, 2), ev('a', 3, 3.5), ev('b', 1.5, 4)]
  const pred = [
    ev('a', 1.15, 2.1), // onset 0.15 ≤ 0.2, offset 0.1 ≤ max(0.2, 0.2): match
    ev('a', 3.3, 3.5), // onset 0.3 > 0.2: no
    ev('b', 1.6, 3.3), // onset 0.1, offset 0.7 > max(0.2, 0.2 · 2.5 = 0.5): no
    ev('b', 1.45, 3.6), // onset 0.05, offset 0.4 ≤ 0.5: match
  ]

  it('per class and pooled, with the errors', () => {
    const m = eventBasedMetrics(ref, pred)
    const [a, b] = m.perClass
    expect(a).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, errorRate: 2 / 2 })
    expect(b).toMatchObject({ tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1, errorRate: 1 })
    expect(b.f1).toBeCloseTo(2 / 3, 12)
    expect(m.micro).toMatchObject({ tp: 2, fp: 2, fn: 1, reference: 3 })
    expect(m.micro.f1).toBeCloseTo(4 / 7, 12)
    expect(m.macroF1).toBeCloseTo(7 / 12, 12)
    // a [3, 3.5] is left, and no leftover prediction of another label matches it in time
    expect(m.micro).toMatchObject({ substitutions: 0, deletions: 1, insertions: 2 })
    expect(m.micro.errorRate).toBeCloseTo(1, 12)
  })

  it('the offset collar grows with the reference duration, never below the onset collar', () => {
    const long = [ev('a', 0, 10)]
    expect(eventBasedMetrics(long, [ev('a', 0, 8.1)]).micro.tp).toBe(1) // 1.9 ≤ 2
    expect(eventBasedMetrics(long, [ev('a', 0, 7.9)]).micro.tp).toBe(0) // 2.1 > 2
    const short = [ev('a', 0, 0.5)]
    expect(eventBasedMetrics(short, [ev('a', 0, 0.69)]).micro.tp).toBe(1) // 0.19 ≤ max(0.2, 0.1)
    expect(eventBasedMetrics(short, [ev('a', 0, 0.75)]).micro.tp).toBe(0)
    expect(eventBasedMetrics(short, [ev('a', 0, 0.75)], { offset: false }).micro.tp).toBe(1)
  })

  it('a right time under a wrong label is a substitution', () => {
    const m = eventBasedMetrics([ev('a', 0, 1)], [ev('b', 0.1, 1)])
    expect(m.micro).toMatchObject({ tp: 0, substitutions: 1, deletions: 0, insertions: 0 })
    expect(m.micro.errorRate).toBe(1)
  })

  it('matching is one-to-one and maximal: two references under one long prediction', () => {
    const m = eventBasedMetrics(
      [ev('a', 0, 1), ev('a', 0.1, 1.05)],
      [ev('a', 0.05, 1), ev('a', 0.3, 1)],
      { offset: false },
    )
    // the second prediction's onset (0.3) is within 0.2 of the second reference only
    expect(m.micro.tp).toBe(2)
  })

  it('classes given: only those are scored, in that order; nothing at all gives NaN rates', () => {
    const m = eventBasedMetrics(ref, pred, { classes: ['b'] })
    expect(m.perClass.map((c) => c.label)).toEqual(['b'])
    expect(m.micro.tp).toBe(1)
    const none = eventBasedMetrics([], [])
    expect(none.micro.errorRate).toBeNaN()
    expect(none.macroF1).toBeNaN()
  })
})

describe('concatFiles', () => {
  it('pools files: counts add up, and nothing matches across a file boundary', () => {
    const a = { reference: [ev('x', 0, 1.5)], predicted: [ev('x', 0, 1.5)], duration: 1.5 }
    // the second file's prediction starts at 0, as the first file's reference ends near 1.5 s
    const b = { reference: [], predicted: [ev('x', 0.05, 0.3)], duration: 1 }
    const all = concatFiles([a, b])
    expect(all.predicted[1].start).toBeCloseTo(3.05, 12) // ⌈1.5⌉ + 1 empty segment
    const seg = segmentBasedMetrics(all.reference, all.predicted, { duration: all.duration })
    expect(seg.micro).toMatchObject({ tp: 2, fp: 1, fn: 0 })
    const evs = eventBasedMetrics(all.reference, all.predicted)
    expect(evs.micro).toMatchObject({ tp: 1, fp: 1, fn: 0 })
  })
})
