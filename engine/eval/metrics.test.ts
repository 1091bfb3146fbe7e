import { describe, expect, it } from 'vitest'
import { IGNORE } from '../labels/segments'
import { confusionScores, eventMetrics, frameMetrics } from './metrics'

describe('frameMetrics (hand-computed)', () => {
  // classes bg, a, b; frame 7 has an IGNORE reference; frame 9 an IGNORE prediction.
  const ref = [0, 0, 1, 1, 1, 2, 2, IGNORE, 0, 1]
  const pred = [0, 1, 1, 1, 0, 2, 1, 2, 0, IGNORE]
  const m = frameMetrics(ref, pred, ['bg', 'a', 'b'])
  it('confusion matrix and accuracy', () => {
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [1, 2, 0],
      [0, 1, 1],
    ])
    expect(m.frames).toBe(9)
    expect(m.accuracy).toBeCloseTo(5 / 9, 12)
  })
  it('per-class P/R/F1 and macro-F1', () => {
    const [bg, a, b] = m.perClass
    expect([bg.precision, bg.recall, bg.f1]).toEqual([2 / 3, 2 / 3, 2 / 3])
    expect([a.precision, a.recall, a.f1, a.support]).toEqual([0.5, 0.5, 0.5, 4])
    expect([b.precision, b.recall]).toEqual([1, 0.5])
    expect(b.f1).toBeCloseTo(2 / 3, 12)
    expect(m.macroF1).toBeCloseTo(11 / 18, 12)
  })
  it('classes absent from both sides do not count in macro-F1; 0/0 is 0', () => {
    const r = frameMetrics([0, 0, 1], [0, 1, 1], ['x', 'y', 'never'])
    // x: P 1, R 1/2, F1 2/3; y: P 1/2, R 1, F1 2/3
    expect(r.macroF1).toBeCloseTo(2 / 3, 12)
    expect(r.perClass[2]).toEqual({ label: 'never', precision: 0, recall: 0, f1: 0, support: 0 })
  })
})

describe('confusionScores: the one scoring of a confusion matrix', () => {
  it('scores a confusion matrix (rows = truth, columns = prediction)', () => {
    const r = confusionScores([
      [8, 2],
      [1, 4],
    ])
    expect(r.accuracy).toBeCloseTo(12 / 15, 12)
    const f0 = (2 * 8) / (2 * 8 + 2 + 1)
    const f1 = (2 * 4) / (2 * 4 + 1 + 2)
    expect(r.macroF1).toBeCloseTo((f0 + f1) / 2, 12)
  })
  it('nothing counted is undefined (NaN), the same for frames and confusion matrices', () => {
    const empty = confusionScores([
      [0, 0],
      [0, 0],
    ])
    expect(empty.accuracy).toBeNaN()
    expect(empty.macroF1).toBeNaN()
    const frames = frameMetrics([IGNORE, IGNORE], [0, 1], ['a', 'b'])
    expect(frames.accuracy).toBeNaN()
    expect(frames.macroF1).toBeNaN()
    expect(frames.frames).toBe(0)
  })
  it('agrees with frameMetrics on the same frames', () => {
    const ref = [0, 1, 1, 2, 0, 2]
    const pred = [0, 1, 0, 2, 2, 2]
    const fm = frameMetrics(ref, pred, ['x', 'y', 'z'])
    expect(confusionScores(fm.confusion, ['x', 'y', 'z'])).toEqual({
      accuracy: fm.accuracy,
      macroF1: fm.macroF1,
      perClass: fm.perClass,
    })
  })
})

describe('eventMetrics (hand-computed)', () => {
  const ref = [
    { start: 1, end: 2, label: 'a' },
    { start: 5, end: 6, label: 'a' },
    { start: 3, end: 4, label: 'b' },
  ]
  const pred = [
    { start: 1.15, end: 2.5, label: 'a' }, // onset within 200 ms of a@1
    { start: 1.1, end: 1.9, label: 'a' }, // also near a@1, but a@1 can be matched once
    { start: 5.3, end: 6, label: 'a' }, // 300 ms late: no match
    { start: 3.2, end: 4, label: 'b' }, // exactly at the collar: match
    { start: 7, end: 8, label: 'c' }, // class absent from the reference
  ]
  it('onset collar 200 ms, one-to-one: TP 2, FP 3, FN 1', () => {
    const e = eventMetrics(ref, pred)
    expect([e.tp, e.fp, e.fn]).toEqual([2, 3, 1])
    expect(e.precision).toBeCloseTo(0.4, 12)
    expect(e.recall).toBeCloseTo(2 / 3, 12)
    expect(e.f1).toBeCloseTo(0.5, 12)
    expect(e.perClass.map((c) => [c.label, c.precision, c.recall])).toEqual([
      ['a', 1 / 3, 0.5],
      ['b', 1, 1],
      ['c', 0, 0],
    ])
  })
  it('offset condition: tolerance max(collar, ratio · duration)', () => {
    const r = [{ start: 1, end: 2, label: 'a' }]
    const p = [{ start: 1.15, end: 2.5, label: 'a' }]
    expect(eventMetrics(r, p, { offset: true }).tp).toBe(1) // 0.5 ≤ max(0.2, 0.5 · 1)
    expect(eventMetrics(r, p, { offset: true, offsetRatio: 0.1 }).tp).toBe(0) // 0.5 > max(0.2, 0.1)
    expect(eventMetrics(r, p, { collar: 0.1 }).tp).toBe(0)
  })
  it('maximal matching where greedy first-come matching would find one pair', () => {
    const r = [
      { start: 0.3, end: 1, label: 'a' },
      { start: 0, end: 1, label: 'a' },
    ]
    const p = [
      { start: 0.15, end: 1, label: 'a' }, // near both references
      { start: 0.45, end: 1, label: 'a' }, // near the first only
    ]
    expect(eventMetrics(r, p).tp).toBe(2)
  })
})
