/**
 * The single implementation of the API contract: a handler per request, behind one `call`
 * that validates parameters (zod) and turns every failure into an ApiError envelope. Used by
 * electron/ipc.ts, server.ts and the CLI alike, so both transports behave identically.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import {
  ApiError,
  requestSchemas,
  type ProjectLabelImport,
  type ProjectView,
  type Envelope,
  type Events,
  type EventName,
  type Grants,
  type LabelFormatName,
  type RequestName,
  type Results,
  type Segment,
} from './api'
import { DataError, fileError } from './errors'
import { Gate } from './gate'
import { Jobs } from './jobs'
import { audioMime, mediaKindOf } from './media/kinds'
import { isInside, PickedPaths, realPath } from './io/confined-paths'
import { GrantStore } from './project/grants'
import { ProjectLock } from './project/lock'
import { Project } from './project/store'
import { evaluateModel } from './eval/evaluate'
import { selectClipItems, withSelection } from './eval/selection'
import { clipEvaluationView, evaluateClips } from './infer/clip'
import { isClipModel } from './onnx/clip'
import { clipItemsOfProject } from './train/clip-project'
import { exportModel, importModel, listModels, modelPath, renameModel } from './project/models'
import { exportRawAudioModel } from './project/raw-audio-export'
import { RecentProjects } from './project/recent'
import { predictMedia, readPrediction, setRejected } from './project/predictions'
import { trainProject } from './train/project'
import { RunStore } from './train/runs'
import { SETTING_EXCLUSIONS, TRAIN_DEFAULTS } from './train/settings'
import { previewLabelCsv } from './labels/csv'
import { exportFormat, exportLabelFile, importLabelFile } from './labels/import-export'
import { detectFormat, formatByName } from './labels/formats'
import { sortSegments } from './labels/segments'
import { tierOf } from './labels/tiers'
import { matchTableFiles, readTableFiles, requireTableFiles } from './labels/table-files'
import { decodeText } from './labels/text'
import { READ_LIMITS, readRegular } from './io/input-files'
import { spectrogramWindow } from './media/spectrogram'
import { featurePreview } from './features/preview'
import { parseFeatureSpec, PRESETS, type FeatureSpec } from './features/spec'
import { peaksWindow, seriesWindow } from './media/view-windows'
import { LABEL_FORMAT_FILES, LABEL_FORMATS } from './labels/format-list'

type Handlers = {
  [M in RequestName]: (params: z.output<(typeof requestSchemas)[M]>) => Promise<Results[M]>
}

export type EventSink = <E extends EventName>(event: E, ...args: Events[E]) => void

/**
 * How much Service.call takes on at once, over every transport. Each request may hold a label
 * file's segments, a decoded window or a parsed message while it runs, so requests run at
 * most `running` at a time and up to `waiting` more wait their turn; beyond that the answer is
 * 'busy' at once (many concurrent reads of a large label file would otherwise all be in
 * memory together).
 *
 * Training, prediction and evaluation run for minutes to hours and answer only when done:
 * counted with the rest, a few of them would hold every place the quick requests (getProject,
 * saveLabels, a spectrogram) need. So they have a line of their own (`jobs`, `jobsWaiting`)
 * and wait inside their job, where cancelJob reaches them. cancelJob itself never waits: it
 * must get through however busy the engine is.
 */
export const CALL_LIMITS = { running: 8, waiting: 64, jobs: 4, jobsWaiting: 32 }

const LONG_JOBS = new Set<string>(['train', 'predict', 'evaluate'])

export interface ServiceOptions {
  /**
   * URL the page plays a project media file from; each transport serves it its own way
   * (browser mode: server.ts's token-guarded `/media` route; Electron: the `framewise-media:`
   * protocol of electron/media.ts). Without it, playback is unavailable.
   */
  mediaUrl?: (id: string) => string
  /** CALL_LIMITS by default (tests shrink them). */
  limits?: Partial<typeof CALL_LIMITS>
}

