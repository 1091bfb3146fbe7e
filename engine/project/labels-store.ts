/**
 * A project's label files, one per media file: read, save with revision and conflict checks,
 * their stored versions (history.ts), and a per-file summary cache for the project view.
 * Every save goes through the file's write queue and is atomic (changes.ts, files.ts).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { ApiError, type LabelClass, type LabelsView, type LabelVersions, type Tier } from '../api'
import { isMissing, printable } from '../errors'
import { writeFileAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { confinedPath } from '../io/confined-paths'
import { byTime, DEFAULT_TIER_NAME, segmentsOf, tierProblem } from '../labels/tiers'
import type { FileChanges } from './changes'
import { sha256, type History } from './history'
import {
  LABEL_FORMAT_VERSION,
  labelFileOf,
  MANIFEST_FILE,
  NewerFormatError,
  type LabelFile,
  type MediaRecord,
} from './manifest'

/**
 * Ending of the copy of a version-1 label file kept beside it (`a.labels.json.v1.bak`) when the
 * first save rewrites it as version 2: the history keeps it too, but prunes it after
 * `keepVersions` saves, and an older Framewise can open this copy (rename it back) for good.
 */
export const V1_BACKUP = '.v1.bak'

/** A label file written by a newer Framewise: refused, and never written over, even by force. */
class NewerLabelFileError extends ApiError {
  constructor(message: string) {
    super('bad-input', message)
  }
}

/** What a save puts in the file: every tier, or a change of the tiers on disk now. */
export type TierUpdate = Tier[] | ((current: Tier[]) => Tier[])

/** What the label store needs of its project. */
export interface LabelHost {
  /** Absolute project folder. */
  readonly dir: string
  readonly history: History
  readonly classes: readonly LabelClass[]
}

/** What view() and setClasses need of one label file. */
export interface LabelSummary {
  /** fileKey of the file when it was read. */
  key: string
  /** Over all tiers. */
  segmentCount: number
  /** Class names its segments use (any tier). */
  used: string[]
  /** Why it cannot be read, when it cannot. */
  error?: unknown
}

export class LabelStore {
  /** What view() needs of each label file (absolute path), with the file's identity when read. */
  readonly #summaries = new Map<string, LabelSummary>()

  constructor(
    private readonly project: LabelHost,
    private readonly changes: FileChanges,
  ) {}

  /** The labels of one media file as on disk now (the page's "reload"). */
  async read(record: MediaRecord): Promise<LabelsView> {
    const { labels, text } = await this.readText(record)
    this.changes.saw(this.path(record), text)
    return viewOf(record, labels.tiers, labels.revision)
  }

