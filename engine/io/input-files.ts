/**
 * Opening the files a user or a project names, without hanging and without unbounded reads.
 *
 * Only regular files are read: a named pipe (FIFO) or a character device where a file is
 * expected would block a libuv file thread forever (four such calls starve the whole pool), and
 * /dev/zero would be read until memory runs out. So a file is opened non-blocking, its type is
 * checked on the open descriptor (no race with a swap between check and open), and whole-file
 * reads are refused above a size limit before anything is read and again while reading (a file
 * may grow). A read that still stalls (a dead network drive) is given up after a time bound.
 */
import type { Stats } from 'node:fs'
import { closeSync, constants, fstatSync, openSync, promises as fs } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { DataError, fileError, isMissing } from '../errors'

/** Size limits for whole-file reads, by what the file is. Streamed formats have none. */
export const READ_LIMITS = {
  /** A label file (JSON/CSV/TextGrid/Raven/…): 1e6 segments of JSON are about 85 MB. */
  labels: 256 * 1024 * 1024,
  /** framewise.json. */
  manifest: 64 * 1024 * 1024,
  /** An ONNX model or a training checkpoint. */
  model: 2 * 1024 * 1024 * 1024 - 1,
  /** Small JSON files: settings, feature specs, run records, model cards, locks. */
  json: 16 * 1024 * 1024,
  /** A derived cache (features, peaks): float32 rows of hours of audio; the largest Buffer a read may build. */
  cache: 2 * 1024 * 1024 * 1024 - 1,
} as const

/** How long one open or read may take before the file is reported as not answering. */
export const READ_TIMEOUT_MS = 30_000

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)

/** What a non-regular file is, in words; null for a regular file. */
export function notRegular(s: Stats): string | null {
  if (s.isFile()) return null
  if (s.isDirectory()) return 'is a folder, not a file'
  if (s.isFIFO()) return 'is a named pipe (FIFO), not a regular file'
  if (s.isCharacterDevice()) return 'is a character device, not a regular file'
  if (s.isBlockDevice()) return 'is a block device, not a regular file'
  if (s.isSocket()) return 'is a socket, not a regular file'
  return 'is not a regular file'
}

function sizeProblem(size: number, limit: number): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 0)} MB`
  return `is ${mb(size)}, larger than the ${mb(limit)} this kind of file may be; is it the right file?`
}

/** `work` or a DataError on `file` after `ms` (the underlying call cannot be cancelled, only left). */
export function timeBound<T>(file: string, work: Promise<T>, ms = READ_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DataError(
            file,
            `did not answer within ${Math.round(ms / 1000)} s (a disconnected drive?)`,
          ),
        ),
      ms,
    )
    timer.unref()
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Open `file` for reading: a regular file (symlinks followed), else a DataError naming what it
 * is. Never blocks on a FIFO or device. The caller closes the handle.
 */
export async function openRegular(file: string): Promise<FileHandle> {
  let handle: FileHandle
  try {
    handle = await timeBound(file, fs.open(file, OPEN_FLAGS))
  } catch (e) {
    throw fileError(file, e)
  }
  try {
    const problem = notRegular(await handle.stat())
    if (problem) throw new DataError(file, problem)
    return handle
  } catch (e) {
    await handle.close().catch(() => {})
    throw fileError(file, e)
  }
}

/** openRegular for synchronous callers (worker threads): a file descriptor. */
export function openRegularSync(file: string): number {
  let fd: number
  try {
    fd = openSync(file, OPEN_FLAGS)
  } catch (e) {
    throw fileError(file, e)
  }
  const problem = notRegular(fstatSync(fd))
  if (problem) {
    closeSync(fd)
    throw new DataError(file, problem)
  }
  return fd
}

/**
 * Check that `file` is a regular file, for code that hands the path to a library that opens it
 * itself (a stream, a decoder). Returns its stats.
 */
export async function assertRegular(file: string, maxBytes?: number): Promise<Stats> {
  const handle = await openRegular(file)
  try {
    const s = await handle.stat()
    if (maxBytes !== undefined && s.size > maxBytes)
      throw new DataError(file, sizeProblem(s.size, maxBytes))
    return s
  } finally {
    await handle.close()
  }
}

/**
 * Check a path something is about to be written to: it must not exist yet or be a regular file
 * (writing to a FIFO blocks until someone reads it; a device or folder is never what was meant).
 * Returns its stats, or null when it does not exist.
 */
export async function assertWritable(file: string): Promise<Stats | null> {
  let s: Stats
  try {
    s = await timeBound(file, fs.stat(file))
  } catch (e) {
    if (isMissing(e)) return null
    throw fileError(file, e)
  }
  const problem = notRegular(s)
  if (problem) throw new DataError(file, `${problem}; choose a file name to write to`)
  return s
}

/** The whole of regular file `file`, refused when over `maxBytes` (checked before and while reading). */
export async function readRegular(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await openRegular(file)
  try {
    const { size } = await handle.stat()
    if (size > maxBytes) throw new DataError(file, sizeProblem(size, maxBytes))
    // One buffer of the stated size (+1 to see growth), doubled only if the file grows while read.
    let buf = Buffer.allocUnsafe(Math.min(Math.max(size, 64 * 1024 - 1), maxBytes) + 1)
    let total = 0
    for (;;) {
      if (total === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1))
        buf.copy(grown, 0, 0, total)
        buf = grown
      }
      const length = Math.min(buf.length - total, 16 * 1024 * 1024)
      const { bytesRead } = await timeBound(file, handle.read(buf, total, length, null))
      if (bytesRead === 0) break
      total += bytesRead
      if (total > maxBytes) throw new DataError(file, sizeProblem(total, maxBytes))
    }
    return buf.subarray(0, total)
  } catch (e) {
    throw fileError(file, e)
  } finally {
    await handle.close().catch(() => {})
  }
}

/** readRegular as UTF-8 text. */
export async function readRegularText(file: string, maxBytes: number): Promise<string> {
  return (await readRegular(file, maxBytes)).toString('utf8')
}
