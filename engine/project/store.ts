/**
 * A project on disk: open/create, media list, label classes, one label file per media file.
 * Every write is atomic (files.ts); writes to one file are serialised; a manifest that could
 * not be read is never written. Each label file's last versions are kept (history.ts).
 *
 * External changes: the store remembers the sha256 of each file as it last handed it out or
 * wrote it; a save over a file that changed on disk since then is refused ('conflict') unless
 * the caller says to keep its own version (`force`), and even then the disk version goes into
 * the history first. `watch()` reports such changes as they happen.
 */
import { mkdirSync, watch as fsWatch, promises as fs, type FSWatcher } from 'node:fs'
import path from 'node:path'
import {
  ApiError,
  type ExternalChange,
  type LabelClass,
  type LabelsView,
  type LabelVersions,
  type MediaStatus,
  type ProjectView,
  type Segment,
} from '../api'
import { isMissing, printable } from '../errors'
import { toPosix, writeJsonAtomic } from '../files'
import { READ_LIMITS, readRegularText } from '../input-files'
import { confinedPath, type PickedPaths } from '../paths'
import { frameHop } from './grid'
import { DEFAULT_KEEP_VERSIONS, HISTORY_DIR, History, sha256 } from './history'
import { processAlive } from './lock'
import { probeDuration } from './probe'
import { mediaKindOf } from '../media-types'
import {
  LABELS_DIR,
  LabelFileSchema,
  MANIFEST_FILE,
  newManifest,
  parseManifest,
  type LabelFile,
  type Manifest,
  type MediaRecord,
} from './manifest'

/** Saved predictions, one per media file (engine/project/models.ts writes them). */
export const PREDICTIONS_DIR = 'predictions'

/**
 * A file's place in the labelling loop, as the sidebar shows it: reviewed (the user said so)
 * over labelled (has segments) over predicted (a model's prediction is saved, nothing labelled
 * yet: a candidate to accept and correct) over unlabelled.
 */
export function mediaStatus(segmentCount: number, predicted: boolean, reviewed: boolean): MediaStatus {
  if (reviewed) return 'reviewed'
  if (segmentCount > 0) return 'labelled'
  return predicted ? 'predicted' : 'unlabelled'
}

/** Derived data (rebuilt when missing), kept out of the user's own files. */
const CACHE_DIR = '.framewise-cache'

export class Project {
  /** Tail of the write queue per file, so concurrent saves land in order. */
  readonly #writes = new Map<string, Promise<unknown>>()
  /** sha256 of each file (absolute path) as last read out or written by this store. */
  readonly #seen = new Map<string, string>()
  /** sha256 of the last few texts this store wrote per file: a watcher event that reads a
   * file between two quick saves sees an older own write, not an outside change. */
  readonly #written = new Map<string, string[]>()
  /** When set, media outside the project folder must have been picked by the user (paths.ts). */
  #picked: PickedPaths | null = null
  /** What view() needs of each label file (absolute path), with the file's identity when read. */
  readonly #summaries = new Map<string, LabelSummary>()

  private constructor(
    /** Absolute project folder. */
    readonly dir: string,
    private manifest: Manifest,
    manifestText: string,
  ) {
    this.#seen.set(path.join(dir, MANIFEST_FILE), sha256(manifestText))
  }

  /** Stored versions of label files and the manifest. */
  get history(): History {
    return new History(this.dir, this.manifest.keepVersions ?? DEFAULT_KEEP_VERSIONS)
  }

  /** Create a project in `dir` (created if missing; must not already hold a project). */
  static async create(dir: string, name?: string): Promise<Project> {
    const abs = path.resolve(dir)
    await fs.mkdir(abs, { recursive: true })
    const manifestPath = path.join(abs, MANIFEST_FILE)
    if (await exists(manifestPath))
      throw new ApiError('bad-input', `${manifestPath}: a project already exists here; open it instead`)
    const manifest = newManifest(name ?? path.basename(abs))
    const project = new Project(abs, manifest, manifestText(manifest))
    await project.saveManifest()
    return project
  }

