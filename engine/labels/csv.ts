/**
 * Label CSV: a table of start, end (or duration) and label, with or without a header, as people
 * and tools write it (DAS `,name,start_seconds,stop_seconds`, crowsetta generic-seq
 * `label,onset_s,offset_s,…`, `onset_s,offset_s,label`, `Begin Time (s)`…): which column is which
 * comes from the header names or the user's mapping (csv-columns.ts); times in seconds,
 * milliseconds or samples; a table without a label column is one class the user names.
 * A table of instants (Sonic Visualiser's `time[,label]`) gives point labels (start = end).
 * Separators comma, semicolon, tab or bar (guessed by papaparse), else colon or spaces (Sonic
 * Visualiser offers all six); quoting as RFC 4180; `#` comment lines, blank lines and mixed line
 * endings are allowed. Also the per-row form used by CSV time series: a label per row ⇄ segments.
 */
import Papa from 'papaparse'
import { DataError } from '../errors'
import { chooseColumns, mappingOf, type ColumnMapping, type TimeColumn } from './csv-columns'
import type { Segment } from './segments'
import { fmtTime, num } from './text'

/** Start-column names that make a CSV with a `label` column a segment table, not per-row labels. */
const ROW_TABLE_START = ['start', 'begin', 'onset', 'start_time', 'begin time (s)']

export interface CsvReadOptions {
  /** Which column is which, when the header names do not say (or say it ambiguously). */
  mapping?: ColumnMapping
  /** Sample rate of the recording (Hz), for times in samples. */
  rate?: number
  /** The one class of every segment (a table without a label column). */
  label?: string
  /** Hears which columns were not read (kept out of the segments), one line. */
  note?: (message: string) => void
}

/** What the import dialog shows before reading a table: its columns and Framewise's choice. */
export interface LabelTablePreview {
  /** Header cells, or "1", "2", … for a table without a header (the names a mapping uses). */
  columns: string[]
  header: boolean
  delimiter: string
  /** The first data rows, as text. */
  rows: string[][]
  /** Data rows in the table (blank lines not counted). */
  rowCount: number
  /** The mapping Framewise would read the table with. */
  mapping: ColumnMapping
  /** What the user must decide (empty when the table reads as it is). */
  ambiguous: string[]
  /** An unnamed index column left out (pandas), or null. */
  indexColumn: string | null
  /** Rows are instants, read as point labels: no end or duration column is needed (absent: no). */
  points?: boolean
}

const PREVIEW_ROWS = 10
const MAPPING_HINT =
  'map them with the mapping option { start, end | duration, label, unit } ' +
  '(CLI: --start-column, --end-column or --duration-column, --label-column, --unit s|ms|samples)'

interface Table {
  columns: string[]
  header: boolean
  delimiter: string
  /** Data rows with their 1-based line numbers, blank rows left out. */
  data: Array<{ cells: string[]; line: number }>
  /** Line of the header (or of the first row). */
  headLine: number
}

const DELIMITERS = [',', ';', '\t', '|']
/**
 * Tried only when none of DELIMITERS splits the table: a colon or a space also occur inside
 * labels ("call: A", "song A"), so they never win over a comma that splits every row.
 */
const LAST_RESORT = [':', ' ']

/**
 * The text as papaparse should see it: one line ending (papaparse takes the first it meets, so a
 * CRLF file with LF lines merged them), `#` comment lines blanked (line numbers stay true).
 */
const tableText = (text: string) =>
  text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/^[ \t]*#.*$/gm, '')

function parseTable(text: string): Table | null {
  const body = tableText(text)
  let parsed = Papa.parse<string[]>(body, { skipEmptyLines: false, delimitersToGuess: DELIMITERS })
  // papaparse's guess needs several rows; a one-row table gets the delimiter its first line has
  if (parsed.data.every((r) => r.length < 2)) {
    const line =
      body
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? ''
    const delimiter = [...DELIMITERS, ...LAST_RESORT].find((d) => line.includes(d))
    if (delimiter) parsed = Papa.parse<string[]>(body, { skipEmptyLines: false, delimiter })
    // a run of spaces is one separator
    if (delimiter === ' ') parsed.data = parsed.data.map((r) => r.filter((c) => c !== ''))
  }
  const rows = parsed.data
  const first = rows.findIndex((r) => r.some((c) => c.trim() !== ''))
  if (first < 0) return null
  const head = rows[first]
  const header = head[0].trim() === '' || !Number.isFinite(Number(head[0]))
  const data: Table['data'] = []
  for (let r = header ? first + 1 : first; r < rows.length; r++)
    if (rows[r].some((c) => c.trim() !== '')) data.push({ cells: rows[r], line: r + 1 })
  const width = Math.max(head.length, ...data.slice(0, PREVIEW_ROWS).map((d) => d.cells.length))
  return {
    columns: header
      ? head.map((c) => c.trim())
      : Array.from({ length: width }, (_, i) => String(i + 1)),
    header,
    delimiter: parsed.meta.delimiter,
    data,
    headLine: first + 1,
  }
}

