import { describe, expect, it } from 'vitest'
import type { PredictionView } from '../../engine/api'
import {
  accept,
  columns,
  disagreements,
  frameAt,
  nextLowConfidence,
  nextPredicted,
  predictedAt,
  unrejected,
} from './prediction'

const p: PredictionView = {
  media: 'a.wav',
  model: 'run:x',
  created: '',
  classes: ['bg', 'call'],
  start: 0,
  hop: 0.1,
  labels: [0, 0, 1, 1, 1, 0, 0, 0, 1, 0],
  confidence: [0.9, 0.9, 0.8, 0.5, 0.9, 0.95, 0.9, 0.9, 0.55, 0.9],
  segments: [
    { start: 0.15, end: 0.45, label: 'call' },
    { start: 0.75, end: 0.85, label: 'call' },
  ],
}

describe('prediction track logic', () => {
  it('finds frames by time, clamped', () => {
    expect(frameAt(p, 0.31)).toBe(3)
    expect(frameAt(p, -5)).toBe(0)
    expect(frameAt(p, 50)).toBe(9)
  })

  it('maps pixel columns to frames', () => {
    // column centres at 0.1, 0.3, 0.5, 0.7, 0.9 s → frames 1, 3, 5, 7, 9
    const c = columns(p, { start: 0, span: 1, width: 5 })
    expect(Array.from(c.labels)).toEqual([0, 1, 0, 0, 0])
    expect(Array.from(c.confidence)).toEqual([0.9, 0.5, 0.95, 0.9, 0.9].map(Math.fround))
    const outside = columns(p, { start: 5, span: 1, width: 4 })
    expect(Array.from(outside.labels)).toEqual([-1, -1, -1, -1])
  })

  it('marks where prediction and labels disagree (background where unlabelled)', () => {
    const labels = [{ start: 0.15, end: 0.35, label: 'call' }]
    // frames 2,3 agree (call), 4 predicted call but unlabelled (bg) → disagree; 8 predicted call → disagree
    expect(disagreements(p, labels, 'bg').map(([a, b]) => [+a.toFixed(2), +b.toFixed(2)])).toEqual([
      [0.35, 0.45],
      [0.75, 0.85],
    ])
  })

  it('steps to the next predicted segment, skipping rejected ones', () => {
    expect(nextPredicted(p, 0, new Set())).toBe(0)
    expect(nextPredicted(p, 0.15, new Set())).toBe(1)
    expect(nextPredicted(p, 0, new Set([0]))).toBe(1)
    expect(nextPredicted(p, 0.75, new Set())).toBe(-1)
    expect(unrejected(p, new Set([0]))).toEqual([p.segments[1]])
  })

  it('finds the predicted segment under a time', () => {
    expect(predictedAt(p, 0.2)).toBe(0)
    expect(predictedAt(p, 0.5)).toBe(-1)
  })

  it('accepts all, or only within a selection, painting over labels', () => {
    const labels = [{ start: 0.3, end: 0.6, label: 'bg' }]
    expect(accept(labels, p.segments)).toEqual([
      { start: 0.15, end: 0.45, label: 'call' },
      { start: 0.45, end: 0.6, label: 'bg' },
      { start: 0.75, end: 0.85, label: 'call' },
    ])
    expect(accept([], p.segments, 0.7, 1)).toEqual([{ start: 0.75, end: 0.85, label: 'call' }])
  })

  it('jumps to the next low-confidence stretch', () => {
    expect(nextLowConfidence(p, 0)).toBeCloseTo(0.3, 9)
    expect(nextLowConfidence(p, 0.35)).toBeCloseTo(0.8, 9)
    expect(nextLowConfidence(p, 0.85)).toBeNull()
  })
})

describe('accepting into an overlapping tier', () => {
  it('adds the predicted events beside the labels, overlaps kept', () => {
    const labels = [{ start: 0, end: 2, label: 'a' }]
    const predicted = [
      { start: 1, end: 3, label: 'b' },
      { start: 1.5, end: 2.5, label: 'c' },
    ]
    expect(accept(labels, predicted, -Infinity, Infinity, 'overlapping')).toEqual([
      { start: 0, end: 2, label: 'a' },
      { start: 1, end: 3, label: 'b' },
      { start: 1.5, end: 2.5, label: 'c' },
    ])
    // an exclusive tier is painted over, as before
    expect(accept(labels, predicted).map((s) => [s.start, s.end, s.label])).toEqual([
      [0, 1, 'a'],
      [1, 1.5, 'b'],
      [1.5, 2.5, 'c'],
      [2.5, 3, 'b'],
    ])
  })
})
