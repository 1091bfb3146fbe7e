/**
 * Lanes: how an overlapping tier's events are stacked in its lane. Events get sub-rows greedily
 * (sorted by start, each to the lowest row whose last event has ended), so no two overlapping
 * events share a row and each row is sorted and non-overlapping — the shape the track's drawing
 * and hit tests (lib/segments.ts) work on. Also the free move and resize of an overlapping tier,
 * which stop only at the file's ends, never at other events.
 */
import type { Segment } from '../../engine/api'
import { byStart, hitTest, MIN_LENGTH, type Part } from './segments'
import type { Viewport } from './timescale'

/** One sub-row: its segments (sorted, non-overlapping) and their indices in the tier. */
export interface Row {
  segments: Segment[]
  index: number[]
}

/** The rows of `segments` (in any order; a tier's are sorted): one row when none overlap. */
export function stack(segments: readonly Segment[]): Row[] {
  const rows: Row[] = []
  const ends: number[] = []
  const order = segments.map((_, i) => i)
  if (!segments.every((s, i) => i === 0 || byStart(segments[i - 1], s) <= 0))
    order.sort((a, b) => byStart(segments[a], segments[b]))
  for (const i of order) {
    const s = segments[i]
    let r = 0
    // a point (start = end) takes no time, so it fits after an event ending at it
    while (r < ends.length && ends[r] > s.start + 1e-9) r++
    if (r === ends.length) {
      rows.push({ segments: [], index: [] })
      ends.push(-Infinity)
    }
    rows[r].segments.push(s)
    rows[r].index.push(i)
    ends[r] = Math.max(ends[r], s.end)
  }
  return rows.length ? rows : [{ segments: [], index: [] }]
}

/** Arrays are immutable, so a tier's rows are computed once per version of it. */
const cache = new WeakMap<readonly Segment[], Row[]>()

/** stack(segments), remembered for this array. */
export function rowsOf(segments: readonly Segment[]): Row[] {
  let rows = cache.get(segments)
  if (!rows) cache.set(segments, (rows = stack(segments)))
  return rows
}

/** A lane's rows: stacked for an overlapping tier, the one row of an exclusive one. */
export function laneRows(segments: readonly Segment[], overlapping: boolean): Row[] {
  if (overlapping) return rowsOf(segments)
  let rows = single.get(segments)
  if (!rows)
    single.set(segments, (rows = [{ segments: [...segments], index: segments.map((_, i) => i) }]))
  return rows
}
const single = new WeakMap<readonly Segment[], Row[]>()

/** Which row a y (px from the lane's top) falls in, for rows `rowHeight` tall. */
export function rowAt(y: number, rowHeight: number, rows: number): number {
  return Math.max(0, Math.min(rows - 1, Math.floor(y / rowHeight)))
}

/** Height of each row in a lane `height` px tall holding `rows` rows (at least `min` px). */
export function rowHeightOf(height: number, rows: number, min = 10): number {
  return Math.max(min, height / Math.max(1, rows))
}

/** What is under (x, row): hitTest on that row, its index mapped back to the tier. */
export function hitRow(
  rows: readonly Row[],
  row: number,
  v: Viewport,
  x: number,
  edgePx = 5,
): { index: number; part: Part } | null {
  const r = rows[row]
  if (!r) return null
  const hit = hitTest(r.segments, v, x, edgePx)
  return hit ? { index: r.index[hit.index], part: hit.part } : null
}

/** `segments` with `changed` in place of segment `index`, re-sorted; with its new index. */
function replaced(segments: readonly Segment[], index: number, changed: Segment) {
  const out = segments.map((s, i) => (i === index ? changed : s)).sort(byStart)
  return { segments: out, index: out.indexOf(changed) }
}

/** Move segment `index` to start at `start`, kept inside [0, duration]; others untouched. */
export function moveFree(
  segments: readonly Segment[],
  index: number,
  start: number,
  duration: number,
): { segments: Segment[]; index: number } {
  const s = segments[index]
  const len = s.end - s.start
  const a = Math.min(Math.max(0, start), Math.max(0, duration - len))
  return replaced(segments, index, { ...s, start: a, end: a + len })
}

/** Move edge `part` of segment `index` to `t`, kept MIN_LENGTH long and inside [0, duration]. */
export function resizeFree(
  segments: readonly Segment[],
  index: number,
  part: 'start' | 'end',
  t: number,
  duration: number,
): { segments: Segment[]; index: number } {
  const s = segments[index]
  const changed =
    part === 'start'
      ? { ...s, start: Math.min(Math.max(0, t), s.end - MIN_LENGTH) }
      : { ...s, end: Math.max(Math.min(duration, t), s.start + MIN_LENGTH) }
  return replaced(segments, index, changed)
}
