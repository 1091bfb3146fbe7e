/**
 * BORIS (Behavioral Observation Research Interactive Software) event exports, TSV or CSV:
 *   - aggregated events ("Export aggregated events"): one row per event with `Start (s)` and
 *     `Stop (s)`; a `POINT` behavior type (or an empty stop) is a point label;
 *   - tabular events ("Export events"): one row per coded instant with `Time` and a status —
 *     `START`/`STOP` of a state event, paired per subject and behavior in time order, or `POINT`.
 *     The status sits in `Status` (older BORIS) or `Behavior type` (newer). Older exports open
 *     with lines about the observation before the header; they are skipped.
 * The label is the behavior. A table of several observations is narrowed to the one whose media
 * file is the recording (`media`), else refused with the observations it holds.
 */
import Papa from 'papaparse'
import { DataError } from '../errors'
import type { Segment } from './segments'

export interface BorisOptions {
  /** File name of the recording (picks its observation in a table of several). */
  media?: string
  /** Hears what was left out (a START without its STOP). */
  note?: (message: string) => void
}

const norm = (s: string) => s.trim().toLowerCase()
/** Last part of a path written on any system. */
const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p

/** Index of the header row: it names a behavior column and a time or start column. */
function headerRow(rows: string[][]): number {
  for (let i = 0; i < Math.min(rows.length, 60); i++) {
    const cells = rows[i].map(norm)
    if (cells.includes('behavior') && (cells.includes('time') || cells.includes('start (s)')))
      return i
  }
  return -1
}

function split(text: string): string[][] {
  const first = text.split(/\r\n|\n|\r/, 60)
  const tabs = first.some((l) => l.includes('\t') && /\bbehavior\b/i.test(l))
  return Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: tabs ? '\t' : ',',
    skipEmptyLines: false,
  }).data
}

/** True when the text is a BORIS events export (tabular or aggregated). */
export function isBoris(text: string): boolean {
  const head = text.slice(0, 64 * 1024)
  if (!/\bBehavior\b/.test(head)) return false
  const rows = split(head)
  const h = headerRow(rows)
  if (h < 0) return false
  const cells = rows[h].map(norm)
  return (
    cells.includes('subject') &&
    (cells.includes('status') || cells.includes('behavior type') || cells.includes('stop (s)'))
  )
}

export function readBoris(text: string, file: string, options: BorisOptions = {}): Segment[] {
  const rows = split(text)
  const h = headerRow(rows)
  if (h < 0)
    throw new DataError(file, 'no BORIS header (a row naming Behavior and Time or Start (s))')
  const header = rows[h].map(norm)
  const col = (...names: string[]) => {
    for (const n of names) {
      const i = header.indexOf(n)
      if (i >= 0) return i
    }
    return -1
  }
  const iBehavior = col('behavior')
  const iSubject = col('subject')
  const iObs = col('observation id')
  const iMedia = col('media file name', 'media file path', 'media file')
  const iStart = col('start (s)', 'start')
  const iStop = col('stop (s)', 'stop')
  const iTime = col('time')
  const iStatus = col('status', 'behavior type')
  let body = rows
    .slice(h + 1)
    .map((cells, k) => ({ cells, line: h + 2 + k }))
    .filter((r) => r.cells.some((c) => c.trim() !== ''))
  body = oneObservation(body, iObs, iMedia, file, options.media)
  const number = (cell: string | undefined, line: number, what: string) => {
    const x = Number((cell ?? '').trim())
    if ((cell ?? '').trim() === '' || !Number.isFinite(x) || x < 0)
      throw new DataError(file, `${what} "${cell ?? ''}" is not a time in seconds`, { line })
    return x
  }
  const out: Segment[] = []
  if (iStart >= 0) {
    for (const { cells, line } of body) {
      const label = cells[iBehavior]?.trim()
      if (!label) throw new DataError(file, 'empty behavior', { line })
      const start = number(cells[iStart], line, 'start')
      const stopCell = cells[iStop]?.trim() ?? ''
      const type = iStatus >= 0 ? norm(cells[iStatus] ?? '') : ''
      const noStop = stopCell === '' || stopCell === 'NA'
      if (noStop && type === 'state') {
        options.note?.(`${file}:${line}: "${label}" starts at ${start} s and never stops: left out`)
        continue
      }
      const end = type === 'point' || noStop ? start : number(stopCell, line, 'stop')
      if (end < start) throw new DataError(file, `stop ${end} before start ${start}`, { line })
      out.push({ start, end, label })
    }
    return out
  }
  if (iTime < 0 || iStatus < 0)
    throw new DataError(
      file,
      'a BORIS table needs Start (s)/Stop (s), or Time and Status columns',
      {
        line: h + 1,
      },
    )
  const open = new Map<string, { start: number; line: number; label: string; subject: string }>()
  const timed = body
    .map((r) => ({ ...r, t: number(r.cells[iTime], r.line, 'time') }))
    .sort((a, b) => a.t - b.t || a.line - b.line)
  for (const { cells, line, t } of timed) {
    const label = cells[iBehavior]?.trim()
    if (!label) throw new DataError(file, 'empty behavior', { line })
    const subject = iSubject >= 0 ? (cells[iSubject]?.trim() ?? '') : ''
    const key = `${subject}\u0000${label}`
    const status = norm(cells[iStatus] ?? '')
    if (status === 'point') out.push({ start: t, end: t, label })
    else if (status === 'start') {
      if (open.has(key))
        throw new DataError(
          file,
          `"${label}"${subject ? ` of ${subject}` : ''} starts again before it stops`,
          { line },
        )
      open.set(key, { start: t, line, label, subject })
    } else if (status === 'stop') {
      const s = open.get(key)
      if (!s)
        throw new DataError(
          file,
          `STOP of "${label}"${subject ? ` of ${subject}` : ''} without a START`,
          { line },
        )
      open.delete(key)
      out.push({ start: s.start, end: t, label })
    } else
      throw new DataError(file, `status "${cells[iStatus] ?? ''}" is not START, STOP or POINT`, {
        line,
      })
  }
  for (const s of open.values())
    options.note?.(
      `${file}:${s.line}: "${s.label}"${s.subject ? ` of ${s.subject}` : ''} starts at ${s.start} s and never stops: left out`,
    )
  return out.sort((a, b) => a.start - b.start || a.end - b.end)
}

function oneObservation<T extends { cells: string[] }>(
  body: T[],
  iObs: number,
  iMedia: number,
  file: string,
  media: string | undefined,
): T[] {
  if (iObs < 0) return body
  const ids = [...new Set(body.map((r) => r.cells[iObs]?.trim() ?? ''))]
  if (ids.length <= 1) return body
  const want = media ? baseName(media) : undefined
  const mine =
    want && iMedia >= 0
      ? body.filter((r) =>
          (r.cells[iMedia] ?? '')
            .split(/[;|]/)
            .some((m) => baseName(m.replace(/^player #\d+:/, '').trim()) === want),
        )
      : []
  const mineIds = new Set(mine.map((r) => r.cells[iObs]?.trim()))
  if (mine.length && mineIds.size === 1) return mine
  throw new DataError(
    file,
    `${ids.length} observations (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}) and ${
      want ? `none is of ${want} alone` : 'no recording to pick one by'
    }: export the observation of this recording alone`,
  )
}
