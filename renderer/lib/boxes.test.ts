import { describe, expect, it } from 'vitest'
import type { Segment } from '../../engine/api'
import { boxFrom, dragBox, hitBox, withBox, type Box } from './boxes'

// 100 px per second; 0 Hz at y = 200, 10 Hz per px upwards (2,000 Hz at the top)
const p = { x: (t: number) => t * 100, y: (hz: number) => 200 - hz / 10 }
const box = (start: number, end: number, lowFreq: number, highFreq: number): Box => ({
  start,
  end,
  label: 'a',
  lowFreq,
  highFreq,
})

describe('boxes', () => {
  const segs: Segment[] = [
    box(1, 3, 200, 1000),
    box(1.5, 2, 400, 600),
    { start: 0, end: 5, label: 'b' },
  ]

  it('hits edges, then the smallest box whose body holds the point; plain segments never', () => {
    expect(hitBox(segs, p, 100, 150)).toEqual({ index: 0, part: 'start' })
    expect(hitBox(segs, p, 300, 150)).toEqual({ index: 0, part: 'end' })
    expect(hitBox(segs, p, 250, 100)).toEqual({ index: 0, part: 'high' })
    expect(hitBox(segs, p, 250, 180)).toEqual({ index: 0, part: 'low' })
    expect(hitBox(segs, p, 250, 130)).toEqual({ index: 0, part: 'body' })
    // inside both: the inner (smaller) box
    expect(hitBox(segs, p, 175, 150)).toEqual({ index: 1, part: 'body' })
    expect(hitBox(segs, p, 450, 150)).toBeNull()
    // a 0–0 Hz band (Raven's "no band") is no box
    expect(hitBox([box(1, 3, 0, 0)], p, 200, 200)).toBeNull()
  })

  it('spans two corners in any order, clamped to the file and the axis', () => {
    expect(boxFrom(3, 900, 1, 100, 10, 2000)).toEqual({
      start: 1,
      end: 3,
      lowFreq: 100,
      highFreq: 900,
    })
    expect(boxFrom(-1, -50, 12, 3000, 10, 2000)).toEqual({
      start: 0,
      end: 10,
      lowFreq: 0,
      highFreq: 2000,
    })
    const thin = boxFrom(2, 500, 2, 500, 10, 2000)
    expect(thin.end - thin.start).toBeCloseTo(0.001)
    expect(thin.highFreq - thin.lowFreq).toBe(1)
  })

  it('moves the body in time and frequency, resizes each edge, inside the limits', () => {
    const b = box(1, 3, 200, 1000)
    const at = (dt: number, df: number, t = 0, f = 0) => ({ dt, df, t, f })
    expect(dragBox(b, 'body', at(1, 100), 10, 2000)).toEqual(box(2, 4, 300, 1100))
    expect(dragBox(b, 'body', at(20, 5000), 10, 2000)).toEqual(box(8, 10, 1200, 2000))
    expect(dragBox(b, 'start', at(0, 0, 0.5), 10, 2000)).toEqual(box(0.5, 3, 200, 1000))
    expect(dragBox(b, 'end', at(0, 0, 7), 10, 2000)).toEqual(box(1, 7, 200, 1000))
    expect(dragBox(b, 'low', at(0, 0, 0, 50), 10, 2000)).toEqual(box(1, 3, 50, 1000))
    expect(dragBox(b, 'high', at(0, 0, 0, 1500), 10, 2000)).toEqual(box(1, 3, 200, 1500))
    expect(dragBox(b, 'high', at(0, 0, 0, 100), 10, 2000).highFreq).toBe(201)
    expect(dragBox(b, 'start', at(0, 0, 5), 10, 2000).start).toBeCloseTo(2.999)
  })

  it('replaces one segment and keeps the tier sorted', () => {
    const r = withBox(segs, 0, box(4, 4.5, 200, 1000))
    expect(r.segments.map((s) => s.start)).toEqual([0, 1.5, 4])
    expect(r.index).toBe(2)
  })
})
