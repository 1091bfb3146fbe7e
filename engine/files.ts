/**
 * Writing user data so that a crash at any moment leaves either the old file or the new one,
 * never a torn one: write a temp file in the same folder, fsync it, rename it over the target,
 * fsync the folder (so the rename itself survives a power cut).
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'

export interface WriteOptions {
  /**
   * fsync the file and its folder (default). A cache passes false: a cache file lost or torn by
   * a power cut fails its own check on read and is rebuilt, so it need not wait for the disk.
   */
  durable?: boolean
}

/** Atomically replace `file` with `data`; the temp name is unique per write, so writers never collide. */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  { durable = true }: WriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await fs.open(tmp, 'wx', 0o644)
  try {
    await handle.writeFile(data)
    if (durable) await handle.sync()
  } catch (err) {
    await handle.close().catch(() => {})
    await fs.rm(tmp, { force: true })
    throw err
  }
  await handle.close()
  try {
    await fs.rename(tmp, file)
  } catch (err) {
    await fs.rm(tmp, { force: true })
    throw err
  }
  if (durable) await syncDir(dir)
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

/** `p` with '/' separators, for ids and manifests that must read the same on every OS. */
export function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}
