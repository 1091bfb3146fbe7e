/**
 * CSV time series → channels (T, C) + times + optional per-row labels, streamed through papaparse
 * (rows are converted as they arrive; the text is never held whole). The lines (lines.ts): the
 * separator detected among `, ; tab | : space`, `#` comment and blank lines skipped. The header
 * row is detected (first row non-numeric where the second is numeric). The time column is named
 * (`time`, `t`, `timestamp`, `datetime`) or is the first column of ISO 8601 date-times; numeric
 * seconds or ISO 8601 (iso-time.ts). Without one, the rate the user gives places the rows; without
 * that the file is refused, saying where to give it. Numbers may be quoted, and written with a
 * decimal comma where `;` separates. Columns of text are skipped with a warning that names them,
 * an unnamed index column (pandas) is no channel, and irregular sampling is reported, not hidden.
 */
import Papa from 'papaparse'
import { DataError, printable } from '../../errors'
import { assertRegular, openRegular } from '../../io/input-files'
import { chooseColumns, splitHeader } from '../../labels/csv-columns'
import { foreign } from '../../labels/looks-like'
import { parseIsoTime, type IsoTime } from './iso-time'
import { CsvLines, detectDelimiter, needsRewrite, UNIT_SEPARATOR } from './lines'

export { detectDelimiter } from './lines'

/** CSV files above this size are refused before parsing (1 GiB ≈ 50 M rows of 3 channels). */
export const MAX_CSV_BYTES = 2 ** 30
/**
 * Longest line (characters) a CSV may have: a row of thousands of channels fits many times; a
 * file without newlines (binary, or one endless line) is refused while streaming, before the
 * parser has buffered it whole.
 */
export const MAX_CSV_LINE_CHARS = 2 ** 22

/**
 * Names recognised as the time column, case-insensitive, in order of preference; a unit suffix
 * may follow (`Time (s)`, `t_ms`, `timestamp [ms]`: milliseconds are read as such).
 */
export const TIME_COLUMNS = ['time', 't', 'timestamp', 'datetime']

/** The refusal of a file whose rows have no times: where the user gives the rate. */
export const NO_TIME_COLUMN = 'no time column: give the rate with --rate or in the import dialog'

export interface CsvOptions {
  /**
   * Time column name; default: the first of TIME_COLUMNS present, else the first column of ISO
   * 8601 date-times; null: rows are evenly spaced at `sampleRate`.
   */
  timeColumn?: string | null
  /** Rows per second, used when there is no time column (the media's rate, or --rate). */
  sampleRate?: number
  /** Per-row label column (default 'label' when present); null ignores labels. */
  labelColumn?: string | null
  /** Value for empty label cells; when unset, an empty label cell is an error. */
  emptyLabel?: string
  /**
   * Channel columns to keep, in this order (all must be numeric); default every other column
   * whose first value is a number (the others are skipped with a warning).
   */
  channels?: string[]
  /** Field delimiter; default detected (comma, semicolon, tab, pipe, colon, spaces). */
  delimiter?: string
  /** Whether the first row is a header; default detected. Without one, columns are c0, c1, …. */
  header?: boolean
  /** Relative deviation of an interval from the median interval that counts as irregular. */
  irregularTolerance?: number
  /** Cancels parsing. */
  signal?: AbortSignal
  /** Reports progress as a fraction 0..1 and a message. */
  onProgress?: (fraction: number, message: string) => void
}

export interface SamplingReport {
  /** Where times come from. */
  source: 'column' | 'rate'
  /** Median interval between rows, seconds. */
  medianInterval: number
  /** Smallest interval, seconds. */
  minInterval: number
  /** Largest interval, seconds. */
  maxInterval: number
  /** Intervals deviating from the median by more than the tolerance. */
  irregularIntervals: number
  /** True when there are none. */
  regular: boolean
}

export interface SeriesData {
  /** Channel names, in column order of `values`. */
  channels: string[]
  /** (T, C) row-major channel values. */
  values: Float32Array
  /** (T) row times, s: the time column as is; ISO dates from the first row; else row / rate. */
  times: Float64Array
  /** Rows per second: 1 / median interval (or the given rate). */
  sampleRate: number
  /**
   * ISO 8601 time of the first row when the time column holds dates (without a `Z` when the
   * file's times have no zone).
   */
  startDate?: string
  /** Per-row labels when a label column is present. */
  labels?: string[]
  /** Name of the label column used. */
  labelColumn?: string
  /** Sampling regularity. */
  sampling: SamplingReport
  /** What was read differently from the file as written, one `<file>: <problem>` line each. */
  warnings: string[]
}

