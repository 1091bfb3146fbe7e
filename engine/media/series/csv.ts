/**
 * CSV time series → channels (T, C) + times + optional per-row labels, streamed through papaparse
 * (rows are converted as they arrive; the text is never held whole). Detects the delimiter
 * (the candidate splitting the first lines into the most, equal, fields) and the header row (first row non-numeric where the second is numeric), finds the
 * time column (`time`, `t`, `timestamp`; numeric seconds or ISO 8601 dates) or uses an explicit
 * sample rate, and reports irregular sampling instead of hiding it.
 */
import Papa from 'papaparse'
import { DataError } from '../../errors'
import { assertRegular, openRegular } from '../../io/input-files'

/** CSV files above this size are refused before parsing (1 GiB ≈ 50 M rows of 3 channels). */
export const MAX_CSV_BYTES = 2 ** 30
/**
 * Longest line (characters) a CSV may have: a row of thousands of channels fits many times; a
 * file without newlines (binary, or one endless line) is refused while streaming, before the
 * parser has buffered it whole.
 */
export const MAX_CSV_LINE_CHARS = 2 ** 22

/** Names recognised as the time column, case-insensitive, in order of preference. */
export const TIME_COLUMNS = ['time', 't', 'timestamp']

export interface CsvOptions {
  /** Time column name; default: the first of TIME_COLUMNS present; null: rows are evenly spaced. */
  timeColumn?: string | null
  /** Rows per second, used when there is no time column. */
  sampleRate?: number
  /** Per-row label column (default 'label' when present); null ignores labels. */
  labelColumn?: string | null
  /** Value for empty label cells; when unset, an empty label cell is an error. */
  emptyLabel?: string
  /** Channel columns to keep, in this order; default all other columns (all must be numeric). */
  channels?: string[]
  /** Field delimiter; default detected (comma, semicolon, tab, pipe). */
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
  /** ISO 8601 time of the first row when the time column holds dates. */
  startDate?: string
  /** Per-row labels when a label column is present. */
  labels?: string[]
  /** Name of the label column used. */
  labelColumn?: string
  /** Sampling regularity. */
  sampling: SamplingReport
}

const isNumeric = (s: string) => s.trim() !== '' && Number.isFinite(Number(s))