  /** Open the project in `dir`; a missing, corrupt or too-new manifest is a clear error. */
  static async open(dir: string): Promise<Project> {
    const abs = path.resolve(dir)
    const manifestPath = path.join(abs, MANIFEST_FILE)
    let text: string
    try {
      text = await readManifestText(abs)
    } catch (err) {
      if (isMissing(err)) throw new ApiError('bad-input', `${manifestPath}: no Framewise project here (framewise.json is missing)`)
      throw err
    }
    return new Project(abs, parseManifestFile(manifestPath, text), text)
  }

  /**
   * Confine media reads to the project folder plus the files in `picked`; files named in
   * addMedia are added to `picked` (the user chose them). The app does this; the CLI, run on a
   * project the user named, does not.
   */
  confine(picked: PickedPaths): void {
    this.#picked = picked
  }

  /**
   * Delete temp files that writes killed mid-way left behind (`.<name>.<pid>.<hex>.tmp`, see
   * files.ts) in the project, labels and history folders, when their process is gone. Call it
   * only while holding the project lock. Returns how many were removed.
   */
  async removeStaleTemps(): Promise<number> {
    const dirs = [this.dir, path.join(this.dir, LABELS_DIR)]
    const historyRoot = path.join(this.dir, HISTORY_DIR)
    for (const d of await fs.readdir(historyRoot).catch(() => [] as string[])) dirs.push(path.join(historyRoot, d))
    let removed = 0
    for (const dir of dirs)
      for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
        const pid = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name)?.[1]
        if (pid && !processAlive(Number(pid))) {
          await fs.rm(path.join(dir, name), { force: true })
          removed++
        }
      }
    return removed
  }

  /** Re-read framewise.json after an external change (the user chose "reload"). */
  async reload(): Promise<void> {
    const file = path.join(this.dir, MANIFEST_FILE)
    await this.serialise(file, async () => {
      const text = await readManifestText(this.dir)
      this.manifest = parseManifestFile(file, text)
      this.#seen.set(file, sha256(text))
    })
  }

  /** Write this store's manifest over an externally changed one (the user chose "keep"). */
  keepManifest(): Promise<void> {
    return this.replaceManifest(structuredClone(this.manifest), true)
  }

  /**
   * Report changes made to framewise.json or a label file by another program while the
   * project is open. Returns the function that stops watching.
   */
  watch(listener: (change: ExternalChange) => void): () => void {
    const watchers: FSWatcher[] = []
    const timers = new Map<string, NodeJS.Timeout>()
    const check = (file: string) => {
      clearTimeout(timers.get(file))
      timers.set(
        file,
        setTimeout(() => {
          timers.delete(file)
          void this.externalChange(file).then((c) => c && listener(c), () => {})
        }, 50),
      )
    }
    const watchDir = (dir: string) => {
      try {
        const w = fsWatch(dir, (_, name) => name && !name.startsWith('.') && check(path.join(dir, name.toString())))
        w.on('error', () => w.close())
        w.unref() // watching never keeps a process alive (tests, CLI)
        watchers.push(w)
      } catch {
        // a folder that cannot be watched still gets the check before every write
      }
    }
    watchDir(this.dir)
    // The labels folder appears with the first save; make it now so it can be watched.
    const labelsDir = path.join(this.dir, LABELS_DIR)
    try {
      mkdirSync(labelsDir, { recursive: true })
    } catch {
      // unwritable project: nothing will be saved there either
    }
    watchDir(labelsDir)
    return () => {
      for (const w of watchers) w.close()
      for (const t of timers.values()) clearTimeout(t)
    }
  }

  #remember(file: string, hash: string): void {
    this.#written.set(file, [...(this.#written.get(file) ?? []).slice(-3), hash])
  }

  /**
   * Write `value` (serialised as `text`) to `file`, noted as this store's own before the rename
   * so the watcher does not report it. When the write fails and the file does not hold `text`
   * (the fault came before the rename), the note is undone, so the next save is not taken for
   * a change by another program.
   */
  async #write(file: string, text: string, value: unknown): Promise<void> {
    const seen = this.#seen.get(file)
    this.#seen.set(file, sha256(text))
    this.#remember(file, sha256(text))
    try {
      await writeJsonAtomic(file, value)
    } catch (err) {
      if ((await readRegularText(file, Buffer.byteLength(text)).catch(() => null)) !== text) {
        if (seen === undefined) this.#seen.delete(file)
        else this.#seen.set(file, seen)
      }
      throw err
    }
  }

  /** The change to `file` since this store last saw it, or null (unchanged, or not ours). */
  private async externalChange(file: string): Promise<ExternalChange | null> {
    const manifestFile = path.join(this.dir, MANIFEST_FILE)
    const record = this.manifest.media.find((m) => path.join(this.dir, m.labels) === file)
    if (file !== manifestFile && !record) return null
    const seen = this.#seen.get(file)
    const text = await readRegularText(file, file === manifestFile ? READ_LIMITS.manifest : READ_LIMITS.labels).catch(() => null)
    if (text === null ? seen === undefined : sha256(text) === seen || this.#written.get(file)?.includes(sha256(text))) return null
    this.#summaries.delete(file)
    if (seen === undefined && record) return null // labels the page has not loaded yet
    return { kind: record ? 'labels' : 'manifest', media: record?.path ?? null, file, deleted: text === null }
  }

  get classes(): readonly LabelClass[] {
    return this.manifest.classes
  }

  get media(): readonly MediaRecord[] {
    return this.manifest.media
  }

  /** The manifest as stored (a copy). */
  toJSON(): Manifest {
    return structuredClone(this.manifest)
  }

  async view(): Promise<ProjectView> {
    const media = await Promise.all(
      this.manifest.media.map(async (m) => {
        // One damaged label file must not keep the whole project from opening.
        const summary = await this.labelSummary(m)
        const labels = { segmentCount: summary.segmentCount, problem: (summary.error as Error | undefined)?.message }
        // Media the page may not reach (outside the project, not picked) say so up front.
        let unreachable: string | undefined
        try {
          this.mediaPath(m.path)
        } catch (err) {
          unreachable = (err as Error).message
        }
        const problem = [labels.problem, unreachable].filter(Boolean).join('; ')
        const duration = unreachable ? null : await probeDuration(this.mediaPath(m.path), m.kind, this.cacheDir('peaks'))
        const predicted = await fs.stat(this.predictionPath(m)).then(
          () => true,
          () => false,
        )
        return {
          id: m.path,
          path: m.path,
          kind: m.kind,
          segmentCount: labels.segmentCount,
          status: mediaStatus(labels.segmentCount, predicted, m.reviewed === true),
          ...(predicted ? { predicted } : {}),
          ...(m.reviewed ? { reviewed: true } : {}),
          ...(duration !== null ? { duration } : {}),
          ...(m.clipClass ? { clipClass: m.clipClass } : {}),
          ...(problem ? { problem } : {}),
        }
      }),
    )
    const frame = frameHop(this.manifest.features)
    return { dir: this.dir, name: this.manifest.name, classes: structuredClone(this.manifest.classes), media, frameHop: frame }
  }

  /**
   * Absolute path of a media file of this project; once confined, refused when `..` or a
   * symlink leads outside the project folder to a file the user did not pick.
   */
  mediaPath(id: string): string {
    const rel = this.record(id).path
    if (!this.#picked) return path.resolve(this.dir, rel)
    const abs = confinedPath(this.dir, rel, this.#picked)
    if (!abs)
      throw new ApiError(
        'bad-input',
        `${path.resolve(this.dir, rel)}: outside the project folder and not picked by you in this session; add it again (Add file) to allow it`,
      )
    return abs
  }

  /** A folder for derived data (peaks, features) inside the project: safe to delete. */
  cacheDir(kind: 'peaks' | 'features'): string {
    return path.join(this.dir, CACHE_DIR, kind)
  }

  /** Add media files; already-present files are skipped, unsupported or missing ones refused. */
  async addMedia(paths: string[]): Promise<void> {
    const next = structuredClone(this.manifest)
    const taken = new Set(next.media.map((m) => m.labels))
    for (const p of paths) {
      const abs = path.resolve(this.dir, p)
      const kind = mediaKindOf(abs)
      if (!kind) throw new ApiError('bad-input', `${abs}: unsupported file type (Framewise opens WAV, FLAC, MP3, OGG and CSV)`)
      const stat = await fs.stat(abs).catch(() => null)
      if (!stat?.isFile()) throw new ApiError('bad-input', `${abs}: no such file`)
      this.#picked?.add(abs)
      const rel = toPosix(path.relative(this.dir, abs))
      if (next.media.some((m) => m.path === rel)) continue
      const labels = uniqueLabelFile(path.basename(abs, path.extname(abs)), taken)
      taken.add(labels)
      next.media.push({ path: rel, kind, labels })
    }
    await this.replaceManifest(next)
  }

  /** Replace the label classes. Classes still used by saved labels cannot be removed. */
  async setClasses(classes: LabelClass[]): Promise<void> {
    const names = new Set(classes.map((c) => c.name))
    for (const m of this.manifest.media) {
      const summary = await this.labelSummary(m)
      if (summary.error) throw summary.error
      const used = summary.used.find((label) => !names.has(label))
      if (used)
        throw new ApiError('bad-input', `class '${used}' is still used by the labels of ${m.path}; relabel those segments first`)
    }
    await this.replaceManifest({ ...structuredClone(this.manifest), classes: structuredClone(classes) })
  }

  /** Mark one media file's labels as checked by the user, or not. */
  async setReviewed(id: string, reviewed: boolean): Promise<void> {
    const next = structuredClone(this.manifest)
    const record = next.media.find((m) => m.path === this.record(id).path)!
    if (reviewed) record.reviewed = true
    else delete record.reviewed
    await this.replaceManifest(next)
  }

  /** Where the saved prediction of a media file lives (predictions/<stem>.prediction.json). */
  predictionPath(record: MediaRecord): string {
    return path.join(this.dir, PREDICTIONS_DIR, path.basename(record.labels).replace(/\.labels\.json$/, '.prediction.json'))
  }

  /** Set (or clear, with null) the file-level clip class of one media file. */
  async setClipClass(id: string, clipClass: string | null): Promise<void> {
    const next = structuredClone(this.manifest)
    const record = next.media.find((m) => m.path === this.record(id).path)!
    if (clipClass === null) delete record.clipClass
    else record.clipClass = clipClass
    await this.replaceManifest(next)
  }

  /** The labels of one media file as on disk now (the page's "reload"). */
  async readLabels(id: string): Promise<LabelsView> {
    const record = this.record(id)
    const { labels, text } = await this.readLabelText(record)
    if (text !== null) this.#seen.set(this.labelPath(record), sha256(text))
    else this.#seen.delete(this.labelPath(record))
    return { media: id, segments: labels.segments, revision: labels.revision }
  }

  /**
   * Save all segments of one media file. `baseRevision` must be the revision the caller last
   * read or saved, and the file must not have been changed by another program since this store
   * last read or wrote it, so no edit made elsewhere is silently overwritten. `force` (the
   * user chose to keep their version) skips both checks; the version on disk is kept in the
   * history either way. Acknowledged means durable: the file is fsynced and renamed in place.
   */
  async writeLabels(id: string, segments: Segment[], baseRevision: number, force = false): Promise<LabelsView> {
    const record = this.record(id)
    const names = new Set(this.manifest.classes.map((c) => c.name))
    const unknown = segments.find((s) => !names.has(s.label))
    if (unknown) throw new ApiError('bad-input', `${record.path}: unknown label class '${unknown.label}'`)
    const file = this.labelPath(record)
    return this.serialise(file, async () => {
      let current: { labels: LabelFile; text: string | null }
      try {
        current = await this.readLabelText(record)
      } catch (err) {
        if (!force) throw err
        // Damaged on disk and the user keeps their version: continue after the newest stored one.
        const newest = (await this.history.list(record.labels))[0]
        const text = await readRegularText(file, READ_LIMITS.labels).catch(() => null)
        current = { labels: emptyLabels(record, newest?.revision ?? 0), text }
      }
      const { labels, text } = current
      const seen = this.#seen.get(file)
      if (!force && labels.revision !== baseRevision)
        throw new ApiError('conflict', `${file}: labels changed since revision ${baseRevision} (now ${labels.revision}); reload them`)
      if (!force && seen !== undefined && (text === null || sha256(text) !== seen))
        throw new ApiError(
          'conflict',
          `${file}: changed on disk by another program since Framewise last read it; reload it, or keep your version (save with force)`,
        )
      // Not read in this process (e.g. after a restart): every version Framewise writes is also
      // stored, so a file matching none of them was written by someone else.
      if (!force && seen === undefined && text !== null && !(await this.history.holds(record.labels, text)))
        throw new ApiError(
          'conflict',
          `${file}: changed on disk by another program (it matches none of the versions Framewise saved); reload it, or keep your version (save with force)`,
        )
      // Whatever is on disk now is kept (a no-op when it is the newest stored version already).
      if (text !== null) await this.history.save(record.labels, text, labels.revision)
      const sorted = [...segments].sort((a, b) => a.start - b.start || a.end - b.end)
      const next: LabelFile = { format: 'framewise-labels', version: 1, media: record.path, revision: labels.revision + 1, segments: sorted }
      const nextText = JSON.stringify(next, null, 2) + '\n'
      await fs.mkdir(path.dirname(file), { recursive: true })
      // The history first: a crash between the two leaves a stored version that never reached the
      // label file (harmless), never a label file that matches no stored version.
      await this.history.save(record.labels, nextText, next.revision)
      await this.#write(file, nextText, next)
      const key = await fileKey(file)
      if (key) this.#summaries.set(file, { key, segmentCount: sorted.length, used: [...new Set(sorted.map((s) => s.label))] })
      return { media: id, segments: sorted, revision: next.revision }
    })
  }

  /** The stored versions of a media file's labels, and whether the file itself is readable. */
  async labelVersions(id: string): Promise<LabelVersions> {
    const record = this.record(id)
    const problem = await this.readLabelText(record).then(
      () => null,
      (err: Error) => err.message,
    )
    return { media: id, file: this.labelPath(record), problem, versions: await this.history.list(record.labels) }
  }

  /** Make a stored version the current labels (a new revision; the current file is kept too). */
  async restoreLabels(id: string, version: string): Promise<LabelsView> {
    const record = this.record(id)
    const text = await this.history.read(record.labels, version)
    if (text === null) throw new ApiError('bad-input', `${this.labelPath(record)}: no stored version ${version}`)
    const parsed = parseLabelText(path.join(this.history.folder(record.labels), version), text)
    const base = await this.readLabelText(record).then(
      (c) => c.labels.revision,
      () => 0,
    )
    return this.writeLabels(id, parsed.segments, base, true)
  }

  private record(id: string): MediaRecord {
    const record = this.manifest.media.find((m) => m.path === id)
    if (!record) throw new ApiError('bad-input', `${id}: not a media file of this project`)
    return record
  }

  /** The label file of a record; never outside the project (a manifest can be hostile). */
  private labelPath(record: MediaRecord): string {
    const file = confinedPath(this.dir, record.labels)
    if (!file || !record.labels.endsWith('.json'))
      throw new ApiError('bad-input', `${path.join(this.dir, MANIFEST_FILE)}: label file ${record.labels} is outside the project folder or not .json`)
    return file
  }

  /**
   * A label file's segment count and the classes it uses (or why it cannot be read), read again
   * only when the file changed on disk since (its identity: inode, size, mtime, ctime), so a
   * large label file is not parsed on every view.
   */
  private async labelSummary(record: MediaRecord): Promise<Omit<LabelSummary, 'key'>> {
    let file: string
    try {
      file = this.labelPath(record)
    } catch (error) {
      return { segmentCount: 0, used: [], error }
    }
    const key = await fileKey(file)
    const cached = this.#summaries.get(file)
    if (key !== null && cached?.key === key) return cached
    // Taken before the read: a change during it makes the next view read again.
    const summary: LabelSummary = await this.readLabelText(record).then(
      ({ labels }) => ({ key: key ?? '', segmentCount: labels.segments.length, used: [...new Set(labels.segments.map((s) => s.label))] }),
      (error: unknown) => ({ key: key ?? '', segmentCount: 0, used: [], error }),
    )
    if (key !== null) this.#summaries.set(file, summary)
    else this.#summaries.delete(file)
    return summary
  }

  /** The parsed label file and its text (null when it does not exist yet). */
  private async readLabelText(record: MediaRecord): Promise<{ labels: LabelFile; text: string | null }> {
    const file = this.labelPath(record)
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
      const count = (await this.history.list(record.labels)).length
      const recovery = count
        ? `; ${count} earlier version${count === 1 ? ' is' : 's are'} kept: restore one (Label history)`
        : '; no earlier versions are kept'
      throw new ApiError('corrupt', `${(err as Error).message}${recovery}`)
    }
  }

  /**
   * Write `next` as the manifest. Refused ('conflict') when framewise.json changed on disk since
   * this store read or wrote it, unless `force`; the disk version is kept in the history.
   */
  private async replaceManifest(next: Manifest, force = false): Promise<void> {
    const file = path.join(this.dir, MANIFEST_FILE)
    await this.serialise(file, async () => {
      // Missing is written anew; anything else unreadable (a FIFO, a link out) is not overwritten.
      const disk = await readManifestText(this.dir).catch((err: unknown) => {
        if (isMissing(err)) return null
        throw err
      })
      if (disk !== null && sha256(disk) !== this.#seen.get(file)) {
        if (!force)
          throw new ApiError(
            'conflict',
            `${file}: changed on disk by another program since Framewise opened it; reload the project or keep this version`,
          )
        await this.history.save(MANIFEST_FILE, disk, 0)
      }
      const text = manifestText(next)
      const failed = await this.#write(file, text, next).then(
        () => null,
        (err: unknown) => err,
      )
      if (this.#seen.get(file) === sha256(text)) this.manifest = next // on disk, even when not confirmed durable
      if (failed) throw failed
    })
  }

  private saveManifest(): Promise<void> {
    return writeJsonAtomic(path.join(this.dir, MANIFEST_FILE), this.manifest)
  }

  private serialise<T>(file: string, work: () => Promise<T>): Promise<T> {
    const run = (this.#writes.get(file) ?? Promise.resolve()).then(work, work)
    this.#writes.set(file, run.catch(() => {}))
    return run
  }
}

/** What view() and setClasses need of one label file. */
interface LabelSummary {
  /** fileKey of the file when it was read. */
  key: string
  segmentCount: number
  /** Class names its segments use. */
  used: string[]
  /** Why it cannot be read, when it cannot. */
  error?: unknown
}

/** A regular file's identity and version (changes with any write or replace), or null. */
async function fileKey(file: string): Promise<string | null> {
  const s = await fs.stat(file, { bigint: true }).catch(() => null)
  return s?.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : null
}

/** The text writeJsonAtomic writes for a manifest (so its hash is known before the write). */
function manifestText(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n'
}

/**
 * The text of `dir`'s framewise.json: a regular file inside the project (a symlink out of it is
 * refused before anything is read, so no message can quote a file elsewhere), within its size
 * limit.
 */
async function readManifestText(dir: string): Promise<string> {
  const file = path.join(dir, MANIFEST_FILE)
  if (!confinedPath(dir, MANIFEST_FILE))
    throw new ApiError('bad-input', `${file}: links to a file outside the project folder; framewise.json must be a file inside it`)
  return readRegularText(file, READ_LIMITS.manifest)
}

function parseManifestFile(file: string, text: string): Manifest {
  try {
    return parseManifest(text)
  } catch (err) {
    throw new ApiError('bad-input', `${file}: ${printable((err as Error).message, 300)}`)
  }
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
    throw new ApiError('bad-input', `${file}: not valid JSON (${printable((err as Error).message, 200)})`)
  }
  const parsed = LabelFileSchema.safeParse(raw)
  if (!parsed.success)
    throw new ApiError('bad-input', `${file}: invalid label file: ${printable(parsed.error.issues[0]?.message ?? '', 200)}`)
  return parsed.data
}

function uniqueLabelFile(stem: string, taken: Set<string>): string {
  const safe = stem.replace(/[^\p{L}\p{N}._ -]/gu, '_') || 'media'
  for (let n = 1; ; n++) {
    const name = `${LABELS_DIR}/${safe}${n === 1 ? '' : `-${n}`}.labels.json`
    if (!taken.has(name)) return name
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  )
}