/** A number with a decimal comma, as spreadsheets in many locales write it where `;` separates. */
const DECIMAL_COMMA = /^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$/

/** How programs write a number that is missing or infinite (numpy, MATLAB, R, JavaScript). */
const NOT_FINITE = /^[+-]?(nan|inf|infinity)$/i

/** The number a cell holds (quotes already stripped), else NaN; `decimalComma` reads `1,5` as 1.5. */
function cellNumber(cell: string, decimalComma: boolean): number {
  const s = cell.trim()
  if (s === '') return NaN
  const x = Number(s)
  if (!Number.isNaN(x) || !decimalComma || !DECIMAL_COMMA.test(s)) return x
  return Number(s.replace(',', '.'))
}

/**
 * Refuses a file that is certainly no text table (binary, a MAT-file, audio, a ZIP spreadsheet,
 * XML, JSON), saying what it looks like: it would end in "no time column" or a ragged row.
 */
async function refuseForeign(path: string): Promise<void> {
  const fh = await openRegular(path)
  const b = Buffer.alloc(4096)
  let n: number
  try {
    n = (await fh.read(b, 0, b.length, 0)).bytesRead
  } finally {
    await fh.close()
  }
  const seems = foreign(b.subarray(0, n).toString('utf8'))
  if (seems) throw new DataError(path, `not a CSV time series: it looks like ${seems}`)
}

/** A header a label table has (start and end or duration, as labels/csv-columns.ts reads it). */
function isLabelTableHeader(names: readonly string[]): boolean {
  const c = chooseColumns(names, names.length, [], {}, true)
  return c.ambiguous.length === 0 && c.start !== null && (c.end !== null || c.duration !== null)
}

