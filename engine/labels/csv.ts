/**
 * Label CSV: rows of start,end,label (seconds), with or without a header; the header may name the
 * columns start/begin/onset, end/stop/offset, label/class/annotation in any order. Delimiter
 * comma, semicolon or tab (detected by papaparse). Also the per-row form used by CSV time series:
 * a label per row ⇄ segments.
 */
import Papa from 'papaparse'
import { DataError } from '../errors'
import type { Segment } from './segments'
import { fmtTime, num } from './text'

const START = ['start', 'begin', 'onset', 'start_time', 'begin time (s)']
const END = ['end', 'stop', 'offset', 'end_time', 'end time (s)']
const LABEL = ['label', 'class', 'annotation', 'name']

export function readLabelCsv(text: string, file: string): Segment[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    skipEmptyLines: false,
    delimitersToGuess: [',', ';', '\t', '|'],
  })
  const rows = parsed.data
  let firstRow = rows.findIndex((r) => r.some((c) => c.trim() !== ''))
  if (firstRow < 0) return []
  const head = rows[firstRow].map((c) => c.trim().toLowerCase())
  let [iS, iE, iL] = [0, 1, 2]
  if (!Number.isFinite(Number(head[0])) || head[0] === '') {
    const find = (names: string[]) => head.findIndex((h) => names.includes(h))
    ;[iS, iE, iL] = [find(START), find(END), find(LABEL)]
    if (iS < 0 || iE < 0 || iL < 0)
      throw new DataError(
        file,
        `header needs start, end and label columns (found ${rows[firstRow].join(', ')})`,
        { line: firstRow + 1 },
      )
    firstRow++
  }
  const out: Segment[] = []
  for (let r = firstRow; r < rows.length; r++) {
    const f = rows[r]
    const line = r + 1
    if (f.every((c) => c.trim() === '')) continue
    if (f.length < Math.max(iS, iE, iL) + 1)
      throw new DataError(file, `ragged row: ${f.length} fields`, { line })
    const label = f[iL].trim()
    if (label === '') throw new DataError(file, 'empty label', { line })
    const start = num(f[iS], file, line, 'start')
    const end = num(f[iE], file, line, 'end')
    if (end < start) throw new DataError(file, `end ${end} before start ${start}`, { line })
    out.push({ start, end, label })
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
  return head.includes('label') && !START.some((s) => head.includes(s))
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
