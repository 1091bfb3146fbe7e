/**
 * One Framewise process per project: `.framewise-lock` holds the owner's pid, host and a random
 * id. A second process that opens the project is refused with a message naming the owner. A
 * lock whose process is gone (crash, SIGKILL, power cut) is stale and taken over; so is one from
 * this very process (a project reopened, or opened by a second Service in one process).
 * Pid reuse after a reboot can make a stale lock look alive: the message says which file to
 * delete in that case.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ApiError } from '../api'
import { READ_LIMITS, readRegularText } from '../io/input-files'

export const LOCK_FILE = '.framewise-lock'

interface LockInfo {
  pid: number
  host: string
  id: string
  since: string
}

export class ProjectLock {
  private constructor(
    readonly file: string,
    readonly id: string,
  ) {}

  /** Take the lock of the project in `dir`, or throw an ApiError naming who holds it. */
  static async acquire(dir: string): Promise<ProjectLock> {
    const file = path.join(dir, LOCK_FILE)
    const mine: LockInfo = {
      pid: process.pid,
      host: os.hostname(),
      id: randomBytes(8).toString('hex'),
      since: new Date().toISOString(),
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await fs.open(file, 'wx', 0o644)
        try {
          await handle.writeFile(JSON.stringify(mine) + '\n')
          await handle.sync()
        } finally {
          await handle.close()
        }
        return new ProjectLock(file, mine.id)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new ApiError(
            'bad-input',
            `${file}: cannot lock the project: ${(err as Error).message}`,
          )
      }
      const owner = await readLock(file)
      if (owner && owner.pid !== process.pid && owner.host === mine.host && processAlive(owner.pid))
        throw new ApiError(
          'locked',
          `${dir}: the project is open in another Framewise (process ${owner.pid} since ${owner.since}); close it there first` +
            ` (if no Framewise is running, delete ${file})`,
        )
      if (owner && owner.host !== mine.host)
        throw new ApiError(
          'locked',
          `${dir}: the project is open on ${owner.host} (process ${owner.pid}); close it there first (or delete ${file})`,
        )
      // Stale (dead owner, ours, or unreadable: a crash while it was being written): take over.
      await fs.rm(file, { force: true })
    }
    throw new ApiError(
      'locked',
      `${file}: could not take the project lock (another process keeps taking it)`,
    )
  }

  /** Still ours? (Someone may have deleted the file and another process taken it.) */
  async held(): Promise<boolean> {
    return (await readLock(this.file))?.id === this.id
  }

  /** Give the lock up, if it is still ours. */
  async release(): Promise<void> {
    if (await this.held()) await fs.rm(this.file, { force: true })
  }
}

async function readLock(file: string): Promise<LockInfo | null> {
  try {
    const raw = JSON.parse(await readRegularText(file, READ_LIMITS.json)) as Partial<LockInfo>
    if (typeof raw.pid === 'number' && typeof raw.id === 'string')
      return {
        pid: raw.pid,
        id: raw.id,
        host: String(raw.host ?? ''),
        since: String(raw.since ?? '?'),
      }
  } catch {
    // missing or torn: treated as stale
  }
  return null
}

/** Is there a process with this pid (ours or anyone's)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // exists, owned by someone else
  }
}
