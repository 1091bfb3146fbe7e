/**
 * Raven selection table (Raven Pro / Lite, `*.selections.txt`): tab-separated with a header row,
 * `Selection  View  Channel  Begin Time (s)  End Time (s)  Low Freq (Hz)  High Freq (Hz)  …`.
 * Raven lists a selection once per view (Waveform 1, Spectrogram 1), so rows are de-duplicated by
 * selection number, and leaves trailing empty cells off a row. The label is the column the
 * caller names, else the one label column the table has (Annotation, Species, Call Type, …;
 * several: the caller must choose), else the one class the caller names. The channel, frequency
 * bounds and every other column (measurements, notes) are kept on the segment and written back.
 * We write 0 Hz bounds when a segment has none, and read a 0 Hz upper bound as "none"; likewise
 * channel 1 (Raven's first channel, what we write for a segment without one) reads as none.
 *
 * A table made over several files (Raven's file sequence) names each row's file (`Begin File`,
 * `Begin Path`) and its time in that file (`File Offset (s)`): readRavenByFile groups it per file.
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { fmtTime, lines, num } from './text'

export const LABEL_COLUMNS = ['Annotation', 'Label', 'Class', 'Species', 'Call Type', 'Type', 'Tag']

/** Columns the reader turns into segment fields (the rest are kept in `extra`). */
const CORE = [
  'Selection',
  'View',
  'Channel',
  'Begin Time (s)',
  'End Time (s)',
  'Low Freq (Hz)',
  'High Freq (Hz)',
]

/** Columns of a multi-file table that say which file a row is in and where. */
const FILE_COLUMNS = ['Begin File', 'End File', 'Begin Path', 'End Path', 'File Offset (s)']

/** Columns Raven fills itself without a unit in the name: never taken for a label column. */
const RAVEN_MEASURES = [
  ...FILE_COLUMNS,
  'Begin Date',
  'End Date',
  'Begin Clock Time',
  'End Clock Time',
  'Begin Hour',
  'Begin Date Time',
]

export interface RavenReadOptions {
  /** The label column (needed when the table has several). */
  labelColumn?: string
  /** The one class of every selection, for a table without a label column. */
  label?: string
  /** The recording the labels are for: a multi-file table gives that file's selections. */
  media?: string
}

