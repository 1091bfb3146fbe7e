import { describe, expect, it } from 'vitest'
import type { Segment } from '../../engine/api'
import { hitRow, laneRows, moveFree, resizeFree, rowAt, rowsOf, stack } from './lanes'

const seg = (start: number, end: number, label = 'a'): Segment => ({ start, end, label })

/** No two segments of one row overlap, and each row is sorted. */
function rowsAreClean(rows: ReturnType<typeof stack>) {
  for (const r of rows)
    for (let i = 1; i < r.segments.length; i++)
      expect(r.segments[i].start).toBeGreaterThanOrEqual(r.segments[i - 1].end)
}

describe('lanes', () => {
  it('puts non-overlapping events on one row', () => {
    const rows = stack([seg(0, 1), seg(1, 2), seg(3, 4)])
    expect(rows).toHaveLength(1)
    expect(rows[0].index).toEqual([0, 1, 2])
  })

  it('stacks overlapping events greedily on the lowest free row', () => {
    // 0: [0,4) row 0; 1: [1,2) row 1; 2: [2,3) row 1 (row 1 free again); 3: [3,5) row 1? no:
    // row 1 ends at 3, so [3,5) goes there; 4: [4.5,6) row 0 (row 0 ended at 4)
    const s = [seg(0, 4), seg(1, 2), seg(2, 3), seg(3, 5), seg(4.5, 6)]
    const rows = stack(s)
    expect(rows.map((r) => r.index)).toEqual([
      [0, 4],
      [1, 2, 3],
    ])
    rowsAreClean(rows)
  })

  it('needs as many rows as the deepest overlap', () => {
    const s = [seg(0, 10), seg(1, 9), seg(2, 8), seg(3, 4), seg(5, 6)]
    const rows = stack(s)
    expect(rows).toHaveLength(4)
    rowsAreClean(rows)
    expect(rows.flatMap((r) => r.index).sort()).toEqual([0, 1, 2, 3, 4])
  })

  it('keeps every segment of a random overlapping tier exactly once, rows clean', () => {
    let x = 7
    const rnd = () => (x = (x * 16807) % 2147483647) / 2147483647
    const s = Array.from({ length: 500 }, () => {
      const a = rnd() * 100
      return seg(a, a + rnd() * 5)
    }).sort((p, q) => p.start - q.start || p.end - q.end)
    const rows = stack(s)
    rowsAreClean(rows)
    expect(rows.flatMap((r) => r.index).sort((p, q) => p - q)).toEqual(s.map((_, i) => i))
  })

  it('stacks segments given in any order, each row sorted, indices into the input', () => {
    const s = [seg(5, 6), seg(1, 3), seg(2, 4)]
    const rows = stack(s)
    expect(rows.map((r) => r.index)).toEqual([[1, 0], [2]])
    rowsAreClean(rows)
  })

  it('remembers the rows of one array and recomputes for another', () => {
    const s = [seg(0, 2), seg(1, 3)]
    expect(rowsOf(s)).toBe(rowsOf(s))
    expect(rowsOf([...s])).not.toBe(rowsOf(s))
  })

  it('hit-tests within a row and maps back to the tier index', () => {
    const rows = stack([seg(0, 4), seg(1, 2)])
    const v = { start: 0, span: 10, width: 1000 }
    expect(hitRow(rows, 0, v, 150)).toEqual({ index: 0, part: 'body' })
    expect(hitRow(rows, 1, v, 150)).toEqual({ index: 1, part: 'body' })
    expect(hitRow(rows, 1, v, 300)).toBeNull()
    expect(rowAt(25, 22, 2)).toBe(1)
    expect(rowAt(99, 22, 2)).toBe(1)
    expect(rowAt(-3, 22, 2)).toBe(0)
  })

  it('moves and resizes over other events without clamping, inside the file', () => {
    const s = [seg(0, 2, 'a'), seg(3, 4, 'b')]
    const moved = moveFree(s, 0, 2.5, 10)
    expect(moved.segments).toEqual([seg(2.5, 4.5, 'a'), seg(3, 4, 'b')])
    expect(moved.index).toBe(0)
    const past = moveFree(s, 0, 3.5, 10)
    expect(past.segments).toEqual([seg(3, 4, 'b'), seg(3.5, 5.5, 'a')])
    expect(past.index).toBe(1)
    expect(moveFree(s, 1, 9.5, 10).segments[1]).toEqual(seg(9, 10, 'b'))
    expect(resizeFree(s, 0, 'end', 3.8, 10).segments[0]).toEqual(seg(0, 3.8, 'a'))
    expect(resizeFree(s, 1, 'start', 1, 10).segments).toEqual([seg(0, 2, 'a'), seg(1, 4, 'b')])
    expect(resizeFree(s, 1, 'end', 20, 10).segments[1].end).toBe(10)
    expect(resizeFree(s, 1, 'start', 5, 10).segments[1].start).toBeCloseTo(3.999)
  })
})

describe('laneRows', () => {
  it('gives an exclusive tier one row with its own indices', () => {
    const s = [seg(0, 1), seg(1, 2)]
    const rows = laneRows(s, false)
    expect(rows).toEqual([{ segments: s, index: [0, 1] }])
    expect(laneRows(s, false)).toBe(rows)
    expect(laneRows([seg(0, 2), seg(1, 3)], true)).toHaveLength(2)
  })
})
