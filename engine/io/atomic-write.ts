/**
 * Writing user data so that a crash at any moment leaves either the old file or the new one,
 * never a torn one: write a temp file in the same folder, fsync it, rename it over the target,
 * fsync the folder (so the rename itself survives a power cut). docs/durability.md says why
 * each step is needed and why together they suffice.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { DataError } from '../errors'

export interface WriteOptions {
  /**
   * fsync the file and its folder (default). A cache passes false: a cache file lost or torn by
   * a power cut fails its own check on read and is rebuilt, so it need not wait for the disk.
   */
  durable?: boolean
}

/**
 * Atomically replace `file` with `data`, under a temp name unique to this write (so concurrent
 * writers never collide). The promise resolves only once the new version is durable (unless
 * `durable: false`). When a step fails, the temp file is removed and the error names `file`; a
 * failure before the rename leaves the previous version untouched.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  { durable = true }: WriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file)
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  )
  let created = false
  try {
    const handle = await fs.open(tmp, 'wx', 0o644)
    created = true
    try {
      await handle.writeFile(data)
      if (durable) await handle.sync()
    } catch (err) {
      await handle.close().catch(() => {})
      throw err
    }
    await handle.close()
    await fs.rename(tmp, file)
  } catch (err) {
    if (created) await fs.rm(tmp, { force: true }).catch(() => {})
    throw saveError(file, err, false)
  }
  try {
    if (durable) await syncDir(dir)
  } catch (err) {
    throw saveError(file, err, true)
  }
}

/** Atomically write `value` as pretty JSON with a trailing newline. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n')
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync is not possible on Windows; there NTFS journals the rename itself.
  if (process.platform === 'win32') return
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** What the storage said, and what the user can do about it. */
const STORAGE_FAULTS: Record<string, string> = {
  ENOSPC: 'the disk is full; free space and save again',
  EDQUOT: 'the disk quota is used up; free space and save again',
  EROFS: 'the disk is read-only; make it writable (or move the project) and save again',
  EIO: 'input/output error (a failing drive?); check the drive and save again',
}

/**
 * A storage fault (full disk, quota, read-only, I/O error) as one line naming the file; other
 * errors pass through unchanged, so callers can still tell a missing folder from a directory.
 */
function saveError(file: string, err: unknown, renamed: boolean): unknown {
  const fault = STORAGE_FAULTS[(err as NodeJS.ErrnoException)?.code ?? '']
  if (!fault) return err
  // After the rename the new version is in place but the disk did not confirm it is durable.
  return new DataError(
    file,
    renamed ? `saved, but the disk could not confirm it: ${fault}` : `cannot save: ${fault}`,
  )
}

/** `p` with '/' separators, for ids and manifests that must read the same on every OS. */
export function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}
