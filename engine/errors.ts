/**
 * One error class for bad input files. Its message reads `<file>: <problem>` or
 * `<file>:<line>: <problem>` / `<file>: <problem> (at byte <offset>)`, which the CLI prints after
 * `framewise: ` and the UI shows as is.
 */
import type { Stats } from 'node:fs'
import { stat } from 'node:fs/promises'

export interface DataErrorWhere {
  /** 1-based line number in a text file, when known. */
  line?: number
  /** Byte offset in a binary file, when known. */
  offset?: number
}

/** How much of a problem a message carries (a quoted header of a binary file can be megabytes). */
const PROBLEM_CHARS = 600

export class DataError extends Error {
  override name = 'DataError'
  /** The file (path or name) the problem is in. */
  readonly file: string
  /** What is wrong, in words a user can act on. */
  readonly problem: string
  /** 1-based line number, when known. */
  readonly line?: number
  /** Byte offset, when known. */
  readonly offset?: number

  constructor(file: string, problem: string, where: DataErrorWhere = {}) {
    const line = where.line !== undefined ? `:${where.line}` : ''
    const byte =
      where.offset !== undefined && where.line === undefined ? ` (at byte ${where.offset})` : ''
    // A problem may quote the file (a header, a token): never its raw bytes, never all of it.
    const said = printable(problem, PROBLEM_CHARS)
    super(`${printable(file, Infinity)}${line}: ${said}${byte}`)
    this.file = file
    this.problem = said
    this.line = where.line
    this.offset = where.offset
  }
}

const NON_PRINTABLE = /^[\p{C}\uFFFD]$/u

/**
 * `text` safe to quote in a one-line message: control, format and unassigned characters, lone
 * surrogates and U+FFFD (what undecodable bytes become) are written as `\xNN` / `\u{NNNN}`, so
 * binary input never reaches a terminal raw; text over `max` characters is cut with `…`.
 */
export function printable(text: string, max = 80): string {
  let out = ''
  let n = 0
  for (const ch of text) {
    if (n++ >= max) return out + '…'
    const code = ch.codePointAt(0)!
    if (!NON_PRINTABLE.test(ch)) out += ch
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += `\\u{${code.toString(16)}}`
  }
  return out
}

export function isDataError(e: unknown): e is DataError {
  return e instanceof DataError
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a parent of this path is not a folder',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
  ENXIO: 'no such device or address',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'input/output error (a failing drive?)',
}

/**
 * A Node file-system error as a DataError on that file, the original kept as `cause` (other
 * errors pass through).
 */
export function fileError(file: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code
  if (!code || !ERRNO[code]) return e
  const error = new DataError(file, `cannot open: ${ERRNO[code]}`)
  error.cause = e
  return error
}

/** True for a file that does not exist (an ENOENT, raw or wrapped by fileError). */
export function isMissing(e: unknown): boolean {
  const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code
  return code(e) === 'ENOENT' || (e instanceof DataError && code(e.cause) === 'ENOENT')
}

/** fs.stat that reports a missing or unreadable file as a DataError. */
export async function statFile(file: string): Promise<Stats> {
  try {
    const s = await stat(file)
    if (s.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' })
    return s
  } catch (e) {
    throw fileError(file, e)
  }
}
