/**
 * Sample-index label files: one label per line, `start_sample end_sample label`, separated by
 * spaces or tabs (TIMIT `.PHN` phones and `.WRD` words; crowsetta's "timit" format). The numbers
 * count samples of the recording, so reading needs its sample rate (TIMIT: 16 kHz): times are
 * `sample / rate` seconds. Without a rate the file is refused with what to give.
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { lines } from './text'

export function readSampleIndex(text: string, file: string, rate: number | undefined): Segment[] {
  if (rate === undefined)
    throw new DataError(
      file,
      "times are sample numbers: give the recording's sample rate (--rate 16000 for TIMIT), or import it for an audio file of the project",
    )
  if (!(rate > 0 && Number.isFinite(rate)))
    throw new DataError(file, `sample rate ${rate} is not a positive number of Hz`)
  const out: Segment[] = []
  lines(text).forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '') return
    const m = /^\s*(\S+)\s+(\S+)\s+(.*\S)\s*$/.exec(raw)
    if (!m) throw new DataError(file, 'expected "start_sample end_sample label"', { line })
    const [a, b] = [m[1], m[2]].map((cell, k) => {
      const n = Number(cell)
      if (!Number.isInteger(n) || n < 0)
        throw new DataError(
          file,
          `${k ? 'end' : 'start'} sample "${cell}" is not a whole number of samples`,
          { line },
        )
      return n
    })
    if (b < a) throw new DataError(file, `end sample ${b} before start sample ${a}`, { line })
    out.push({ start: a / rate, end: b / rate, label: m[3] })
  })
  return out
}