function choose(t: Table, options: CsvReadOptions) {
  return chooseColumns(
    t.header ? t.columns : null,
    t.columns.length,
    t.data.slice(0, PREVIEW_ROWS).map((d) => d.cells),
    options.mapping,
    options.label !== undefined,
  )
}

/** The columns of a label table and how Framewise would read them (nothing is refused here). */
export function previewLabelCsv(text: string, options: CsvReadOptions = {}): LabelTablePreview {
  const t = parseTable(text)
  if (!t)
    return {
      columns: [],
      header: false,
      delimiter: ',',
      rows: [],
      rowCount: 0,
      mapping: {},
      ambiguous: ['the table is empty'],
      indexColumn: null,
    }
  const chosen = choose(t, options)
  const ambiguous = [...chosen.ambiguous]
  if (
    chosen.label === null &&
    options.label === undefined &&
    !ambiguous.some((a) => a.startsWith('label'))
  )
    ambiguous.push('no label column: name the one class')
  return {
    columns: t.columns,
    header: t.header,
    delimiter: t.delimiter,
    rows: t.data.slice(0, PREVIEW_ROWS).map((d) => d.cells),
    rowCount: t.data.length,
    mapping: mappingOf(chosen, t.columns),
    ambiguous,
    indexColumn: chosen.index === null ? null : t.columns[chosen.index],
    ...(chosen.points ? { points: true } : {}),
  }
}

/** True when the columns a table would be read by hold times in samples (the rate is needed). */
export function csvNeedsRate(text: string, options: CsvReadOptions = {}): boolean {
  const t = parseTable(text)
  if (!t) return false
  const c = choose(t, options)
  return [c.start, c.end, c.duration].some((col) => col?.unit === 'samples')
}

export function readLabelCsv(text: string, file: string, options: CsvReadOptions = {}): Segment[] {
  return readRows(text, file, options).map((r) => r.segment)
}

/**
 * The rows of a table with a column naming each row's recording (`file`, `filename`,
 * `audio_file`, `Begin File`…), per file name as written; null when the table has no such column.
 */
export function readLabelCsvByFile(
  text: string,
  file: string,
  options: CsvReadOptions = {},
): Map<string, Segment[]> | null {
  const t = parseTable(text)
  if (!t || choose(t, options).file === null) return null
  const out = new Map<string, Segment[]>()
  for (const { name, segment } of readRows(text, file, options)) {
    const known = out.get(name!)
    if (known) known.push(segment)
    else out.set(name!, [segment])
  }
  return out
}

function readRows(
  text: string,
  file: string,
  options: CsvReadOptions,
): Array<{ segment: Segment; name?: string }> {
  const t = parseTable(text)
  if (!t) return []
  const chosen = choose(t, options)
  const listed = t.columns.map((c) => (c === '' ? '(unnamed)' : c)).join(', ')
  const at = { line: t.headLine }
  if (chosen.ambiguous.length)
    throw new DataError(
      file,
      `cannot tell which column is which (${chosen.ambiguous.join('; ')}; columns: ${listed}): ${MAPPING_HINT}`,
      at,
    )
  const oneClass = options.label?.trim()
  if (chosen.label === null && !oneClass)
    throw new DataError(
      file,
      `no label column (columns: ${listed}): name the one class with the label option (CLI --label NAME) or map a label column (--label-column)`,
      at,
    )
  const start = chosen.start!
  const times = [start, chosen.end, chosen.duration].filter((c): c is TimeColumn => c !== null)
  const inSamples = times.find((c) => c.unit === 'samples')
  const rate = options.rate
  if (inSamples && !(rate !== undefined && Number.isFinite(rate) && rate > 0))
    throw new DataError(
      file,
      `times are in samples (column "${t.columns[inSamples.index]}"): give the recording's sample rate (rate option; CLI --rate HZ)`,
      at,
    )
  const used = new Set([...times.map((c) => c.index), chosen.label, chosen.file, chosen.index])
  const unused = t.columns.filter((_, i) => !used.has(i))
  if (unused.length && options.note)
    options.note(`${file}: columns not read: ${unused.map((c) => JSON.stringify(c)).join(', ')}`)
  const scale = (c: TimeColumn) => (c.unit === 's' ? 1 : c.unit === 'ms' ? 1e-3 : 1 / rate!)
  const need = Math.max(...times.map((c) => c.index), chosen.label ?? 0, chosen.file ?? 0) + 1
  const out: Array<{ segment: Segment; name?: string }> = []
  for (const { cells: f, line } of t.data) {
    if (f.length < need)
      throw new DataError(file, `ragged row: ${f.length} fields where ${need} are needed`, { line })
    const name = (c: TimeColumn) => t.columns[c.index] || 'start'
    const value = (c: TimeColumn) => num(f[c.index], file, line, name(c)) * scale(c)
    let label = oneClass ?? ''
    if (chosen.label !== null) {
      label = f[chosen.label].trim()
      if (label === '')
        throw new DataError(file, `empty label in column "${t.columns[chosen.label]}"`, { line })
    }
    const s = value(start)
    const end = chosen.points ? s : chosen.end ? value(chosen.end) : s + value(chosen.duration!)
    if (end < s) throw new DataError(file, `end ${end} before start ${s}`, { line })
    const segment = { start: s, end, label: label! }
    if (chosen.file === null) {
      out.push({ segment })
      continue
    }
    const recording = f[chosen.file].trim()
    if (recording === '')
      throw new DataError(file, `empty file name in column "${t.columns[chosen.file]}"`, { line })
    out.push({ segment, name: recording })
  }
  return out
}

