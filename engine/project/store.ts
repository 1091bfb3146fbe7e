/**
 * A project on disk: open/create, media list, label classes, one label file per media file.
 * Every write is atomic (files.ts); writes to one file are serialised; a manifest that could
 * not be read is never written.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ApiError, type LabelClass, type LabelsView, type ProjectView, type Segment } from '../api'
import { toPosix, writeJsonAtomic } from '../files'
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

const AUDIO_EXTENSIONS = new Set(['.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga'])
/** Derived data (rebuilt when missing), kept out of the user's own files. */
const CACHE_DIR = '.framewise-cache'
const SERIES_EXTENSIONS = new Set(['.csv', '.tsv'])

/** 'audio' | 'series' for a supported media path, or null. */
export function mediaKind(file: string): MediaRecord['kind'] | null {
  const ext = path.extname(file).toLowerCase()
  if (AUDIO_EXTENSIONS.has(ext)) return 'audio'
  if (SERIES_EXTENSIONS.has(ext)) return 'series'
  return null
}

export class Project {
  /** Tail of the write queue per file, so concurrent saves land in order. */
  readonly #writes = new Map<string, Promise<unknown>>()

  private constructor(
    /** Absolute project folder. */
    readonly dir: string,
    private manifest: Manifest,
  ) {}

  /** Create a project in `dir` (created if missing; must not already hold a project). */
  static async create(dir: string, name?: string): Promise<Project> {
    const abs = path.resolve(dir)
    await fs.mkdir(abs, { recursive: true })
    const manifestPath = path.join(abs, MANIFEST_FILE)
    if (await exists(manifestPath))
      throw new ApiError('bad-input', `${manifestPath}: a project already exists here; open it instead`)
    const project = new Project(abs, newManifest(name ?? path.basename(abs)))
    await project.saveManifest()
    return project
  }

  /** Open the project in `dir`; a missing, corrupt or too-new manifest is a clear error. */
  static async open(dir: string): Promise<Project> {
    const abs = path.resolve(dir)
    const manifestPath = path.join(abs, MANIFEST_FILE)
    let text: string
    try {
      text = await fs.readFile(manifestPath, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'no Framewise project here (framewise.json is missing)' : (err as Error).message
      throw new ApiError('bad-input', `${manifestPath}: ${why}`)
    }
    try {
      return new Project(abs, parseManifest(text))
    } catch (err) {
      throw new ApiError('bad-input', `${manifestPath}: ${(err as Error).message}`)
    }
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
      this.manifest.media.map(async (m) => ({
        id: m.path,
        path: m.path,
        kind: m.kind,
        segmentCount: (await this.readLabelFile(m)).segments.length,
      })),
    )
    return { dir: this.dir, name: this.manifest.name, classes: structuredClone(this.manifest.classes), media }
  }

  /** Absolute path of a media file of this project. */
  mediaPath(id: string): string {
    return path.resolve(this.dir, this.record(id).path)
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
      const kind = mediaKind(abs)
      if (!kind) throw new ApiError('bad-input', `${abs}: unsupported file type (Framewise opens WAV, FLAC, MP3, OGG and CSV)`)
      const stat = await fs.stat(abs).catch(() => null)
      if (!stat?.isFile()) throw new ApiError('bad-input', `${abs}: no such file`)
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
      const used = (await this.readLabelFile(m)).segments.find((s) => !names.has(s.label))
      if (used)
        throw new ApiError('bad-input', `class '${used.label}' is still used by the labels of ${m.path}; relabel those segments first`)
    }
    await this.replaceManifest({ ...structuredClone(this.manifest), classes: structuredClone(classes) })
  }

  async readLabels(id: string): Promise<LabelsView> {
    const file = await this.readLabelFile(this.record(id))
    return { media: id, segments: file.segments, revision: file.revision }
  }

  /**
   * Save all segments of one media file. `baseRevision` must be the revision the caller last
   * read or saved, so an edit made elsewhere in the meantime is never silently overwritten.
   */
  async writeLabels(id: string, segments: Segment[], baseRevision: number): Promise<LabelsView> {
    const record = this.record(id)
    const names = new Set(this.manifest.classes.map((c) => c.name))
    const unknown = segments.find((s) => !names.has(s.label))
    if (unknown) throw new ApiError('bad-input', `${record.path}: unknown label class '${unknown.label}'`)
    const file = path.join(this.dir, record.labels)
    return this.serialise(file, async () => {
      const current = await this.readLabelFile(record)
      if (current.revision !== baseRevision)
        throw new ApiError(
          'conflict',
          `${file}: labels changed since revision ${baseRevision} (now ${current.revision}); reload them`,
        )
      const sorted = [...segments].sort((a, b) => a.start - b.start || a.end - b.end)
      const next: LabelFile = { format: 'framewise-labels', version: 1, media: record.path, revision: current.revision + 1, segments: sorted }
      await fs.mkdir(path.dirname(file), { recursive: true })
      await writeJsonAtomic(file, next)
      return { media: id, segments: sorted, revision: next.revision }
    })
  }

  private record(id: string): MediaRecord {
    const record = this.manifest.media.find((m) => m.path === id)
    if (!record) throw new ApiError('bad-input', `${id}: not a media file of this project`)
    return record
  }

  private async readLabelFile(record: MediaRecord): Promise<LabelFile> {
    const file = path.join(this.dir, record.labels)
    let text: string
    try {
      text = await fs.readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return { format: 'framewise-labels', version: 1, media: record.path, revision: 0, segments: [] }
      throw new ApiError('bad-input', `${file}: ${(err as Error).message}`)
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (err) {
      throw new ApiError('bad-input', `${file}: not valid JSON (${(err as Error).message})`)
    }
    const parsed = LabelFileSchema.safeParse(raw)
    if (!parsed.success) throw new ApiError('bad-input', `${file}: invalid label file: ${parsed.error.issues[0]?.message}`)
    return parsed.data
  }

  private async replaceManifest(next: Manifest): Promise<void> {
    const file = path.join(this.dir, MANIFEST_FILE)
    await this.serialise(file, async () => {
      await writeJsonAtomic(file, next)
      this.manifest = next
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
