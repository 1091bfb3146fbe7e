/**
 * The lines of a CSV time series before papaparse splits them into fields: which separator the
 * file uses (`, ; tab | :` or runs of spaces), `#` comment lines blanked (their line break kept,
 * so line numbers in messages stay true), the per-line length limit enforced while streaming,
 * and `:` / space separators rewritten to one papaparse can split on without cutting the ISO
 * 8601 times (`2024-05-01 10:00:00`) and quoted fields that contain them.
 */
import { Transform, type TransformCallback } from 'node:stream'
import { DataError } from '../../errors'
import { openRegular } from '../../io/input-files'
import { ISO_TIME_IN_LINE } from './iso-time'

/** The separators detected, in order of preference when several split the lines alike. */
export const SEPARATORS = [',', ';', '\t', '|', ':', ' '] as const

/** What `:` and whitespace separators become for papaparse (ASCII unit separator). */
export const UNIT_SEPARATOR = '\x1f'

/** Separators papaparse cannot be given as they are: they also occur inside ISO times. */
export const needsRewrite = (delimiter: string) => delimiter === ':' || delimiter === ' '

/** Quoted fields and ISO date-times: never split by a `:` or space separator. */
const PROTECTED = new RegExp(`"(?:[^"]|"")*"|${ISO_TIME_IN_LINE.source}`, 'g')

const isComment = (line: string) => /^[ \t]*#/.test(line)

/** `line` with its `:` or whitespace separators (outside PROTECTED parts) as UNIT_SEPARATOR. */
export function rewriteSeparators(line: string, delimiter: ':' | ' '): string {
  const l = delimiter === ' ' ? line.trim() : line.replace(/\r$/, '')
  const gap = (s: string) =>
    delimiter === ' ' ? s.replace(/[ \t]+/g, UNIT_SEPARATOR) : s.replaceAll(':', UNIT_SEPARATOR)
  let out = ''
  let at = 0
  for (const m of l.matchAll(PROTECTED)) {
    out += gap(l.slice(at, m.index)) + m[0]
    at = m.index + m[0].length
  }
  return out + gap(l.slice(at))
}

/** Fields `line` splits into at `delimiter`, quoted parts and ISO times counted whole. */
function fieldCount(line: string, delimiter: string): number {
  const masked = line.replace(PROTECTED, 'x')
  if (delimiter === ' ') return masked.trim().split(/[ \t]+/).length
  return masked.split(delimiter).length
}

/**
 * The separator among SEPARATORS that splits the first (up to 20) data or header lines of the
 * file into the same number (> 1) of fields, preferring more fields, then the earlier one; ','
 * when none does (one column). Comment and blank lines do not count. Ours rather than
 * papaparse's guess, which misses short files with a BOM and knows neither `:` nor spaces.
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
  const all = buf
    .toString('utf8', 0, n)
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
  // the last line of a full buffer may be cut short
  if (n === buf.length) all.pop()
  const lines = all
    .filter((l) => l.trim() !== '' && !isComment(l) && !/^[,;\t| ]*$/.test(l))
    .slice(0, 20)
  let best = ','
  let bestFields = 1
  for (const d of SEPARATORS) {
    const counts = lines.map((l) => fieldCount(l, d))
    if (counts.length && counts.every((c) => c === counts[0]) && counts[0] > bestFields) {
      best = d
      bestFields = counts[0]
    }
  }
  return best
}

/**
 * Text in, lines out (always `\n`-ended for papaparse, whose newline is then fixed): `\r`-only
 * files become `\n`, comment lines become empty, `:` / space separators become UNIT_SEPARATOR,
 * and a line longer than `maxLine` characters fails the stream before it is held whole.
 */
export class CsvLines extends Transform {
  #carry = ''
  #crOnly: boolean | undefined
  readonly #rewrite: ':' | ' ' | null

  constructor(
    private readonly file: string,
    delimiter: string,
    private readonly maxLine: number,
  ) {
    super({ decodeStrings: false, encoding: 'utf8' })
    this.#rewrite = needsRewrite(delimiter) ? (delimiter as ':' | ' ') : null
  }

  override _transform(chunk: string | Buffer, _enc: string, done: TransformCallback): void {
    let text = this.#carry + String(chunk)
    if (this.#crOnly === undefined) {
      const i = text.search(/[\r\n]/)
      if (i >= 0 && (text[i] === '\n' || i + 1 < text.length))
        this.#crOnly = text[i] === '\r' && text[i + 1] !== '\n'
    }
    if (this.#crOnly) text = text.replaceAll('\r', '\n')
    const last = text.lastIndexOf('\n')
    this.#carry = last < 0 ? text : text.slice(last + 1)
    if (this.#carry.length > this.maxLine) {
      done(
        new DataError(
          this.file,
          `a line longer than ${this.maxLine} characters: is this a CSV time series?`,
        ),
      )
      return
    }
    if (last >= 0) this.push(this.#lines(text.slice(0, last + 1)))
    done()
  }

  override _flush(done: TransformCallback): void {
    if (this.#carry) this.push(this.#lines(this.#carry))
    done()
  }

  /** Whole lines (their `\n` included, but for the file's last). */
  #lines(block: string): string {
    if (!this.#rewrite && !block.includes('#')) return block
    return block
      .split('\n')
      .map((line) =>
        isComment(line) ? '' : this.#rewrite ? rewriteSeparators(line, this.#rewrite) : line,
      )
      .join('\n')
  }
}
