import { describe, expect, it } from 'vitest'
import {
  frameCentres,
  framesToSegments,
  IGNORE,
  modeFilter,
  overlaps,
  segmentsToFrames,
  type Segment,
} from './segments'

const classes = ['bg', 'a', 'b']
// 10 frames, hop 0.1 s, centres 0.0 … 0.9
const times = frameCentres(10, 0.1)

describe('segmentsToFrames (frame-centre rule)', () => {
  it('labels frames whose centre lies in [start, end), background elsewhere', () => {
    const f = segmentsToFrames([{ start: 0.15, end: 0.45, label: 'a' }], times, classes, {
      background: 'bg',
    })
    // centres 0.2, 0.3, 0.4 are inside; 0.1 and 0.5 are not (end is exclusive)
    expect(Array.from(f)).toEqual([0, 0, 1, 1, 1, 0, 0, 0, 0, 0])
  })
  it('partial labelling leaves unlabelled frames IGNORE', () => {
    const f = segmentsToFrames([{ start: 0.5, end: 0.7, label: 'b' }], times, classes, {
      partial: true,
    })
    expect(Array.from(f)).toEqual([
      IGNORE,
      IGNORE,
      IGNORE,
      IGNORE,
      IGNORE,
      2,
      2,
      IGNORE,
      IGNORE,
      IGNORE,
    ])
  })
  it('overlaps: the segment starting last wins; point labels mark the nearest frame', () => {
    const segs: Segment[] = [
      { start: 0, end: 0.8, label: 'a' },
      { start: 0.3, end: 0.5, label: 'b' },
      { start: 0.86, end: 0.86, label: 'b' },
    ]
    const f = segmentsToFrames(segs, times, classes, { background: 'bg' })
    expect(Array.from(f)).toEqual([1, 1, 1, 2, 2, 1, 1, 1, 0, 2])
  })
  it('refuses unknown labels and a missing background', () => {
    expect(() =>
      segmentsToFrames([{ start: 0, end: 1, label: 'zzz' }], times, classes, { background: 'bg' }),
    ).toThrow(/"zzz" is not a class/)
    expect(() => segmentsToFrames([], times, classes, {})).toThrow(/background/)
    expect(
      Array.from(
        segmentsToFrames([{ start: 0, end: 1, label: 'zzz' }], times, classes, {
          background: 'bg',
          unknown: 'ignore',
        }),
      ),
    ).toEqual(new Array(10).fill(0))
  })
})

describe('framesToSegments', () => {
  it('turns runs into segments with edges halfway between centres', () => {
    const s = framesToSegments([0, 1, 1, 1, 0, 0, 2, 2, 0, 0], times, classes, { background: 0 })
    expect(s).toEqual([
      { start: 0.05, end: expect.closeTo(0.35, 9), label: 'a' },
      { start: expect.closeTo(0.55, 9), end: expect.closeTo(0.75, 9), label: 'b' },
    ])
  })
  it('round-trips segments on the frame grid', () => {
    const segs = [{ start: 0.25, end: 0.65, label: 'a' }]
    const back = framesToSegments(
      segmentsToFrames(segs, times, classes, { background: 'bg' }),
      times,
      classes,
      { background: 0 },
    )
    expect(back).toHaveLength(1)
    expect(back[0].start).toBeCloseTo(0.25, 9)
    expect(back[0].end).toBeCloseTo(0.65, 9)
  })
  it('median (majority) filter removes single-frame blips', () => {
    expect(Array.from(modeFilter([1, 1, 2, 1, 1, 0, 0, 1, 0, 0], 3))).toEqual([
      1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    ])
    expect(() => modeFilter([1], 2)).toThrow(/odd/)
  })
  it('merges same-label segments across short gaps, then drops short ones', () => {
    const labels = [1, 1, 0, 1, 1, 0, 0, 0, 2, 0]
    expect(framesToSegments(labels, times, classes, { background: 0 })).toHaveLength(3)
    const merged = framesToSegments(labels, times, classes, { background: 0, mergeGap: 0.1 })
    expect(merged.map((s) => s.label)).toEqual(['a', 'b'])
    expect(merged[0].end).toBeCloseTo(0.45, 9)
    const long = framesToSegments(labels, times, classes, {
      background: 0,
      mergeGap: 0.1,
      minDuration: 0.2,
    })
    expect(long.map((s) => s.label)).toEqual(['a'])
  })
  it('IGNORE frames end segments and produce none', () => {
    expect(framesToSegments([1, IGNORE, 1], frameCentres(3, 0.1), classes, {})).toHaveLength(2)
  })
})

describe('validation', () => {
  it('reports overlaps', () => {
    expect(
      overlaps([
        { start: 0, end: 2, label: 'a' },
        { start: 1, end: 3, label: 'b' },
        { start: 3, end: 4, label: 'c' },
      ]),
    ).toHaveLength(1)
  })
})
