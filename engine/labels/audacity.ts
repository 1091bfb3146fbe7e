/**
 * Audacity label track (File → Export → Labels): one label per line, `start<TAB>end<TAB>text`,
 * times in seconds; a spectral selection adds a line `\<TAB>low<TAB>high` (Hz) after its label.
 * Reading also accepts spaces instead of tabs (hand-edited files) and point labels (start = end).
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { lines, num } from './text'

export function readAudacity(text: string, file: string): Segment[] {
  const out: Segment[] = []
  lines(text).forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '') return
    if (raw.startsWith('\\')) {
      const prev = out[out.length - 1]
      if (!prev) throw new DataError(file, 'frequency line before any label', { line })
      const f = raw.slice(1).trim().split(/\s+/)
      prev.lowFreq = num(f[0], file, line, 'low frequency')
      prev.highFreq = num(f[1], file, line, 'high frequency')
      return
    }
    let f = raw.split('\t')
    if (f.length < 3) {
      const m = /^\s*(\S+)\s+(\S+)\s*(.*)$/.exec(raw)
      f = m ? [m[1], m[2], m[3]] : f
    }
    const start = num(f[0], file, line, 'start time')
    const end = f.length > 1 ? num(f[1], file, line, 'end time') : start
    const label = f.slice(2).join('\t').trim()
    if (label === '') throw new DataError(file, 'empty label', { line })
    if (end < start) throw new DataError(file, `end ${end} before start ${start}`, { line })
    out.push({ start, end, label })
  })
  return out
}

export function writeAudacity(segments: readonly Segment[]): string {
  return segments
    .map((s) => {
      const row = `${s.start.toFixed(6)}\t${s.end.toFixed(6)}\t${s.label}\n`
      return s.lowFreq !== undefined && s.highFreq !== undefined
        ? `${row}\\\t${s.lowFreq.toFixed(6)}\t${s.highFreq.toFixed(6)}\n`
        : row
    })
    .join('')
}
