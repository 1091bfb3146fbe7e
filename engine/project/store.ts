/**
 * A project on disk: open/create, the manifest (media list, label classes), and the parts it
 * composes: one label file per media file (labels-store.ts), the bookkeeping that tells the
 * store's own writes from other programs' (changes.ts) and the folder watcher (watcher.ts).
 * Every write is atomic (files.ts); writes to one file are serialised; a manifest that could
 * not be read is never written. Each label file's last versions are kept (history.ts).
 *
 * External changes: the store remembers the sha256 of each file as it last handed it out or
 * wrote it; a save over a file that changed on disk since then is refused ('conflict') unless
 * the caller says to keep its own version (`force`), and even then the disk version goes into
 * the history first. `watch()` reports such changes as they happen.
 */
import { promises as fs } from 'node:fs'
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
  type Tier,
} from '../api'
import { isMissing, printable } from '../errors'
import { toPosix, writeJsonAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { confinedPath, isInside, realPath, type PickedPaths } from '../io/confined-paths'
import { FileChanges } from './changes'
import { gridHops } from './grid'
import { DEFAULT_KEEP_VERSIONS, HISTORY_DIR, History, sha256 } from './history'
import { isTierList, withSegments } from '../labels/tiers'
import { LabelStore, type TierUpdate } from './labels-store'
import { processAlive } from './lock'
import { probeMedia } from './probe'
import { ProbeCache } from './probe-cache'
import { mediaKindOf } from '../media/kinds'
import {
  FORMAT_VERSION,
  LABELS_DIR,
  MANIFEST_FILE,
  newManifest,
  parseManifest,
  type Manifest,
  type MediaRecord,
} from './manifest'
import { watchProject } from './watcher'

/** Saved predictions, one per media file (engine/project/predictions.ts writes them). */
export const PREDICTIONS_DIR = 'predictions'

/**
 * A file's place in the labelling loop, as the sidebar shows it: reviewed (the user said so)
 * over labelled (has segments) over predicted (a model's prediction is saved, nothing labelled
 * yet: a candidate to accept and correct) over unlabelled.
 */
export function mediaStatus(
  segmentCount: number,
  predicted: boolean,
  reviewed: boolean,
): MediaStatus {
  if (reviewed) return 'reviewed'
  if (segmentCount > 0) return 'labelled'
  return predicted ? 'predicted' : 'unlabelled'
}

/** Derived data (rebuilt when missing), kept out of the user's own files. */
const CACHE_DIR = '.framewise-cache'
/** In CACHE_DIR: header probes kept between sessions (probe-cache.ts). */
const PROBE_CACHE_FILE = 'probes.json'

export class Project {
  /** Hashes of the files as this store last saw them, and the write queue per file. */
  readonly #changes = new FileChanges()
  /** When set, media outside the project folder must have been picked by the user (paths.ts). */
  #picked: PickedPaths | null = null
  readonly #labels: LabelStore
  /** Header probes kept between sessions, loaded by the first view. */
  #probes: Promise<ProbeCache> | undefined

  private constructor(
    /** Absolute project folder. */
    readonly dir: string,
    private manifest: Manifest,
    manifestText: string,
  ) {
    this.#changes.saw(path.join(dir, MANIFEST_FILE), manifestText)
    this.#labels = new LabelStore(this, this.#changes)
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
      throw new ApiError(
        'bad-input',
        `${manifestPath}: a project already exists here; open it instead`,
      )
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
      if (isMissing(err))
        throw new ApiError(
          'bad-input',
          `${manifestPath}: no Framewise project here (framewise.json is missing)`,
        )
      throw err
    }
    return new Project(abs, parseManifestFile(manifestPath, text), text)
  }

  /**
   * Confine media reads to the project folder plus what `picked` grants; files outside the
   * folder named in addMedia are added to `picked` (the user chose them). The app does this; the
   * CLI, run on a project the user named, does not.
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
    for (const d of await fs.readdir(historyRoot).catch(() => [] as string[]))
      dirs.push(path.join(historyRoot, d))
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
    await this.#changes.serialise(file, async () => {
      const text = await readManifestText(this.dir)
      this.manifest = parseManifestFile(file, text)
      this.#changes.saw(file, text)
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
    return watchProject(this.dir, (file) => this.externalChange(file), listener)
  }

  /** The change to `file` since this store last saw it, or null (unchanged, or not ours). */
  private async externalChange(file: string): Promise<ExternalChange | null> {
    const manifestFile = path.join(this.dir, MANIFEST_FILE)
    const record = this.manifest.media.find((m) => path.join(this.dir, m.labels) === file)
    if (file !== manifestFile && !record) return null
    const limit = file === manifestFile ? READ_LIMITS.manifest : READ_LIMITS.labels
    return this.#changes.externalChange(file, record, limit, (f) => this.#labels.forget(f))
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
    // One listing of the saved predictions instead of a stat per file (2,000 files: 2,000 stats).
    const predictions = new Set(
      await fs.readdir(path.join(this.dir, PREDICTIONS_DIR)).catch(() => [] as string[]),
    )
    this.#probes ??= ProbeCache.load(path.join(this.dir, CACHE_DIR, PROBE_CACHE_FILE))
    const probes = await this.#probes
    const media = await mapLimited(this.manifest.media, VIEW_CONCURRENCY, async (m) => {
      // One damaged label file must not keep the whole project from opening.
      const summary = await this.#labels.summary(m)
      const labels = {
        segmentCount: summary.segmentCount,
        problem: (summary.error as Error | undefined)?.message,
      }
      // Media the page may not reach (outside the project, not picked) say so up front.
      let unreachable: string | undefined
      try {
        this.mediaPath(m.path)
      } catch (err) {
        unreachable = (err as Error).message
      }
      const problem = [labels.problem, unreachable].filter(Boolean).join('; ')
      const probe = unreachable
        ? null
        : await probeMedia(this.mediaPath(m.path), m.kind, this.cacheDir('peaks'), probes)
      const duration = probe?.duration ?? null
      const predicted = predictions.has(path.basename(this.predictionPath(m)))
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
        ...(probe?.warnings.length ? { notes: probe.warnings } : {}),
        ...(m.seriesRate !== undefined ? { seriesRate: m.seriesRate } : {}),
        ...(problem ? { problem } : {}),
      }
    })
    await probes.save()
    const frame = gridHops(this.manifest.features)
    return {
      dir: this.dir,
      name: this.manifest.name,
      classes: structuredClone(this.manifest.classes),
      media,
      frameHop: frame,
    }
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
        `${path.resolve(this.dir, rel)}: outside the project folder and not granted by you; add it again (Add file) or grant its folder to allow it`,
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
      if (!kind)
        throw new ApiError(
          'bad-input',
          `${abs}: unsupported file type (Framewise opens WAV, FLAC, MP3, OGG and CSV)`,
        )
      const stat = await fs.stat(abs).catch(() => null)
      if (!stat?.isFile()) throw new ApiError('bad-input', `${abs}: no such file`)
      if (!isInside(realPath(this.dir), realPath(abs))) this.#picked?.add(abs)
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
      const summary = await this.#labels.summary(m)
      if (summary.error) throw summary.error
      const used = summary.used.find((label) => !names.has(label))
      if (used)
        throw new ApiError(
          'bad-input',
          `class '${used}' is still used by the labels of ${m.path}; relabel those segments first`,
        )
    }
    await this.replaceManifest({
      ...structuredClone(this.manifest),
      classes: structuredClone(classes),
    })
  }

  /** Mark one media file's labels as checked by the user, or not. */
  async setReviewed(id: string, reviewed: boolean): Promise<void> {
    const next = structuredClone(this.manifest)
    const record = next.media.find((m) => m.path === this.record(id).path)!
    if (reviewed) record.reviewed = true
    else delete record.reviewed
    await this.replaceManifest(next)
  }

  /** Set (rows per second) or clear (null) the rate of a CSV series without a time column. */
  async setSeriesRate(id: string, rate: number | null): Promise<void> {
    const next = structuredClone(this.manifest)
    const record = next.media.find((m) => m.path === this.record(id).path)!
    if (record.kind !== 'series')
      throw new ApiError(
        'bad-input',
        `${record.path}: not a CSV time series; only those take a rate`,
      )
    if (rate === null) delete record.seriesRate
    else record.seriesRate = rate
    await this.replaceManifest(next)
  }

  /** The rate the user gave a CSV series without a time column, if any (media/series/csv.ts). */
  seriesRate(id: string): number | undefined {
    return this.record(id).seriesRate
  }

  /** Where the saved prediction of a media file lives (predictions/<stem>.prediction.json). */
  predictionPath(record: MediaRecord): string {
    return path.join(
      this.dir,
      PREDICTIONS_DIR,
      path.basename(record.labels).replace(/\.labels\.json$/, '.prediction.json'),
    )
  }

  /** Set (or clear, with null) the file-level clip class of one media file. */
  async setClipClass(id: string, clipClass: string | null): Promise<void> {
    const next = structuredClone(this.manifest)
    const record = next.media.find((m) => m.path === this.record(id).path)!
    if (clipClass === null) delete record.clipClass
    else record.clipClass = clipClass
    await this.replaceManifest(next)
  }

  /**
   * Set (or clear, with null) the source group of one media file (site, recorder, individual,
   * session), which `groupBy: 'manifest'` keeps on one side of the validation split.
   */
  async setGroup(id: string, group: string | null): Promise<void> {
    const next = structuredClone(this.manifest)
    const record = next.media.find((m) => m.path === this.record(id).path)!
    if (group === null || group.trim() === '') delete record.group
    else record.group = group.trim()
    await this.replaceManifest(next)
  }

  /** The labels of one media file as on disk now (the page's "reload"). */
  async readLabels(id: string): Promise<LabelsView> {
    return this.#labels.read(this.record(id))
  }

  /**
   * Save the labels of one media file: every tier, or (segments) the segments of one tier
   * (`tier`, default the first exclusive one; the others stay as on disk). Refused ('conflict')
   * when `baseRevision` is stale or the file changed on disk, unless `force`; acknowledged means
   * durable (LabelStore.write).
   */
  async writeLabels(
    id: string,
    labels: Tier[] | Segment[] | { segments: Segment[]; tier?: string },
    baseRevision: number,
    force = false,
  ): Promise<LabelsView> {
    // label files with tiers are format 2: the manifest says so first, so that a Framewise of
    // before tiers refuses the project clearly instead of taking the label files for damaged
    if (this.manifest.version < FORMAT_VERSION) await this.upgradeManifest()
    const update: TierUpdate = Array.isArray(labels)
      ? isTierList(labels)
        ? labels
        : (current) => withSegments(current, labels)
      : (current) => withSegments(current, labels.segments, labels.tier)
    return this.#labels.write(this.record(id), update, baseRevision, force)
  }

  /** The stored versions of a media file's labels, and whether the file itself is readable. */
  async labelVersions(id: string): Promise<LabelVersions> {
    return this.#labels.versions(this.record(id))
  }

  /** Make a stored version the current labels (a new revision; the current file is kept too). */
  async restoreLabels(id: string, version: string): Promise<LabelsView> {
    const { tiers, revision } = await this.#labels.stored(this.record(id), version)
    return this.writeLabels(id, tiers, revision, true)
  }

  private record(id: string): MediaRecord {
    const record = this.manifest.media.find((m) => m.path === id)
    if (!record) throw new ApiError('bad-input', `${id}: not a media file of this project`)
    return record
  }

  /**
   * Write `next` as the manifest. Refused ('conflict') when framewise.json changed on disk since
   * this store read or wrote it, unless `force`; the disk version is kept in the history.
   */
  private async replaceManifest(next: Manifest, force = false): Promise<void> {
    const file = path.join(this.dir, MANIFEST_FILE)
    await this.#changes.serialise(file, async () => {
      // Missing is written anew; anything else unreadable (a FIFO, a link out) is not overwritten.
      const disk = await readManifestText(this.dir).catch((err: unknown) => {
        if (isMissing(err)) return null
        throw err
      })
      if (disk !== null && sha256(disk) !== this.#changes.seen(file)) {
        if (!force)
          throw new ApiError(
            'conflict',
            `${file}: changed on disk by another program since Framewise opened it; reload the project or keep this version`,
          )
        await this.history.save(MANIFEST_FILE, disk, 0)
      }
      const text = manifestText(next)
      const failed = await this.#changes.write(file, text, next).then(
        () => null,
        (err: unknown) => err,
      )
      if (this.#changes.seen(file) === sha256(text)) this.manifest = next // on disk, even when not confirmed durable
      if (failed) throw failed
    })
  }

  /** Raise framewise.json to this build's format, keeping the version it was in the history. */
  private async upgradeManifest(): Promise<void> {
    const disk = await readManifestText(this.dir).catch(() => null)
    if (disk !== null) await this.history.save(MANIFEST_FILE, disk, 0)
    await this.replaceManifest({ ...structuredClone(this.manifest), version: FORMAT_VERSION })
  }

  private saveManifest(): Promise<void> {
    return writeJsonAtomic(path.join(this.dir, MANIFEST_FILE), this.manifest)
  }
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
/**
 * Files whose label summary and header the project view reads at a time: enough to keep
 * libuv's 4 threads busy, and far under the open-file limit (Promise.all over 2,000 files opened
 * them all at once).
 */
const VIEW_CONCURRENCY = 32

/** `f` over `items` with at most `limit` calls in flight; results in the items' order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return out
}

async function readManifestText(dir: string): Promise<string> {
  const file = path.join(dir, MANIFEST_FILE)
  if (!confinedPath(dir, MANIFEST_FILE))
    throw new ApiError(
      'bad-input',
      `${file}: links to a file outside the project folder; framewise.json must be a file inside it`,
    )
  return readRegularText(file, READ_LIMITS.manifest)
}

function parseManifestFile(file: string, text: string): Manifest {
  try {
    return parseManifest(text)
  } catch (err) {
    throw new ApiError('bad-input', `${file}: ${printable((err as Error).message, 300)}`)
  }
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