export async function readSeriesCsv(path: string, options: CsvOptions = {}): Promise<SeriesData> {
  const size = (await assertRegular(path)).size
  if (size === 0) throw new DataError(path, 'empty file')
  if (size > MAX_CSV_BYTES)
    throw new DataError(path, `too large: ${size} bytes exceed the ${MAX_CSV_BYTES}-byte CSV limit`)
  await refuseForeign(path)
  const delimiter = options.delimiter ?? (await detectDelimiter(path))
  const decimalComma = delimiter === ';'
  const num = (cell: string) => cellNumber(cell, decimalComma)
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, {
    delimiter: needsRewrite(delimiter) ? UNIT_SEPARATOR : delimiter,
    newline: '\n',
    skipEmptyLines: false,
  })
  const input = (await openRegular(path)).createReadStream({
    encoding: 'utf8',
    highWaterMark: 1 << 18,
  })
  const lines = new CsvLines(path, delimiter, MAX_CSV_LINE_CHARS)
  let bytes = 0
  input.on('data', (c: string | Buffer) => (bytes += c.length))
  input.on('error', (e) => parser.destroy(e))
  lines.on('error', (e) => parser.destroy(e))
  input.pipe(lines).pipe(parser)

  let line = 0
  let first: string[] | undefined
  let firstLine = 1
  let layout: Layout | undefined
  let rows = 0
  let values = new Float32Array(0)
  let times = new Float64Array(0)
  let t0: IsoTime | undefined
  const labels: string[] = []

  // The first row decides: numeric seconds, or ISO 8601 dates (relative to the first row's).
  let isoTimes: boolean | undefined
  const rowTime = (raw: string, lineNo: number): number => {
    const cell = raw.trim()
    const x = num(cell)
    isoTimes ??= !Number.isFinite(x)
    if (!isoTimes && Number.isFinite(x)) return x / layout!.timeUnits
    const d = isoTimes ? parseIsoTime(cell) : null
    if (!d)
      throw new DataError(path, `time "${cell}" is neither seconds nor an ISO 8601 date`, {
        line: lineNo,
      })
    t0 ??= d
    if (d.zoned !== t0.zoned)
      throw new DataError(
        path,
        `time "${cell}" ${d.zoned ? 'has a zone where the first row has none' : 'has no zone where the first row has one'}`,
        { line: lineNo },
      )
    return d.seconds - t0.seconds + (d.fraction - t0.fraction)
  }

  const addRow = (cells: string[], lineNo: number) => {
    const L = layout!
    if (
      cells.length < L.needed ||
      (cells.length > L.width && cells.slice(L.width).some((c) => c.trim() !== ''))
    ) {
      throw new DataError(
        path,
        `ragged row: ${cells.length} fields where the header has ${L.width}`,
        { line: lineNo },
      )
    }
    if (rows === times.length) {
      const cap = Math.max(1024, rows * 2)
      const v = new Float32Array(cap * L.channelIndex.length)
      v.set(values)
      values = v
      const t = new Float64Array(cap)
      t.set(times)
      times = t
    }
    const C = L.channelIndex.length
    for (let c = 0; c < C; c++) {
      const cell = cells[L.channelIndex[c]]
      const x = num(cell)
      if (!Number.isFinite(x)) {
        const what =
          cell.trim() === ''
            ? 'an empty cell'
            : Number.isNaN(x)
              ? `"${cell}"`
              : `${cell} (not finite)`
        throw new DataError(
          path,
          `column "${L.names[L.channelIndex[c]]}" holds ${what}, not a number`,
          { line: lineNo },
        )
      }
      values[rows * C + c] = x
    }
    if (L.timeIndex >= 0) {
      const t = rowTime(cells[L.timeIndex], lineNo)
      if (rows > 0 && !(t > times[rows - 1])) {
        throw new DataError(
          path,
          `time ${cells[L.timeIndex].trim()} does not increase (previous row: ${times[rows - 1]})`,
          { line: lineNo },
        )
      }
      times[rows] = t
    } else times[rows] = rows / options.sampleRate!
    if (L.labelIndex >= 0) {
      const label = cells[L.labelIndex].trim()
      if (label === '') {
        if (options.emptyLabel === undefined)
          throw new DataError(path, `empty cell in label column "${L.names[L.labelIndex]}"`, {
            line: lineNo,
          })
        labels.push(options.emptyLabel)
      } else labels.push(label)
    }
    rows++
  }

  try {
    for await (const row of parser as AsyncIterable<string[]>) {
      line++
      if (line === 1 && row.length) row[0] = row[0].replace(/^\uFEFF/, '')
      // blank lines, comment lines (blanked by CsvLines) and spreadsheet rows of empty cells
      if (row.every((c) => c.trim() === '')) continue
      if (!first) {
        first = row
        firstLine = line
        continue
      }
      if (!layout) {
        layout = makeLayout(
          path,
          { cells: first, line: firstLine },
          { cells: row, line },
          options,
          num,
        )
        if (!layout.header) addRow(first, firstLine)
      }
      addRow(row, line)
      if ((rows & 0xffff) === 0) {
        options.signal?.throwIfAborted()
        options.onProgress?.(Math.min(1, bytes / size), 'parsing CSV')
      }
    }
  } finally {
    input.destroy()
    lines.destroy()
  }
  if (!first) throw new DataError(path, 'no rows')
  if (!layout) {
    layout = makeLayout(path, { cells: first, line: firstLine }, undefined, options, num)
    if (!layout.header) addRow(first, firstLine)
  }
  if (rows === 0) throw new DataError(path, 'a header but no data rows')
  times = times.slice(0, rows)
  const sampling = samplingReport(
    times,
    layout.timeIndex >= 0 ? 'column' : 'rate',
    options.irregularTolerance ?? 0.01,
  )
  let startDate: string | undefined
  if (t0) {
    const iso = new Date((t0.seconds + t0.fraction) * 1000).toISOString()
    startDate = t0.zoned ? iso : iso.slice(0, -1)
  }
  return {
    channels: layout.channelIndex.map((i) => layout!.names[i]),
    values: values.slice(0, rows * layout.channelIndex.length),
    times,
    sampleRate:
      layout.timeIndex >= 0
        ? sampling.medianInterval > 0
          ? 1 / sampling.medianInterval
          : 0
        : options.sampleRate!,
    startDate,
    labels: layout.labelIndex >= 0 ? labels : undefined,
    labelColumn: layout.labelIndex >= 0 ? layout.names[layout.labelIndex] : undefined,
    sampling,
    warnings: layout.warnings,
  }
}

interface Layout {
  header: boolean
  /** Fields of the first row. */
  width: number
  /** Fields a row needs: one past the last column read. */
  needed: number
  names: string[]
  timeIndex: number
  /** Units per second of a numeric time column (1000 for one named in ms). */
  timeUnits: number
  labelIndex: number
  channelIndex: number[]
  warnings: string[]
}

/** A parsed row and its line number. */
interface Row {
  cells: string[]
  line: number
}

