/**
 * The last N versions of each label file (and of framewise.json), so a file damaged by a crash
 * of another program, a sync tool or a bad hand edit can be restored from inside the app.
 *
 *   .framewise-history/<file key>/<revision, 9 digits>-<ms since epoch>.json
 *
 * `<file key>` is the project-relative path with '/' as '~' (labels~a.labels.json). Every
 * version is written atomically and the oldest beyond `keep` are pruned after each write.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { confinedPath } from '../io/confined-paths'

export const HISTORY_DIR = '.framewise-history'
/** Versions kept per file when the manifest does not say (`keepVersions`). */
export const DEFAULT_KEEP_VERSIONS = 10

/** One stored version of a file. */
export interface VersionInfo {
  /** Name inside the file's history folder; pass it to restore. */
  id: string
  /** The label file's revision (0 for the manifest). */
  revision: number
  /** ISO 8601 time the version was stored. */
  savedAt: string
  bytes: number
}

const VERSION_RE = /^(\d{9})-(\d{13})\.json$/

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex')
}

export class History {
  constructor(
    /** Absolute project folder. */
    readonly projectDir: string,
    /** Versions kept per file. */
    readonly keep: number = DEFAULT_KEEP_VERSIONS,
  ) {}

  /** Folder holding the versions of `rel` (a project-relative, '/'-separated path). */
  folder(rel: string): string {
    // One path segment, whatever `rel` holds ('/', '\\', '..'): never a folder outside the history.
    const key = rel.replace(/[\\/]/g, '~')
    return path.join(this.projectDir, HISTORY_DIR, key === '.' || key === '..' ? `~${key}` : key)
  }

  /** Store `text` as a version of `rel`; skipped when the newest version is byte-identical. */
  async save(rel: string, text: string, revision: number, now = Date.now()): Promise<void> {
    const dir = this.folder(rel)
    await fs.mkdir(dir, { recursive: true })
    const existing = await this.ids(rel)
    const newest = existing.at(-1)
    if (newest && sha256((await this.readVersion(path.join(dir, newest))) ?? '') === sha256(text))
      return
    let stamp = now
    // Two saves in one millisecond with one revision (manifest) must not overwrite each other.
    while (existing.includes(versionId(revision, stamp))) stamp++
    await writeFileAtomic(path.join(dir, versionId(revision, stamp)), text)
    const all = [...existing, versionId(revision, stamp)].sort(byAge)
    for (const old of all.slice(0, Math.max(0, all.length - this.keep)))
      await fs.rm(path.join(dir, old), { force: true })
  }

  /** Stored versions of `rel`, newest first. */
  async list(rel: string): Promise<VersionInfo[]> {
    const dir = this.folder(rel)
    const out: VersionInfo[] = []
    for (const id of (await this.ids(rel)).reverse()) {
      const m = VERSION_RE.exec(id)!
      const stat = await fs.stat(path.join(dir, id)).catch(() => null)
      if (stat)
        out.push({
          id,
          revision: Number(m[1]),
          savedAt: new Date(Number(m[2])).toISOString(),
          bytes: stat.size,
        })
    }
    return out
  }

  /** Is `text` one of the stored versions of `rel`? True when none are stored (nothing to go by). */
  async holds(rel: string, text: string): Promise<boolean> {
    const ids = await this.ids(rel)
    if (!ids.length) return true
    const hash = sha256(text)
    for (const id of ids.reverse())
      if (sha256((await this.readVersion(path.join(this.folder(rel), id))) ?? '') === hash)
        return true
    return false
  }

  /** The text of one version; null when there is no such version. */
  async read(rel: string, id: string): Promise<string | null> {
    if (!VERSION_RE.test(id)) return null
    return this.readVersion(path.join(this.folder(rel), id))
  }

  /** A stored version's text: a regular file inside the project (a planted link out is not read), else null. */
  private async readVersion(file: string): Promise<string | null> {
    if (!confinedPath(this.projectDir, file)) return null
    return readRegularText(file, READ_LIMITS.labels).catch(() => null)
  }

  private async ids(rel: string): Promise<string[]> {
    const names = await fs.readdir(this.folder(rel)).catch(() => [] as string[])
    return names.filter((n) => VERSION_RE.test(n)).sort(byAge)
  }
}

function versionId(revision: number, ms: number): string {
  return `${String(Math.min(revision, 999_999_999)).padStart(9, '0')}-${String(ms).padStart(13, '0')}.json`
}

/** Oldest first: by time stored, then revision. */
function byAge(a: string, b: string): number {
  const [, ra, ta] = VERSION_RE.exec(a)!
  const [, rb, tb] = VERSION_RE.exec(b)!
  return ta! < tb! ? -1 : ta! > tb! ? 1 : ra! < rb! ? -1 : ra! > rb! ? 1 : 0
}