export async function readSeriesCsv(path: string, options: CsvOptions = {}): Promise<SeriesData> {
  const size = (await assertRegular(path)).size
  if (size === 0) throw new DataError(path, 'empty file')
  if (size > MAX_CSV_BYTES)
    throw new DataError(path, `too large: ${size} bytes exceed the ${MAX_CSV_BYTES}-byte CSV limit`)
  const delimiter = options.delimiter ?? (await detectDelimiter(path))
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter, skipEmptyLines: false })
  const input = (await openRegular(path)).createReadStream({
    encoding: 'utf8',
    highWaterMark: 1 << 18,
  })
  let bytes = 0
  let sinceNewline = 0
  input.on('data', (c: string | Buffer) => {
    bytes += c.length
    const last = c.lastIndexOf('\n')
    sinceNewline = last < 0 ? sinceNewline + c.length : c.length - last - 1
    if (sinceNewline > MAX_CSV_LINE_CHARS)
      input.destroy(
        new DataError(
          path,
          `a line longer than ${MAX_CSV_LINE_CHARS} characters: is this a CSV time series?`,
        ),
      )
  })
  input.on('error', (e) => parser.destroy(e))
  input.pipe(parser)

  let line = 0
  let first: string[] | undefined
  let firstLine = 1
  let layout: Layout | undefined
  let rows = 0
  let values = new Float32Array(0)
  let times = new Float64Array(0)
  let t0Date: number | undefined
  const labels: string[] = []

  const addRow = (cells: string[], lineNo: number) => {
    const L = layout!
    if (cells.length !== L.width) {
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
      const x = Number(cell)
      if (cell.trim() === '' || !Number.isFinite(x)) {
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
      const cell = cells[L.timeIndex].trim()
      let t: number
      if (isNumeric(cell)) t = Number(cell)
      else {
        const d = /^\d{4}-\d\d-\d\d/.test(cell) ? Date.parse(cell) : NaN
        if (Number.isNaN(d))
          throw new DataError(path, `time "${cell}" is neither seconds nor an ISO 8601 date`, {
            line: lineNo,
          })
        t0Date ??= d
        t = (d - t0Date) / 1000
      }
      if (rows > 0 && !(t > times[rows - 1])) {
        throw new DataError(
          path,
          `time ${cell} does not increase (previous row: ${times[rows - 1]})`,
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
      if (row.length === 1 && row[0].trim() === '') continue
      if (line === 1 && row.length) row[0] = row[0].replace(/^\uFEFF/, '')
      if (!first) {
        first = row
        firstLine = line
        continue
      }
      if (!layout) {
        layout = makeLayout(path, first, row, options)
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
  }
  if (!first) throw new DataError(path, 'no rows')
  if (!layout) {
    layout = makeLayout(path, first, undefined, options)
    if (!layout.header) addRow(first, firstLine)
  }
  if (rows === 0) throw new DataError(path, 'a header but no data rows')
  times = times.slice(0, rows)
  const sampling = samplingReport(
    times,
    layout.timeIndex >= 0 ? 'column' : 'rate',
    options.irregularTolerance ?? 0.01,
  )
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
    startDate: t0Date !== undefined ? new Date(t0Date).toISOString() : undefined,
    labels: layout.labelIndex >= 0 ? labels : undefined,
    labelColumn: layout.labelIndex >= 0 ? layout.names[layout.labelIndex] : undefined,
    sampling,
  }
}

interface Layout {
  header: boolean
  width: number
  names: string[]
  timeIndex: number
  labelIndex: number
  channelIndex: number[]
}

function makeLayout(
  path: string,
  first: string[],
  second: string[] | undefined,
  o: CsvOptions,
): Layout {
  const header =
    o.header ??
    (first.some((c) => !isNumeric(c)) &&
      (!second ||
        first.some((c, j) => !isNumeric(c) && second[j] !== undefined && isNumeric(second[j]))))
  const names = header ? first.map((c) => c.trim()) : first.map((_, j) => `c${j}`)
  const find = (name: string) => names.findIndex((n) => n.toLowerCase() === name.toLowerCase())
  let timeIndex = -1
  if (o.timeColumn) {
    timeIndex = find(o.timeColumn)
    if (timeIndex < 0)
      throw new DataError(path, `no time column "${o.timeColumn}" (columns: ${names.join(', ')})`, {
        line: 1,
      })
  } else if (o.timeColumn === undefined && header) {
    for (const t of TIME_COLUMNS) if (timeIndex < 0) timeIndex = find(t)
  }
  if (timeIndex < 0 && !(o.sampleRate && o.sampleRate > 0)) {
    throw new DataError(
      path,
      `no time column (${TIME_COLUMNS.join('/')}) and no sample rate given`,
      { line: 1 },
    )
  }
  let labelIndex = -1
  if (o.labelColumn !== null) {
    labelIndex = find(o.labelColumn ?? 'label')
    if (labelIndex < 0 && o.labelColumn)
      throw new DataError(path, `no label column "${o.labelColumn}"`, { line: 1 })
  }
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
  } else channelIndex = names.map((_, i) => i).filter((i) => i !== timeIndex && i !== labelIndex)
  if (channelIndex.length === 0) throw new DataError(path, 'no channel columns', { line: 1 })
  return { header, width: first.length, names, timeIndex, labelIndex, channelIndex }
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

/**
 * The delimiter among , ; tab | that splits the first (up to 20) lines of the file into the same
 * number (> 1) of fields, preferring more fields; ',' when none does (one column).
 * Ours rather than papaparse's guess, which misses short files with a BOM.
 */
export async function detectDelimiter(path: string): Promise<string> {
  const fh = await openRegular(path)
  const buf = Buffer.alloc(1 << 16)
  let n: number
  try {
    n = (await fh.read(buf, 0, buf.length, 0)).bytesRead
  } finally {
    await fh.close()
  }
  const lines = buf
    .toString('utf8', 0, n)
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .slice(0, 20)
    .filter((l, i, all) => l.trim() !== '' && (i < all.length - 1 || n < buf.length))
  let best = ','
  let bestFields = 1
  for (const d of [',', ';', '\t', '|']) {
    const counts = lines.map((l) => l.split(d).length)
    if (counts.length && counts.every((c) => c === counts[0]) && counts[0] > bestFields) {
      best = d
      bestFields = counts[0]
    }
  }
  return best
}