  /**
   * Save the tiers of one media file (`update`: all of them, or a change of those on disk now,
   * applied under the file's write queue). `baseRevision` must be the revision the caller last
   * read or saved, and the file must not have been changed by another program since this store
   * last read or wrote it, so no edit made elsewhere is silently overwritten. `force` (the
   * user chose to keep their version) skips both checks; the version on disk is kept in the
   * history either way. Acknowledged means durable: the file is fsynced and renamed in place.
   * The first save over a version-1 file keeps a copy of it beside it (`V1_BACKUP`); a file
   * written by a newer Framewise is never written over.
   */
  async write(
    record: MediaRecord,
    update: TierUpdate,
    baseRevision: number,
    force = false,
  ): Promise<LabelsView> {
    const file = this.path(record)
    return this.changes.serialise(file, async () => {
      let current: { labels: LabelFile; text: string | null; version: number }
      try {
        current = await this.readText(record)
      } catch (err) {
        if (!force || err instanceof NewerLabelFileError) throw err
        // Damaged on disk and the user keeps their version: continue after the newest stored one.
        const newest = (await this.project.history.list(record.labels))[0]
        const text = await readRegularText(file, READ_LIMITS.labels).catch(() => null)
        current = { labels: emptyLabels(record, newest?.revision ?? 0), text, version: 0 }
      }
      const { labels, text, version } = current
      const tiers = (typeof update === 'function' ? update(labels.tiers) : update).map((t) => ({
        ...t,
        segments: [...t.segments].sort(byTime),
      }))
      this.check(record, tiers)
      const seen = this.changes.seen(file)
      if (!force && labels.revision !== baseRevision)
        throw new ApiError(
          'conflict',
          `${file}: labels changed since revision ${baseRevision} (now ${labels.revision}); reload them`,
        )
      if (!force && seen !== undefined && (text === null || sha256(text) !== seen))
        throw new ApiError(
          'conflict',
          `${file}: changed on disk by another program since Framewise last read it; reload it, or keep your version (save with force)`,
        )
      // Not read in this process (e.g. after a restart): every version Framewise writes is also
      // stored, so a file matching none of them was written by someone else.
      if (
        !force &&
        seen === undefined &&
        text !== null &&
        !(await this.project.history.holds(record.labels, text))
      )
        throw new ApiError(
          'conflict',
          `${file}: changed on disk by another program (it matches none of the versions Framewise saved); reload it, or keep your version (save with force)`,
        )
      // Whatever is on disk now is kept (a no-op when it is the newest stored version already).
      if (text !== null) await this.project.history.save(record.labels, text, labels.revision)
      if (text !== null && version === 1) await keepV1(file, text)
      const next: LabelFile = {
        format: 'framewise-labels',
        version: LABEL_FORMAT_VERSION,
        media: record.path,
        revision: labels.revision + 1,
        tiers,
      }
      const nextText = JSON.stringify(next, null, 2) + '\n'
      await fs.mkdir(path.dirname(file), { recursive: true })
      // The history first: a crash between the two leaves a stored version that never reached the
      // label file (harmless), never a label file that matches no stored version.
      await this.project.history.save(record.labels, nextText, next.revision)
      await this.changes.write(file, nextText, next)
      const key = await fileKey(file)
      if (key && key !== MISSING) this.#summaries.set(file, { key, ...summaryOf(tiers) })
      return viewOf(record, tiers, next.revision)
    })
  }

  /** Refuses tiers a label file cannot hold: labels that are no class, two tiers of one name, overlaps in an exclusive tier. */
  private check(record: MediaRecord, tiers: readonly Tier[]): void {
    if (tiers.length === 0)
      throw new ApiError('bad-input', `${record.path}: a label file needs at least one tier`)
    const names = new Set(this.project.classes.map((c) => c.name))
    for (const t of tiers) {
      const unknown = t.segments.find((s) => !names.has(s.label))
      if (unknown)
        throw new ApiError(
          'bad-input',
          `${record.path}: unknown label class '${unknown.label}' in tier "${t.name}"`,
        )
    }
    const problem = tierProblem(tiers, record.path)
    if (problem) throw new ApiError('bad-input', problem)
  }

  /** The stored versions of a media file's labels, and whether the file itself is readable. */
  async versions(record: MediaRecord): Promise<LabelVersions> {
    const problem = await this.readText(record).then(
      () => null,
      (err: Error) => err.message,
    )
    return {
      media: record.path,
      file: this.path(record),
      problem,
      versions: await this.project.history.list(record.labels),
    }
  }

  /** The tiers of a stored version, and the revision of the file now (0 when unreadable). */
  async stored(record: MediaRecord, version: string): Promise<{ tiers: Tier[]; revision: number }> {
    const text = await this.project.history.read(record.labels, version)
    if (text === null)
      throw new ApiError('bad-input', `${this.path(record)}: no stored version ${version}`)
    const parsed = parseLabelText(
      path.join(this.project.history.folder(record.labels), version),
      text,
    )
    const base = await this.readText(record).then(
      (c) => c.labels.revision,
      () => 0,
    )
    return { tiers: parsed.labels.tiers, revision: base }
  }

  /** The label file of a record; never outside the project (a manifest can be hostile). */
  path(record: MediaRecord): string {
    const file = confinedPath(this.project.dir, record.labels)
    if (!file || !record.labels.endsWith('.json'))
      throw new ApiError(
        'bad-input',
        `${path.join(this.project.dir, MANIFEST_FILE)}: label file ${record.labels} is outside the project folder or not .json`,
      )
    return file
  }

  /** Drop the cached summary of a label file (absolute path) that changed on disk. */
  forget(file: string): void {
    this.#summaries.delete(file)
  }