export function isRaven(text: string): boolean {
  const head = lines(text)[0] ?? ''
  return head.includes('\t') && /(^|\t)Selection(\t|$)/.test(head) && head.includes('Begin Time')
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

interface Row {
  segment: Segment
  cells: string[]
  line: number
}

/** Header and one segment per selection, with the cells each was read from. */
function parse(
  text: string,
  file: string,
  options: RavenReadOptions,
): { head: string[]; rows: Row[] } {
  const all = lines(text)
  const head = all[0].split('\t').map((h) => h.trim())
  const col = (name: string) => head.findIndex((h) => same(h, name))
  const [iSel, , iChannel, iBegin, iEnd, iLow, iHigh] = CORE.map(col)
  if (iBegin < 0 || iEnd < 0)
    throw new DataError(
      file,
      'not a Raven selection table: no "Begin Time (s)"/"End Time (s)" columns',
      { line: 1 },
    )
  const iLabel = labelIndex(head, file, options)
  const oneClass = options.label?.trim()
  const seen = new Map<string, Segment>()
  const rows: Row[] = []
  all.slice(1).forEach((raw, i) => {
    const line = i + 2
    if (raw.trim() === '') return
    const f = raw.split('\t')
    if (f.length > head.length && f.slice(head.length).some((c) => c.trim() !== ''))
      throw new DataError(
        file,
        `ragged row: ${f.length} fields where the header has ${head.length}`,
        { line },
      )
    const cell = (i: number) => (i >= 0 ? (f[i] ?? '').trim() : '')
    const bounds = () =>
      iLow >= 0 && iHigh >= 0 && cell(iLow) && Number(cell(iHigh)) > 0
        ? {
            lowFreq: num(f[iLow], file, line, 'low frequency'),
            highFreq: num(f[iHigh], file, line, 'high frequency'),
          }
        : {}
    const sel = iSel >= 0 ? cell(iSel) : String(i)
    const earlier = seen.get(sel)
    if (earlier) {
      // another view of a selection: a waveform view has no frequency bounds, a spectrogram's has
      if (earlier.highFreq === undefined) Object.assign(earlier, bounds())
      return
    }
    const label = iLabel >= 0 ? cell(iLabel) : oneClass!
    if (label === '') throw new DataError(file, `empty label in column "${head[iLabel]}"`, { line })
    const s: Segment = {
      start: num(f[iBegin], file, line, 'begin time'),
      end: num(f[iEnd], file, line, 'end time'),
      label,
    }
    if (s.end < s.start) throw new DataError(file, `end ${s.end} before begin ${s.start}`, { line })
    Object.assign(s, bounds())
    if (cell(iChannel)) {
      const c = num(f[iChannel], file, line, 'channel')
      if (!Number.isInteger(c) || c < 1)
        throw new DataError(file, `channel "${cell(iChannel)}" is not a channel number`, { line })
      if (c > 1) s.channel = c
    }
    const extra: Record<string, string> = {}
    head.forEach((h, k) => {
      if (k !== iLabel && h !== '' && !CORE.some((c) => same(c, h)) && cell(k) !== '')
        extra[h] = cell(k)
    })
    if (Object.keys(extra).length) s.extra = extra
    seen.set(sel, s)
    rows.push({ segment: s, cells: f, line })
  })
  return { head, rows }
}

/** The label column: the one named, else the one label column found; -1 for the one class. */
function labelIndex(head: string[], file: string, options: RavenReadOptions): number {
  const listed = head.join(', ')
  if (options.labelColumn) {
    const i = head.findIndex((h) => same(h, options.labelColumn!))
    if (i < 0)
      throw new DataError(file, `no label column "${options.labelColumn}" (columns: ${listed})`, {
        line: 1,
      })
    return i
  }
  if (options.label?.trim()) return -1
  let found = head.flatMap((h, i) => (LABEL_COLUMNS.some((c) => same(c, h)) ? [i] : []))
  // no known name: a column the user added (no unit in its name, not one Raven fills itself)
  if (found.length === 0)
    found = head.flatMap((h, i) =>
      h !== '' && !/\(.*\)\s*$/.test(h) && ![...CORE, ...RAVEN_MEASURES].some((c) => same(c, h))
        ? [i]
        : [],
    )
  if (found.length === 1) return found[0]
  if (found.length > 1)
    throw new DataError(
      file,
      `several label columns (${found.map((i) => head[i]).join(', ')}): choose one with the labelColumn option (CLI --label-column NAME)`,
      { line: 1 },
    )
  throw new DataError(
    file,
    `no label column (looked for ${LABEL_COLUMNS.join(', ')}; columns: ${listed}): choose one with the labelColumn option (CLI --label-column NAME) or name the one class (--label NAME)`,
    { line: 1 },
  )
}

/**
 * The selections of a table. Given the recording (`media`), a multi-file table gives the
 * selections of the file of that name, in seconds from its start (a table over one file gives
 * all of them, whatever the name).
 */
export function readRaven(text: string, file: string, options: RavenReadOptions = {}): Segment[] {
  if (options.media && isRavenMultiFile(text)) {
    const groups = readRavenByFile(text, file, options)
    if (groups.length <= 1) return groups[0]?.segments ?? []
    const name = options.media.split(/[\\/]/).pop()!
    const mine = groups.find((g) => same(g.name, name))
    if (!mine)
      throw new DataError(
        file,
        `the table's selections are in ${groups.map((g) => g.name).join(', ')}, not in ${name}: import it for one of those recordings`,
      )
    return mine.segments
  }
  return parse(text, file, options).rows.map((r) => r.segment)
}

/** One recording's selections of a multi-file table, in seconds from that file's start. */
export interface RavenFileSelections {
  /** The file name the table gives (`Begin File`, else the last part of `Begin Path`). */
  name: string
  /** `Begin Path` as written (another machine's path), when the table has it. */
  path?: string
  segments: Segment[]
}

/** True when the table says which file each selection is in (a multi-file table). */
export function isRavenMultiFile(text: string): boolean {
  const head = (lines(text)[0] ?? '').split('\t').map((h) => h.trim())
  return head.some((h) => same(h, 'Begin File') || same(h, 'Begin Path'))
}

/**
 * A multi-file table's selections per file it names, in order of first appearance, with times
 * relative to that file (`File Offset (s)`; a table over one file keeps its times). The file
 * columns are not kept in `extra` (the grouping says it, and edited times would make them stale).
 */
export function readRavenByFile(
  text: string,
  file: string,
  options: RavenReadOptions = {},
): RavenFileSelections[] {
  const { head, rows } = parse(text, file, options)
  const col = (name: string) => head.findIndex((h) => same(h, name))
  const [iFile, iPath, iOffset] = ['Begin File', 'Begin Path', 'File Offset (s)'].map(col)
  if (iFile < 0 && iPath < 0)
    throw new DataError(
      file,
      'not a multi-file Raven table: no "Begin File" or "Begin Path" column',
      {
        line: 1,
      },
    )
  const groups = new Map<string, RavenFileSelections>()
  for (const { segment, cells, line } of rows) {
    const path = iPath >= 0 ? (cells[iPath] ?? '').trim() : ''
    const name = (iFile >= 0 ? (cells[iFile] ?? '').trim() : '') || path.split(/[\\/]/).pop() || ''
    if (name === '') throw new DataError(file, 'selection names no file', { line })
    const s = { ...segment }
    if (iOffset >= 0) {
      const offset = num(cells[iOffset], file, line, 'file offset')
      s.end = offset + (s.end - s.start)
      s.start = offset
    }
    if (s.extra) {
      const extra = Object.fromEntries(
        Object.entries(s.extra).filter(([k]) => !FILE_COLUMNS.some((c) => same(c, k))),
      )
      if (Object.keys(extra).length) s.extra = extra
      else delete s.extra
    }
    const g = groups.get(name) ?? { name, ...(path ? { path } : {}), segments: [] }
    g.segments.push(s)
    groups.set(name, g)
  }
  if (iOffset < 0 && groups.size > 1)
    throw new DataError(
      file,
      `names ${groups.size} files but has no "File Offset (s)" column, so times within each file are unknown: add the File Offset measurement in Raven and save the table again`,
      { line: 1 },
    )
  return [...groups.values()]
}

/** A cell as Raven can read it back: no tabs or line breaks. */
const cell = (s: string) => s.replace(/[\t\r\n]+/g, ' ')

export function writeRaven(segments: readonly Segment[]): string {
  const extras: string[] = []
  for (const s of segments)
    for (const k of Object.keys(s.extra ?? {}))
      if (
        !extras.includes(k) &&
        !same(k, 'Annotation') &&
        !CORE.some((c) => same(c, k)) &&
        cell(k).trim() !== ''
      )
        extras.push(k)
  const head = [...CORE, 'Annotation', ...extras].map(cell).join('\t') + '\n'
  return (
    head +
    segments
      .map(
        (s, i) =>
          [
            i + 1,
            'Spectrogram 1',
            s.channel ?? 1,
            fmtTime(s.start),
            fmtTime(s.end),
            s.lowFreq ?? 0,
            s.highFreq ?? 0,
            cell(s.label),
            ...extras.map((k) => cell(s.extra?.[k] ?? '')),
          ].join('\t') + '\n',
      )
      .join('')
  )
}
