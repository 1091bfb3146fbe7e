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
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: false, delimitersToGuess: [',', ';', '\t', '|'] })
  const rows = parsed.data
  let firstRow = rows.findIndex((r) => r.some((c) => c.trim() !== ''))
  if (firstRow < 0) return []
  const head = rows[firstRow].map((c) => c.trim().toLowerCase())
  let [iS, iE, iL] = [0, 1, 2]
  if (!Number.isFinite(Number(head[0])) || head[0] === '') {
    const find = (names: string[]) => head.findIndex((h) => names.includes(h))
    ;[iS, iE, iL] = [find(START), find(END), find(LABEL)]
    if (iS < 0 || iE < 0 || iL < 0) throw new DataError(file, `header needs start, end and label columns (found ${rows[firstRow].join(', ')})`, { line: firstRow + 1 })
    firstRow++
  }
  const out: Segment[] = []
  for (let r = firstRow; r < rows.length; r++) {
    const f = rows[r]
    const line = r + 1
    if (f.every((c) => c.trim() === '')) continue
    if (f.length < Math.max(iS, iE, iL) + 1) throw new DataError(file, `ragged row: ${f.length} fields`, { line })
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
  return Papa.unparse({ fields: ['start', 'end', 'label'], data: segments.map((s) => [fmtTime(s.start), fmtTime(s.end), s.label]) }, { newline: '\n' }) + '\n'
}

/**
 * Per-row labels → segments: runs of one label; each run spans from its first row's time to the
 * next run's first row time (the last run ends one median interval after its last row).
 * Rows labelled `background` produce no segment.
 */
export function rowLabelsToSegments(times: ArrayLike<number>, labels: readonly string[], background?: string): Segment[] {
  const n = labels.length
  const step = n > 1 ? (times[n - 1] - times[0]) / (n - 1) : 0
  const out: Segment[] = []
  for (let i = 0; i < n; ) {
    let j = i + 1
    while (j < n && labels[j] === labels[i]) j++
    if (labels[i] !== background) out.push({ start: times[i], end: j < n ? times[j] : times[n - 1] + step, label: labels[i] })
    i = j
  }
  return out
}