function makeLayout(
  path: string,
  firstRow: Row,
  second: Row | undefined,
  o: CsvOptions,
  num: (cell: string) => number,
): Layout {
  const isNumeric = (c: string) => Number.isFinite(num(c))
  const first = firstRow.cells
  const header =
    o.header ??
    (first.some((c) => !isNumeric(c)) &&
      (!second ||
        first.some(
          (c, j) => !isNumeric(c) && second.cells[j] !== undefined && isNumeric(second.cells[j]),
        )))
  // the first data row and its line, which decide what each column holds
  const data = header ? second : firstRow
  const cell = (j: number) => data?.cells[j]?.trim() ?? ''
  // An empty header cell over whole numbers is a pandas index; over nothing, a trailing separator.
  const ignored = new Set<number>()
  if (header)
    first.forEach((c, j) => {
      if (c.trim() === '' && /^(\d+|)$/.test(cell(j))) ignored.add(j)
    })
  const names = first.map((c, j) => (header && c.trim() !== '' ? c.trim() : `c${j}`))
  const find = (name: string) =>
    names.findIndex((n, j) => !ignored.has(j) && n.toLowerCase() === name.toLowerCase())
  let timeIndex = -1
  if (o.timeColumn) {
    timeIndex = find(o.timeColumn)
    if (timeIndex < 0)
      throw new DataError(path, `no time column "${o.timeColumn}" (columns: ${names.join(', ')})`, {
        line: 1,
      })
  } else if (o.timeColumn === undefined) {
    if (header) {
      const split = names.map((n, j) => (ignored.has(j) ? null : splitHeader(n)))
      for (const t of TIME_COLUMNS)
        if (timeIndex < 0) timeIndex = split.findIndex((h) => h?.base === t && h.unit !== 'samples')
    }
    if (timeIndex < 0)
      timeIndex = names.findIndex((_, j) => !ignored.has(j) && parseIsoTime(cell(j)) !== null)
  }
  if (timeIndex < 0 && !(Number.isFinite(o.sampleRate) && o.sampleRate! > 0))
    throw new DataError(
      path,
      header && isLabelTableHeader(names)
        ? `${NO_TIME_COLUMN}; its columns (${names.join(', ')}) are those of a label table: import it as labels of a recording instead`
        : NO_TIME_COLUMN,
    )
  let labelIndex = -1
  if (o.labelColumn !== null) {
    labelIndex = find(o.labelColumn ?? 'label')
    if (labelIndex < 0 && o.labelColumn)
      throw new DataError(path, `no label column "${o.labelColumn}"`, { line: 1 })
  }
  const warnings: string[] = []
  let channelIndex: number[]
  if (o.channels) {
    channelIndex = o.channels.map((c) => {
      const i = find(c)
      if (i < 0)
        throw new DataError(path, `no channel column "${c}" (columns: ${names.join(', ')})`, {
          line: 1,
        })
      return i
    })
  } else {
    const others = names
      .map((_, i) => i)
      .filter((i) => i !== timeIndex && i !== labelIndex && !ignored.has(i))
    // A column whose first value is text holds no channel; an empty, NaN or infinite first
    // value is a number missing, refused per row.
    const text = others.filter(
      (i) => cell(i) !== '' && !isNumeric(cell(i)) && !NOT_FINITE.test(cell(i)),
    )
    channelIndex = others.filter((i) => !text.includes(i))
    if (text.length) {
      const list = text
        .map(
          (i) =>
            `"${names[i]}" ("${printable(cell(i), 40)}"${data ? ` on line ${data.line}` : ''})`,
        )
        .join(', ')
      if (channelIndex.length === 0)
        throw new DataError(path, `no channel columns: ${list} hold text, not numbers`, {
          line: 1,
        })
      warnings.push(`${path}: skipped columns of text, not numbers: ${list}`)
    }
  }
  if (channelIndex.length === 0) throw new DataError(path, 'no channel columns', { line: 1 })
  const needed = Math.max(timeIndex, labelIndex, ...channelIndex) + 1
  return {
    header,
    width: first.length,
    needed,
    names,
    timeIndex,
    timeUnits: timeIndex >= 0 && splitHeader(names[timeIndex]).unit === 'ms' ? 1000 : 1,
    labelIndex,
    channelIndex,
    warnings,
  }
}

function samplingReport(
  times: Float64Array,
  source: 'column' | 'rate',
  tolerance: number,
): SamplingReport {
  const n = times.length - 1
  if (n < 1)
    return {
      source,
      medianInterval: 0,
      minInterval: 0,
      maxInterval: 0,
      irregularIntervals: 0,
      regular: true,
    }
  const d = new Float64Array(n)
  for (let i = 0; i < n; i++) d[i] = times[i + 1] - times[i]
  const sorted = d.slice().sort()
  const median = sorted[n >> 1]
  let irregular = 0
  for (let i = 0; i < n; i++) if (Math.abs(d[i] - median) > tolerance * median) irregular++
  return {
    source,
    medianInterval: median,
    minInterval: sorted[0],
    maxInterval: sorted[n - 1],
    irregularIntervals: irregular,
    regular: irregular === 0,
  }
}
