/** Text helpers shared by the label formats: BOM/UTF-16 decoding, line splitting, numbers. */
import { DataError } from '../errors'

/** Bytes → string: UTF-16 (LE/BE, by BOM; Praat writes it) or UTF-8, BOM removed. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return new TextDecoder('utf-16le').decode(bytes.subarray(2))
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return new TextDecoder('utf-16be').decode(bytes.subarray(2))
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '')
}

/** Lines split on CRLF, LF or CR (BOM removed). */
export function lines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
}

/** A finite number from a cell, or a DataError naming file, line and column. */
export function num(cell: string | undefined, file: string, line: number, what: string): number {
  const s = (cell ?? '').trim()
  const x = s === '' ? NaN : Number(s)
  if (!Number.isFinite(x))
    throw new DataError(file, `${what} "${cell ?? ''}" is not a number`, { line })
  return x
}

/** Seconds as text: up to 6 decimals (µs), trailing zeros kept off. */
export function fmtTime(t: number): string {
  return String(Math.round(t * 1e6) / 1e6)
}