export class Service {
  #project: Project | null = null
  /** This process's lock on the open project, and the watcher reporting external changes. */
  #lock: ProjectLock | null = null
  #unwatch: (() => void) | null = null
  /**
   * What outside its folder the user granted the open project (files named in addMedia, folders
   * granted whole), loaded from and saved to the user's grants file on every change.
   */
  #picked = new PickedPaths()
  #grantsProblem: string | undefined
  readonly #grants = new GrantStore()
  readonly #recent = new RecentProjects()
  readonly jobs: Jobs
  readonly #requests: Gate
  readonly #longJobs: Gate
  private readonly emit: EventSink

  constructor(
    emit: EventSink,
    private readonly options: ServiceOptions = {},
  ) {
    // An event that cannot be delivered (the window or the socket is gone) must not fail the
    // job or the file watcher that raised it.
    this.emit = (event, ...args) => {
      try {
        emit(event, ...args)
      } catch {
        // nobody to tell
      }
    }
    this.jobs = new Jobs((p) => this.emit('progress', p))
    const limits = { ...CALL_LIMITS, ...options.limits }
    this.#requests = new Gate(limits.running, limits.waiting, 'requests')
    this.#longJobs = new Gate(
      limits.jobs,
      limits.jobsWaiting,
      'jobs (training, prediction, evaluation)',
    )
  }

  /** The open project, or a 'no-project' error. */
  get project(): Project {
    if (!this.#project)
      throw new ApiError('no-project', 'no project is open; create or open one first')
    return this.#project
  }

  readonly handlers: Handlers = {
    createProject: ({ dir, name }) => this.#open(() => Project.create(dir, name)),
    openProject: ({ dir }) => this.#open(() => Project.open(dir)),
    getProject: async () => (this.#project ? this.#project.view() : null),
    addMedia: async ({ paths }) => {
      const project = this.project
      const before = JSON.stringify(this.#picked.entries())
      await project.addMedia(paths)
      if (JSON.stringify(this.#picked.entries()) !== before)
        await this.#grants.save(project.dir, this.#picked)
      return project.view()
    },
    grantFolder: async ({ dir }) => {
      const project = this.project
      const abs = path.resolve(project.dir, dir)
      const stat = await fs.stat(abs).catch(() => null)
      if (!stat?.isDirectory()) throw new ApiError('bad-input', `${abs}: no such folder`)
      if (isInside(realPath(project.dir), realPath(abs)))
        throw new ApiError(
          'bad-input',
          `${abs}: inside the project folder, which is always reachable`,
        )
      this.#picked.addFolder(abs)
      await this.#grants.save(project.dir, this.#picked)
      return this.#grantsView()
    },
    listGrants: async () => {
      void this.project
      return this.#grantsView()
    },
    revokeGrant: async ({ path: p }) => {
      const project = this.project
      if (!this.#picked.remove(p))
        throw new ApiError('bad-input', `${p}: not granted to this project`)
      await this.#grants.save(project.dir, this.#picked)
      return this.#grantsView()
    },
    setClasses: async ({ classes }) => {
      await this.project.setClasses(classes)
      return this.project.view()
    },
    setClipClass: async ({ media, clipClass }) => {
      await this.project.setClipClass(media, clipClass)
      return this.project.view()
    },
    setReviewed: async ({ media, reviewed }) => {
      await this.project.setReviewed(media, reviewed)
      return this.project.view()
    },
    setSeriesRate: async ({ media, rate }) => {
      await this.project.setSeriesRate(media, rate)
      return this.project.view()
    },
    getLabels: ({ media }) => this.project.readLabels(media),
    saveLabels: ({ media, tiers, segments, tier, baseRevision, force }) =>
      this.project.writeLabels(
        media,
        tiers ?? { segments: segments ?? [], tier },
        baseRevision,
        force,
      ),
    listLabelVersions: ({ media }) => this.project.labelVersions(media),
    restoreLabelVersion: ({ media, version }) => this.project.restoreLabels(media, version),
    reloadProject: async () => {
      await this.project.reload()
      return this.project.view()
    },
    keepProject: async () => {
      await this.project.keepManifest()
      return this.project.view()
    },
    getPeaks: ({ media, start, end, pixels, channel, jobId }) => {
      const file = this.project.mediaPath(media)
      if (mediaKindOf(file) !== 'audio')
        throw new ApiError('bad-input', `${media}: not an audio file`)
      return this.jobs.run(jobId, (ctx) =>
        peaksWindow(file, this.project.cacheDir('peaks'), start, end, pixels, ctx, channel),
      )
    },
    getSeries: ({ media, start, end, points, jobId }) => {
      const file = this.project.mediaPath(media)
      if (mediaKindOf(file) !== 'series')
        throw new ApiError('bad-input', `${media}: not a CSV time series`)
      const rate = this.project.seriesRate(media)
      return this.jobs.run(jobId, (ctx) => seriesWindow(file, start, end, points, ctx, rate))
    },
    getSpectrogram: ({ media, start, end, columns, bands, jobId, ...options }) => {
      const file = this.project.mediaPath(media)
      if (mediaKindOf(file) !== 'audio')
        throw new ApiError('bad-input', `${media}: not an audio file`)
      return this.jobs.run(jobId, (ctx) =>
        spectrogramWindow(file, start, end, columns, bands, ctx, options),
      )
    },
    getMediaSource: async ({ media }) => {
      const file = this.project.mediaPath(media)
      const mime = audioMime(file)
      if (!mime) throw new ApiError('bad-input', `${media}: not an audio file`)
      if (!this.options.mediaUrl)
        throw new ApiError('bad-input', 'playback is not available in this mode')
      return { url: this.options.mediaUrl(media), mime }
    },
    importLabels: async ({ media, path: file, format, ...options }) => {
      const recording = this.project.mediaPath(media)
      const abs = path.resolve(this.project.dir, file)
      const known = new Set(this.project.classes.map((c) => c.name))
      const unknown = (segs: readonly Segment[]) => [
        ...new Set(segs.map((s) => s.label).filter((l) => !known.has(l))),
      ]
      // a table over several files labels every recording it names
      const table = await readTableFiles(abs, format, options)
      if (table) {
        const matched = matchTableFiles(
          table,
          this.project.media.map((m) => m.path),
        )
        const mine = matched.recordings.find((r) => r.media === media)
        const notes = mine
          ? matched.notes
          : [`${media}: not among the files the table names`, ...matched.notes]
        const segments = sortSegments(mine?.segments ?? [])
        return {
          file: abs,
          // a table of events over several recordings: they may overlap
          tiers: [tierOf(segments, 'overlapping')],
          segments,
          unknownClasses: unknown(matched.recordings.flatMap((r) => r.segments)),
          notes,
          recordings: matched.recordings.map((r) => ({ ...r, segments: sortSegments(r.segments) })),
          missing: matched.missing,
        }
      }
      // the recording's sample rate and start are looked up only when the file needs them
      const { tiers, segments, notes } = await importLabelFile(abs, format, recording, options)
      return { file: abs, tiers, segments, unknownClasses: unknown(segments), notes }
    },
    importLabelsToProject: async ({ path: file, format, tier, ...options }) => {
      const abs = path.resolve(this.project.dir, file)
      const table = await requireTableFiles(abs, format, options)
      const matched = matchTableFiles(
        table,
        this.project.media.map((m) => m.path),
      )
      // every label must be a class before any recording is saved, so none is half applied
      const known = new Set(this.project.classes.map((c) => c.name))
      const labels = matched.recordings.flatMap((r) => r.segments.map((s) => s.label))
      const unknown = [...new Set(labels.filter((l) => !known.has(l)))]
      if (unknown.length)
        throw new DataError(
          abs,
          `labels that are not classes of the project: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''}; add them as classes first`,
        )
      const saved: ProjectLabelImport['saved'] = []
      for (const { media, segments } of matched.recordings) {
        const { revision } = await this.project.readLabels(media)
        const view = await this.project.writeLabels(
          media,
          { segments: sortSegments(segments), tier },
          revision,
        )
        saved.push({ media, count: segments.length, revision: view.revision })
      }
      return { file: abs, saved, missing: matched.missing, notes: matched.notes }
    },
    previewLabelTable: async ({ path: file }) => {
      const abs = path.resolve(this.project.dir, file)
      const text = decodeText(await readRegular(abs, READ_LIMITS.labels))
      const table = previewLabelCsv(text)
      let format: LabelFormatName | null
      try {
        format = detectFormat(abs, text).name
      } catch {
        // a table of no known ending (.tsv) reads as CSV once a start column is found
        format = table.mapping.start === undefined ? null : 'csv'
      }
      return { ...table, format }
    },
    exportLabels: async ({ media, path: file, format, overwrite, tier }) => {
      const abs = path.resolve(this.project.dir, file)
      const { tiers } = await this.project.readLabels(media)
      const chosen = exportFormat(abs, format)
      const count = await exportLabelFile(abs, tiers, chosen, overwrite ?? false, tier)
      return { file: abs, format: chosen, count }
    },
    cancelJob: async ({ jobId }) => ({ cancelled: this.jobs.cancel(jobId) }),
    train: ({ jobId, settings, features, resume }) =>
      this.jobs.run(
        jobId,
        (ctx) =>
          trainProject(this.project, ctx, {
            settings,
            features,
            resume,
            onUpdate: (u) => this.emit('training', { jobId, ...u }),
          }),
        this.#longJobs,
      ),
    trainingDefaults: async () => ({
      settings: TRAIN_DEFAULTS,
      exclusions: [...SETTING_EXCLUSIONS],
      features: this.#projectFeatures(),
    }),
    previewFeatures: ({ media, start, end, features, jobId }) => {
      const file = this.project.mediaPath(media)
      if (mediaKindOf(file) !== 'audio')
        throw new ApiError('bad-input', `${media}: the features preview is for audio files`)
      const spec = features ?? this.#projectFeatures()
      if (spec.kind !== 'audio')
        throw new ApiError('bad-input', `${media}: an audio file needs audio features`)
      return this.jobs.run(jobId, (ctx) => featurePreview(file, start, end, spec, ctx))
    },
    labelFormats: async () =>
      LABEL_FORMATS.map((name) => {
        const { title, writable, suffix } = LABEL_FORMAT_FILES[name]
        return { name, title, writable, suffix, tiers: !!formatByName(name)?.writeTiers }
      }),
    listRuns: () => new RunStore(this.project.dir).list(),
    listModels: () => listModels(this.project),
    importModel: ({ path: source, features, classes, output }) =>
      importModel(this.project, source, { features, classes, output }),
    exportModel: ({ model, path: dest, withFeatures }) =>
      withFeatures
        ? exportRawAudioModel(this.project, model, dest)
        : exportModel(this.project, model, dest),
    predict: ({ jobId, model, media, postprocess }) =>
      this.jobs.run(
        jobId,
        (ctx) => predictMedia(this.project, model, media, ctx, postprocess),
        this.#longJobs,
      ),
    getPrediction: ({ media }) => readPrediction(this.project, media),
    setRejected: ({ media, model, created, rejected }) =>
      setRejected(this.project, media, model, created, rejected),
    renameModel: ({ model, name }) => renameModel(this.project, model, name),
    recentProjects: () => this.#recent.list(),
    evaluate: ({ jobId, model, collar, postprocess, files, includeUnreviewed }) =>
      this.jobs.run(
        jobId,
        async (ctx) => {
          const file = modelPath(this.project, model)
          const onProgress = (f: number, m: string) => ctx.progress(f, m)
          if (await isClipModel(file)) {
            const { chosen, selection, split } = await selectClipItems(
              clipItemsOfProject(this.project),
              file,
              this.project.dir,
              { files, includeUnreviewed },
            )
            const cacheDir = this.project.cacheDir('features')
            const ev = await evaluateClips(file, chosen, {
              signal: ctx.signal,
              cacheDir,
              onProgress,
            })
            return withSelection(clipEvaluationView(ev), selection, split)
          }
          return evaluateModel(file, this.project.dir, {
            collar,
            postprocess,
            files,
            includeUnreviewed,
            signal: ctx.signal,
            onProgress,
          })
        },
        this.#longJobs,
      ),
    listDir: async ({ dir }) => {
      const abs = path.resolve(dir)
      // A folder (links followed), else one line; a FIFO or device is never opened.
      const stats = await fs.stat(abs).catch((err: unknown) => {
        throw fileError(abs, err)
      })
      if (!stats.isDirectory()) throw new ApiError('bad-input', `${abs}: not a folder`)
      const dirents = await fs.readdir(abs, { withFileTypes: true }).catch((err: Error) => {
        throw new ApiError('bad-input', `${abs}: ${err.message}`)
      })
      const entries = dirents
        .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isFile()))
        .map((d) =>
          d.isDirectory()
            ? { name: d.name, kind: 'dir' as const }
            : { name: d.name, kind: 'file' as const, media: mediaKindOf(d.name) },
        )
        .sort((a, b) =>
          a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1,
        )
      const parent = path.dirname(abs)
      return { dir: abs, parent: parent === abs ? null : parent, entries }
    },
  }

  /**
   * Validate and run one request, within CALL_LIMITS (long jobs wait in their job instead, see
   * there); never throws.
   */
  async call(method: unknown, params: unknown): Promise<Envelope<unknown>> {
    let gate: Gate | null = null
    try {
      if (typeof method !== 'string' || !Object.hasOwn(requestSchemas, method))
        throw new ApiError(
          'unknown-method',
          `unknown method ${JSON.stringify(method)?.slice(0, 100)}`,
        )
      const name = method as RequestName
      if (name !== 'cancelJob' && !LONG_JOBS.has(name)) {
        // Before validation: a parsed copy of a large message is part of what the limit bounds.
        await this.#requests.enter()
        gate = this.#requests
      }
      const parsed = requestSchemas[name].safeParse(params ?? {})
      if (!parsed.success)
        throw new ApiError('invalid-request', `${name}: ${z.prettifyError(parsed.error)}`)
      const handler = this.handlers[name] as (p: unknown) => Promise<unknown>
      return { ok: true, result: await handler(parsed.data) }
    } catch (err) {
      if (err instanceof ApiError)
        return { ok: false, error: { code: err.code, message: err.message } }
      if (err instanceof DataError)
        return { ok: false, error: { code: 'bad-input', message: err.message } }
      return {
        ok: false,
        error: { code: 'internal', message: err instanceof Error ? err.message : String(err) },
      }
    } finally {
      gate?.leave()
    }
  }

  /** The spec training uses when none is sent: the manifest's, else the default of the project's kind. */
  #projectFeatures(): FeatureSpec {
    const project = this.#project
    const manifest = project?.toJSON()
    if (manifest && Object.keys(manifest.features).length)
      return parseFeatureSpec(manifest.features)
    const series =
      project && project.media.length > 0 && project.media.every((m) => m.kind === 'series')
    return series ? PRESETS.raw() : PRESETS.mfcc()
  }

  /**
   * Open a project for this process: load it, take its lock (a second Framewise process on the
   * same project is refused, code 'locked'), confine it to its folder and what the user granted
   * it, and watch it for external changes. The previously open project is let go.
   */
  async #open(load: () => Promise<Project>): Promise<ProjectView> {
    const project = await load()
    const lock =
      this.#project?.dir === project.dir && this.#lock
        ? this.#lock
        : await ProjectLock.acquire(project.dir)
    await this.#letGo(lock)
    this.#lock = lock
    await project.removeStaleTemps() // safe now: no other Framewise writes here
    const { picked, problem } = await this.#grants.load(project.dir)
    this.#picked = picked
    this.#grantsProblem = problem
    project.confine(picked)
    this.#unwatch = project.watch((change) => this.emit('externalChange', change))
    this.#project = project
    const view = await project.view()
    // the start page's list; a data folder that cannot be written must not stop the opening
    await this.#recent
      .touch(project.dir, view.name)
      .catch((err: Error) => console.warn(err.message))
    return view
  }

  #grantsView(): Grants {
    return { ...this.#picked.entries(), problem: this.#grantsProblem }
  }

  /** Stop watching the open project and release its lock (unless it is `keep`). */
  async #letGo(keep: ProjectLock | null = null): Promise<void> {
    this.#unwatch?.()
    this.#unwatch = null
    if (this.#lock && this.#lock !== keep) await this.#lock.release()
    this.#lock = null
    this.#project = null
  }

  /** Cancel running jobs and let the project go (on shutdown). */
  async close(): Promise<void> {
    this.jobs.cancelAll()
    await this.#letGo()
  }
}
