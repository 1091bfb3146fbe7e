/**
 * A project's label files, one per media file: read, save with revision and conflict checks,
 * their stored versions (history.ts), and a per-file summary cache for the project view.
 * Every save goes through the file's write queue and is atomic (changes.ts, files.ts).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import {
  ApiError,
  type LabelClass,
  type LabelsView,
  type LabelVersions,
  type Segment,
} from '../api'
import { isMissing, printable } from '../errors'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { confinedPath } from '../io/confined-paths'
import type { FileChanges } from './changes'
import { sha256, type History } from './history'
import { LabelFileSchema, MANIFEST_FILE, type LabelFile, type MediaRecord } from './manifest'

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
  segmentCount: number
  /** Class names its segments use. */
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
    return { media: record.path, segments: labels.segments, revision: labels.revision }
  }

  /**
   * Save all segments of one media file. `baseRevision` must be the revision the caller last
   * read or saved, and the file must not have been changed by another program since this store
   * last read or wrote it, so no edit made elsewhere is silently overwritten. `force` (the
   * user chose to keep their version) skips both checks; the version on disk is kept in the
   * history either way. Acknowledged means durable: the file is fsynced and renamed in place.
   */
  async write(
    record: MediaRecord,
    segments: Segment[],
    baseRevision: number,
    force = false,
  ): Promise<LabelsView> {
    const names = new Set(this.project.classes.map((c) => c.name))
    const unknown = segments.find((s) => !names.has(s.label))
    if (unknown)
      throw new ApiError('bad-input', `${record.path}: unknown label class '${unknown.label}'`)
    const file = this.path(record)
    return this.changes.serialise(file, async () => {
      let current: { labels: LabelFile; text: string | null }
      try {
        current = await this.readText(record)
      } catch (err) {
        if (!force) throw err
        // Damaged on disk and the user keeps their version: continue after the newest stored one.
        const newest = (await this.project.history.list(record.labels))[0]
        const text = await readRegularText(file, READ_LIMITS.labels).catch(() => null)
        current = { labels: emptyLabels(record, newest?.revision ?? 0), text }
      }
      const { labels, text } = current
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
      const sorted = [...segments].sort((a, b) => a.start - b.start || a.end - b.end)
      const next: LabelFile = {
        format: 'framewise-labels',
        version: 1,
        media: record.path,
        revision: labels.revision + 1,
        segments: sorted,
      }
      const nextText = JSON.stringify(next, null, 2) + '\n'
      await fs.mkdir(path.dirname(file), { recursive: true })
      // The history first: a crash between the two leaves a stored version that never reached the
      // label file (harmless), never a label file that matches no stored version.
      await this.project.history.save(record.labels, nextText, next.revision)
      await this.changes.write(file, nextText, next)
      const key = await fileKey(file)
      if (key)
        this.#summaries.set(file, {
          key,
          segmentCount: sorted.length,
          used: [...new Set(sorted.map((s) => s.label))],
        })
      return { media: record.path, segments: sorted, revision: next.revision }
    })
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

  /** The segments of a stored version, and the revision of the file now (0 when unreadable). */
  async stored(
    record: MediaRecord,
    version: string,
  ): Promise<{ segments: Segment[]; revision: number }> {
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
    return { segments: parsed.segments, revision: base }
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
    const cached = this.#summaries.get(file)
    if (key !== null && cached?.key === key) return cached
    // Taken before the read: a change during it makes the next view read again.
    const summary: LabelSummary = await this.readText(record).then(
      ({ labels }) => ({
        key: key ?? '',
        segmentCount: labels.segments.length,
        used: [...new Set(labels.segments.map((s) => s.label))],
      }),
      (error: unknown) => ({ key: key ?? '', segmentCount: 0, used: [], error }),
    )
    if (key !== null) this.#summaries.set(file, summary)
    else this.#summaries.delete(file)
    return summary
  }

  /** The parsed label file and its text (null when it does not exist yet). */
  private async readText(record: MediaRecord): Promise<{ labels: LabelFile; text: string | null }> {
    const file = this.path(record)
    let text: string
    try {
      text = await readRegularText(file, READ_LIMITS.labels)
    } catch (err) {
      if (isMissing(err)) return { labels: emptyLabels(record, 0), text: null }
      throw new ApiError('bad-input', (err as Error).message)
    }
    try {
      return { labels: parseLabelText(file, text), text }
    } catch (err) {
      const count = (await this.project.history.list(record.labels)).length
      const recovery = count
        ? `; ${count} earlier version${count === 1 ? ' is' : 's are'} kept: restore one (Label history)`
        : '; no earlier versions are kept'
      throw new ApiError('corrupt', `${(err as Error).message}${recovery}`)
    }
  }
}

/** A regular file's identity and version (changes with any write or replace), or null. */
async function fileKey(file: string): Promise<string | null> {
  const s = await fs.stat(file, { bigint: true }).catch(() => null)
  return s?.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : null
}

function emptyLabels(record: MediaRecord, revision: number): LabelFile {
  return { format: 'framewise-labels', version: 1, media: record.path, revision, segments: [] }
}

/** Parse a label file's text; errors name the file. */
export function parseLabelText(file: string, text: string): LabelFile {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ApiError(
      'bad-input',
      `${file}: not valid JSON (${printable((err as Error).message, 200)})`,
    )
  }
  const parsed = LabelFileSchema.safeParse(raw)
  if (!parsed.success)
    throw new ApiError(
      'bad-input',
      `${file}: invalid label file: ${printable(parsed.error.issues[0]?.message ?? '', 200)}`,
    )
  return parsed.data
}