  /**
   * A label file's segment count and the classes it uses (or why it cannot be read), read again
   * only when the file changed on disk since (its identity: inode, size, mtime, ctime), so a
   * large label file is not parsed on every view.
   */
  async summary(record: MediaRecord): Promise<Omit<LabelSummary, 'key'>> {
    let file: string
    try {
      file = this.path(record)
    } catch (error) {
      return { segmentCount: 0, used: [], error }
    }
    const key = await fileKey(file)
    // Not labelled yet: no file to read (most of a new project's files).
    if (key === MISSING) {
      this.#summaries.delete(file)
      return { segmentCount: 0, used: [] }
    }
    const cached = this.#summaries.get(file)
    if (key !== null && cached?.key === key) return cached
    // Taken before the read: a change during it makes the next view read again.
    const summary: LabelSummary = await this.readText(record).then(
      ({ labels }) => ({ key: key ?? '', ...summaryOf(labels.tiers) }),
      (error: unknown) => ({ key: key ?? '', segmentCount: 0, used: [], error }),
    )
    if (key !== null) this.#summaries.set(file, summary)
    else this.#summaries.delete(file)
    return summary
  }

  /**
   * The parsed label file (as the current format), its text (null when it does not exist yet)
   * and the format version it was written in.
   */
  private async readText(
    record: MediaRecord,
  ): Promise<{ labels: LabelFile; text: string | null; version: number }> {
    const file = this.path(record)
    let text: string
    try {
      text = await readRegularText(file, READ_LIMITS.labels)
    } catch (err) {
      if (isMissing(err)) return { labels: emptyLabels(record, 0), text: null, version: 0 }
      throw new ApiError('bad-input', (err as Error).message)
    }
    try {
      return { ...parseLabelText(file, text), text }
    } catch (err) {
      if (err instanceof NewerLabelFileError) throw err
      const count = (await this.project.history.list(record.labels)).length
      const recovery = count
        ? `; ${count} earlier version${count === 1 ? ' is' : 's are'} kept: restore one (Label history)`
        : '; no earlier versions are kept'
      throw new ApiError('corrupt', `${(err as Error).message}${recovery}`)
    }
  }
}

/** fileKey of a path where nothing is. */
const MISSING = 'missing'

/**
 * A regular file's identity and version (changes with any write or replace), MISSING when no
 * file is there, or null (not a regular file, or it cannot be stat'ed: the read says why).
 */
async function fileKey(file: string): Promise<string | null> {
  let s
  try {
    s = await fs.stat(file, { bigint: true })
  } catch (err) {
    return isMissing(err) ? MISSING : null
  }
  return s.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : null
}

function emptyLabels(record: MediaRecord, revision: number): LabelFile {
  return {
    format: 'framewise-labels',
    version: LABEL_FORMAT_VERSION,
    media: record.path,
    revision,
    tiers: [{ name: DEFAULT_TIER_NAME, kind: 'exclusive', segments: [] }],
  }
}

function viewOf(record: MediaRecord, tiers: Tier[], revision: number): LabelsView {
  return { media: record.path, tiers, segments: segmentsOf(tiers), revision }
}

function summaryOf(tiers: readonly Tier[]): Omit<LabelSummary, 'key'> {
  const all = tiers.flatMap((t) => t.segments)
  return { segmentCount: all.length, used: [...new Set(all.map((s) => s.label))] }
}

/** Keep a version-1 file's text beside it once (an existing copy is the first one, kept). */
async function keepV1(file: string, text: string): Promise<void> {
  const backup = file + V1_BACKUP
  if (await fs.stat(backup).catch(() => null)) return
  await writeFileAtomic(backup, text)
}

/** Parse a label file's text (any version this build reads) as the current format; errors name the file. */
export function parseLabelText(file: string, text: string): { labels: LabelFile; version: number } {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ApiError(
      'bad-input',
      `${file}: not valid JSON (${printable((err as Error).message, 200)})`,
    )
  }
  try {
    return labelFileOf(raw)
  } catch (err) {
    if (err instanceof NewerFormatError) throw new NewerLabelFileError(`${file}: ${err.message}`)
    const issue = err instanceof z.ZodError ? err.issues[0] : undefined
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    throw new ApiError(
      'bad-input',
      `${file}: invalid label file: ${printable(where + (issue?.message ?? (err as Error).message), 200)}`,
    )
  }
}
