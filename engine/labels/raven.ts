/**
 * Raven selection table (Raven Pro / Lite, `*.selections.txt`): tab-separated with a header row,
 * `Selection  View  Channel  Begin Time (s)  End Time (s)  Low Freq (Hz)  High Freq (Hz)  …`.
 * Raven lists a selection once per view (Waveform 1, Spectrogram 1), so rows are de-duplicated by
 * selection number. The label is the column named by the caller, else the first of LABEL_COLUMNS.
 * We write 0 Hz bounds when a segment has none, and read a 0 Hz upper bound as "none".
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { fmtTime, lines, num } from './text'

export const LABEL_COLUMNS = ['Annotation', 'Label', 'Class', 'Species', 'Call Type', 'Type', 'Tag']

export function isRaven(text: string): boolean {
  const head = lines(text)[0] ?? ''
  return head.includes('\t') && /(^|\t)Selection(\t|$)/.test(head) && head.includes('Begin Time')
}

export function readRaven(text: string, file: string, labelColumn?: string): Segment[] {
  const rows = lines(text)
  const head = rows[0].split('\t').map((h) => h.trim())
  const col = (name: string) => head.findIndex((h) => h.toLowerCase() === name.toLowerCase())
  const iSel = col('Selection')
  const iBegin = col('Begin Time (s)')
  const iEnd = col('End Time (s)')
  const iLow = col('Low Freq (Hz)')
  const iHigh = col('High Freq (Hz)')
  if (iBegin < 0 || iEnd < 0)
    throw new DataError(
      file,
      'not a Raven selection table: no "Begin Time (s)"/"End Time (s)" columns',
      { line: 1 },
    )
  let iLabel = labelColumn ? col(labelColumn) : (LABEL_COLUMNS.map(col).find((i) => i >= 0) ?? -1)
  if (labelColumn && iLabel < 0)
    throw new DataError(file, `no label column "${labelColumn}" (columns: ${head.join(', ')})`, {
      line: 1,
    })
  if (iLabel < 0)
    throw new DataError(file, `no label column (looked for ${LABEL_COLUMNS.join(', ')})`, {
      line: 1,
    })
  const seen = new Set<string>()
  const out: Segment[] = []
  rows.slice(1).forEach((raw, i) => {
    const line = i + 2
    if (raw.trim() === '') return
    const f = raw.split('\t')
    if (f.length < head.length - 1)
      throw new DataError(
        file,
        `ragged row: ${f.length} fields where the header has ${head.length}`,
        { line },
      )
    const sel = iSel >= 0 ? f[iSel].trim() : String(i)
    if (seen.has(sel)) return
    seen.add(sel)
    const label = (f[iLabel] ?? '').trim()
    if (label === '') throw new DataError(file, `empty label in column "${head[iLabel]}"`, { line })
    const s: Segment = {
      start: num(f[iBegin], file, line, 'begin time'),
      end: num(f[iEnd], file, line, 'end time'),
      label,
    }
    if (s.end < s.start) throw new DataError(file, `end ${s.end} before begin ${s.start}`, { line })
    if (iLow >= 0 && iHigh >= 0 && f[iLow]?.trim() && f[iHigh]?.trim() && Number(f[iHigh]) > 0) {
      s.lowFreq = num(f[iLow], file, line, 'low frequency')
      s.highFreq = num(f[iHigh], file, line, 'high frequency')
    }
    out.push(s)
  })
  return out
}

export function writeRaven(segments: readonly Segment[]): string {
  const head =
    'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\n'
  return (
    head +
    segments
      .map(
        (s, i) =>
          `${i + 1}\tSpectrogram 1\t1\t${fmtTime(s.start)}\t${fmtTime(s.end)}\t${s.lowFreq ?? 0}\t${s.highFreq ?? 0}\t${s.label}\n`,
      )
      .join('')
  )
}
