/**
 * AudioSet strong labels: a tab-separated table with the header
 * `segment_id start_time_seconds end_time_seconds label` (times from the segment's start, labels
 * as ontology ids such as `/m/09x0r`). The framed eval tables add a `present` column; rows that
 * are not PRESENT are left out. Each row names its segment, matched to a recording by stem.
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { num } from './text'

const COLUMNS = ['segment_id', 'start_time_seconds', 'end_time_seconds', 'label'] as const

const lines = (text: string) => text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)

function headerCells(text: string): string[] {
  const first = lines(text).find((l) => l.trim() !== '') ?? ''
  return first.split('\t').map((c) => c.trim().toLowerCase())
}

/** True when the first line is the AudioSet strong-label header. */
export function isAudioSet(text: string): boolean {
  const head = headerCells(text)
  return COLUMNS.every((c) => head.includes(c)) && head[0] === 'segment_id'
}

/** The segments of each AudioSet segment id the table names (ids as written). */
export function readAudioSetByFile(text: string, file: string): Map<string, Segment[]> {
  const all = lines(text)
  const first = all.findIndex((l) => l.trim() !== '')
  const head = first < 0 ? [] : headerCells(text)
  const at = COLUMNS.map((c) => head.indexOf(c))
  if (at.some((i) => i < 0))
    throw new DataError(
      file,
      `not an AudioSet strong-label table: its header needs ${COLUMNS.join(', ')}`,
      {
        line: first + 1,
      },
    )
  const [iId, iStart, iEnd, iLabel] = at
  const iPresent = head.indexOf('present')
  const out = new Map<string, Segment[]>()
  for (let i = first + 1; i < all.length; i++) {
    const line = i + 1
    if (all[i].trim() === '') continue
    const cells = all[i].split('\t').map((c) => c.trim())
    if (cells.length < head.length)
      throw new DataError(
        file,
        `ragged row: ${cells.length} fields where the header has ${head.length}`,
        {
          line,
        },
      )
    const id = cells[iId]
    if (id === '') throw new DataError(file, 'empty segment_id', { line })
    const segments = out.get(id) ?? []
    out.set(id, segments)
    if (iPresent >= 0 && cells[iPresent].toUpperCase() !== 'PRESENT') continue
    const start = num(cells[iStart], file, line, 'start_time_seconds')
    const end = num(cells[iEnd], file, line, 'end_time_seconds')
    if (end < start) throw new DataError(file, `end ${end} before start ${start}`, { line })
    if (cells[iLabel] === '') throw new DataError(file, 'empty label', { line })
    segments.push({ start, end, label: cells[iLabel] })
  }
  return out
}