export function writeLabelCsv(segments: readonly Segment[]): string {
  return (
    Papa.unparse(
      {
        fields: ['start', 'end', 'label'],
        data: segments.map((s) => [fmtTime(s.start), fmtTime(s.end), s.label]),
      },
      { newline: '\n' },
    ) + '\n'
  )
}

/**
 * Per-row labels → segments: runs of one label; each run spans from its first row's time to the
 * next run's first row time (the last run ends one median interval after its last row).
 * Rows labelled `background` produce no segment.
 */
export function rowLabelsToSegments(
  times: ArrayLike<number>,
  labels: readonly string[],
  background?: string,
): Segment[] {
  const n = labels.length
  const step = n > 1 ? (times[n - 1] - times[0]) / (n - 1) : 0
  const out: Segment[] = []
  for (let i = 0; i < n;) {
    let j = i + 1
    while (j < n && labels[j] === labels[i]) j++
    if (labels[i] !== background)
      out.push({ start: times[i], end: j < n ? times[j] : times[n - 1] + step, label: labels[i] })
    i = j
  }
  return out
}

/** True when a CSV's header has a per-row label column but no start/end columns. */
export function isRowLabelCsv(text: string): boolean {
  const head = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '')
    .toLowerCase()
    .split(/[,;\t|]/)
    .map((h) => h.trim())
  return head.includes('label') && !ROW_TABLE_START.some((s) => head.includes(s))
}

/**
 * Per-row labels of a CSV time series (a `label` column; a time column time/t/timestamp in
 * seconds, else the row index): rows with empty labels are errors naming the line.
 */
export function readRowLabelCsv(
  text: string,
  file: string,
  labelColumn = 'label',
): { times: Float64Array; labels: string[] } {
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    skipEmptyLines: false,
    delimitersToGuess: [',', ';', '\t', '|'],
  }).data
  const head = rows[0].map((h) => h.trim().toLowerCase())
  const iL = head.indexOf(labelColumn.toLowerCase())
  if (iL < 0) throw new DataError(file, `no "${labelColumn}" column`, { line: 1 })
  const iT = ['time', 't', 'timestamp'].map((n) => head.indexOf(n)).find((i) => i >= 0) ?? -1
  const times: number[] = []
  const labels: string[] = []
  for (let r = 1; r < rows.length; r++) {
    const f = rows[r]
    if (f.every((c) => c.trim() === '')) continue
    if (f.length !== head.length)
      throw new DataError(
        file,
        `ragged row: ${f.length} fields where the header has ${head.length}`,
        { line: r + 1 },
      )
    const label = f[iL].trim()
    if (label === '')
      throw new DataError(file, `empty cell in label column "${rows[0][iL].trim()}"`, {
        line: r + 1,
      })
    labels.push(label)
    times.push(iT >= 0 ? num(f[iT], file, r + 1, 'time') : labels.length - 1)
  }
  return { times: Float64Array.from(times), labels }
}

/** Per-row labels as CSV `time,label` (the form readRowLabelCsv reads). */
export function writeRowLabelCsv(times: ArrayLike<number>, labels: readonly string[]): string {
  if (times.length !== labels.length)
    throw new RangeError(`${times.length} times but ${labels.length} labels`)
  return (
    Papa.unparse(
      { fields: ['time', 'label'], data: labels.map((l, i) => [fmtTime(times[i]), l]) },
      { newline: '\n' },
    ) + '\n'
  )
}
