import { describe, expect, it } from 'vitest'
import {
  flatten,
  merge,
  hitTest,
  moveTo,
  nextSegment,
  nextUnlabelled,
  paint,
  previousSegment,
  relabel,
  remove,
  resize,
  segmentAt,
  visibleRange,
  type Segment,
} from './segments'

const segs: Segment[] = [
  { start: 1, end: 2, label: 'a' },
  { start: 3, end: 5, label: 'b' },
  { start: 8, end: 9, label: 'a' },
]
const v = { start: 0, span: 10, width: 1000 } // 100 px per second

describe('segments', () => {
  it('finds visible segments and the one under a time', () => {
    expect(visibleRange(segs, 0, 0.5)).toEqual([0, 0])
    expect(visibleRange(segs, 1.5, 3.5)).toEqual([0, 2])
    expect(visibleRange(segs, 5, 7.9)).toEqual([2, 2])
    expect(visibleRange(segs, 0, 10)).toEqual([0, 3])
    expect(segmentAt(segs, 4)).toBe(1)
    expect(segmentAt(segs, 6)).toBe(-1)
  })

  it('hit-tests edges before bodies, the nearer edge first', () => {
    expect(hitTest(segs, v, 300)).toEqual({ index: 1, part: 'start' })
    expect(hitTest(segs, v, 497)).toEqual({ index: 1, part: 'end' })
    expect(hitTest(segs, v, 400)).toEqual({ index: 1, part: 'body' })
    expect(hitTest(segs, v, 650)).toBeNull()
    // A 3-px-wide segment keeps its body reachable.
    const tiny = [{ start: 1, end: 1.03, label: 'a' }]
    expect(hitTest(tiny, v, 101.5)?.part).toBe('body')
  })

  it('paints over what a new segment overlaps: trims, splits and drops', () => {
    const { segments, index } = paint(segs, 4, 8.5, 'c')
    expect(segments).toEqual([
      { start: 1, end: 2, label: 'a' },
      { start: 3, end: 4, label: 'b' },
      { start: 4, end: 8.5, label: 'c' },
      { start: 8.5, end: 9, label: 'a' },
    ])
    expect(index).toBe(2)
    const split = paint(segs, 3.5, 4, 'c').segments
    expect(split.map((s) => [s.start, s.end, s.label])).toEqual([
      [1, 2, 'a'],
      [3, 3.5, 'b'],
      [3.5, 4, 'c'],
      [4, 5, 'b'],
      [8, 9, 'a'],
    ])
    expect(paint(segs, 0, 10, 'z').segments).toEqual([{ start: 0, end: 10, label: 'z' }])
    expect(paint(segs, 7, 6, 'r').segments[2]).toEqual({ start: 6, end: 7, label: 'r' })
    expect(segs).toHaveLength(3) // the input is never mutated
  })

  it('resizes and moves within the neighbours', () => {
    expect(resize(segs, 1, 'start', 0.5, 10)[1]).toEqual({ start: 2, end: 5, label: 'b' })
    expect(resize(segs, 1, 'end', 6, 10)[1]).toEqual({ start: 3, end: 6, label: 'b' })
    expect(resize(segs, 1, 'end', 2, 10)[1].end).toBeCloseTo(3.001, 9)
    expect(resize(segs, 2, 'end', 12, 10)[2].end).toBe(10)
    // A shared boundary moves both segments' edges.
    const touching = [
      { start: 0, end: 2, label: 'a' },
      { start: 2, end: 4, label: 'b' },
    ]
    expect(resize(touching, 0, 'end', 3, 10)).toEqual([
      { start: 0, end: 3, label: 'a' },
      { start: 3, end: 4, label: 'b' },
    ])
    expect(resize(touching, 1, 'start', 1, 10)).toEqual([
      { start: 0, end: 1, label: 'a' },
      { start: 1, end: 4, label: 'b' },
    ])
    expect(resize(touching, 0, 'end', 9, 10)[1].start).toBeCloseTo(3.999, 9)
    expect(moveTo(segs, 1, 5.5, 10)[1]).toEqual({ start: 5.5, end: 7.5, label: 'b' })
    expect(moveTo(segs, 1, 7, 10)[1]).toEqual({ start: 6, end: 8, label: 'b' })
    expect(moveTo(segs, 0, -3, 10)[0]).toEqual({ start: 0, end: 1, label: 'a' })
    expect(relabel(segs, 0, 'q')[0].label).toBe('q')
    expect(remove(segs, 1).map((s) => s.label)).toEqual(['a', 'a'])
  })

  it('steps between segments and finds the next unlabelled stretch', () => {
    expect(nextSegment(segs, 1)).toBe(1)
    expect(nextSegment(segs, 0)).toBe(0)
    expect(nextSegment(segs, 8)).toBe(-1)
    expect(previousSegment(segs, 3)).toBe(0)
    expect(previousSegment(segs, 1)).toBe(-1)
    expect(nextUnlabelled(segs, 0, 10)).toEqual([2, 3])
    expect(nextUnlabelled([{ start: 1, end: 2, label: 'a' }], 0, 10, 0.01, true)).toEqual([0, 1])
    expect(nextUnlabelled([{ start: 1, end: 2, label: 'a' }], 0, 10)).toEqual([2, 10])
    expect(nextUnlabelled(segs, 2.5, 10)).toEqual([5, 8])
    expect(nextUnlabelled(segs, 6, 10)).toEqual([9, 10])
    expect(nextUnlabelled(segs, 9.5, 10)).toEqual([0, 1]) // wraps
    expect(nextUnlabelled([{ start: 0, end: 10, label: 'a' }], 0, 10)).toBeNull()
  })
})

describe('flatten and merge (imports)', () => {
  it('resolves overlaps with the later start winning and keeps the rest', () => {
    const overlapping = [
      { start: 2, end: 6, label: 'b' },
      { start: 0, end: 3, label: 'a' },
      { start: 4, end: 5, label: 'c' },
      { start: 7, end: 7, label: 'p' },
    ]
    expect(flatten(overlapping).map((s) => [s.start, s.end, s.label])).toEqual([
      [0, 2, 'a'],
      [2, 4, 'b'],
      [4, 5, 'c'],
      [5, 6, 'b'],
      [7, 7, 'p'],
    ])
  })

  it('paints imported segments over the existing ones', () => {
    expect(
      merge(segs, [{ start: 1.5, end: 3.5, label: 'z' }]).map((s) => [s.start, s.end, s.label]),
    ).toEqual([
      [1, 1.5, 'a'],
      [1.5, 3.5, 'z'],
      [3.5, 5, 'b'],
      [8, 9, 'a'],
    ])
  })
})
