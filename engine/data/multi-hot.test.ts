import { describe, expect, it } from 'vitest'
import type { ClassMap } from './dataset'
import { multiHotTargets, multiLabelClasses, positiveWeightsOf } from './multi-hot'

// frame centres 0.05, 0.15, …, 0.95 (10 frames of 100 ms)
const times = Float64Array.from({ length: 10 }, (_, t) => 0.05 + 0.1 * t)
const rows = (y: Float32Array, C: number) =>
  Array.from({ length: y.length / C }, (_, t) => Array.from(y.subarray(t * C, (t + 1) * C)))

describe('multiHotTargets', () => {
  const map: ClassMap = { names: ['background', 'a', 'b'], background: 'background', ignore: ['x'] }

  it('the background class is no column; overlapping events of two classes are both on', () => {
    expect(multiLabelClasses(map)).toEqual(['a', 'b'])
    const y = multiHotTargets(
      [
        { start: 0.1, end: 0.5, label: 'a' },
        { start: 0.3, end: 0.7, label: 'b' },
      ],
      times,
      map,
      'f.wav',
    )
    // a covers centres 0.15–0.45 (frames 1–4), b 0.35–0.65 (frames 3–6)
    expect(rows(y, 2)).toEqual([
      [0, 0],
      [1, 0],
      [1, 0],
      [1, 1],
      [1, 1],
      [0, 1],
      [0, 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ])
  })

  it('an ignore-role label masks every class of its frames, over events too', () => {
    const y = multiHotTargets(
      [
        { start: 0, end: 0.6, label: 'a' },
        { start: 0.4, end: 0.6, label: 'x' },
      ],
      times,
      map,
      'f.wav',
    )
    expect(rows(y, 2).slice(3, 7)).toEqual([
      [1, 0],
      [-1, -1],
      [-1, -1],
      [0, 0],
    ])
  })

  it('without a background class, frames nothing covers are masked, labelled ones are not', () => {
    const partial: ClassMap = { names: ['a', 'b'], background: null, ignore: [] }
    const y = multiHotTargets([{ start: 0.2, end: 0.4, label: 'b' }], times, partial, 'f.wav')
    expect(rows(y, 2).slice(1, 5)).toEqual([
      [-1, -1],
      [0, 1],
      [0, 1],
      [-1, -1],
    ])
  })

  it('a point label marks its nearest frame (and only that frame is labelled, when partial)', () => {
    const partial: ClassMap = { names: ['a', 'b'], background: null, ignore: [] }
    const y = multiHotTargets([{ start: 0.52, end: 0.52, label: 'a' }], times, partial, 'f.wav')
    const r = rows(y, 2)
    expect(r[5]).toEqual([1, 0]) // centre 0.55 is nearest to 0.52
    expect(r.filter((v) => v[0] >= 0)).toHaveLength(1)
  })

  it('an unknown label is refused naming the file, the label and where it is', () => {
    expect(() =>
      multiHotTargets([{ start: 1.25, end: 2, label: 'owl' }], times, map, 'night.wav'),
    ).toThrow(/night\.wav.*unknown label class 'owl' at 1\.250 s/)
  })
})

describe('positiveWeightsOf', () => {
  it('is negatives / positives per class (balanced), its root (sqrt), 1 (none); masked skipped', () => {
    // class 0: 1 positive, 4 negatives; class 1: 2 and 2 (its masked entry skipped)
    const y = Float32Array.of(1, 1, 0, 1, 0, 0, 0, 0, 0, -1)
    expect(positiveWeightsOf([y], 2, 'balanced')).toEqual([4, 1])
    expect(positiveWeightsOf([y], 2, 'sqrt-balanced')).toEqual([2, 1])
    expect(positiveWeightsOf([y], 2, 'none')).toEqual([1, 1])
    expect(positiveWeightsOf([Float32Array.of(0, 1, 0, 1)], 2, 'balanced')).toEqual([1, 1])
  })
})
