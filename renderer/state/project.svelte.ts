/** The open project as the UI sees it: manifest view, the selected media file, errors. */
import type { LabelClass, MediaEntry, MediaStatus, ProjectView } from '../../engine/api'
import { api } from '../api/client'

export class ProjectState {
  /** The open project, or null. */
  view = $state<ProjectView | null>(null)
  /** Id of the media file being viewed. */
  selectedId = $state<string | null>(null)
  /** Durations (seconds) of files opened this session, for files the engine's probe cannot tell (MP3, OGG). */
  durations = $state<Record<string, number>>({})
  /** framewise.json was changed by another program: what to say, until the user chooses. */
  external = $state<string | null>(null)
  /** Last error to show, or null. */
  error = $state<string | null>(null)

  selected: MediaEntry | null = $derived(
    this.view?.media.find((m) => m.id === this.selectedId) ?? null,
  )
  classes: LabelClass[] = $derived(this.view?.classes ?? [])
  /** The classes a segment can have (the background is none of them). */
  segmentClasses: LabelClass[] = $derived(this.classes.filter((c) => c.role === 'class'))
  /** Clip classes in use (file-level classes for clip classification), sorted. */
  clipClasses: string[] = $derived(
    [
      ...new Set((this.view?.media ?? []).flatMap((m) => (m.clipClass ? [m.clipClass] : []))),
    ].sort(),
  )

  constructor() {
    api.on('externalChange', (change) => {
      if (change.kind === 'manifest')
        this.external = `${change.file} was ${change.deleted ? 'deleted' : 'changed'} by another program.`
    })
  }

  /** Take the manifest from disk (after an external change). */
  async reload(): Promise<void> {
    this.external = null
    await this.#attempt(async () => this.#show(await api.reloadProject({})))
  }

  /** Keep this session's manifest over the one changed on disk. */
  async keep(): Promise<void> {
    this.external = null
    await this.#attempt(async () => this.#show(await api.keepProject({})))
  }

  async load(): Promise<void> {
    await this.#attempt(async () => this.#show(await api.getProject({})))
  }

  async open(dir: string): Promise<void> {
    await this.#attempt(async () => this.#show(await api.openProject({ dir })))
  }

  async create(dir: string): Promise<void> {
    await this.#attempt(async () => this.#show(await api.createProject({ dir })))
  }

  async addMedia(paths: string[]): Promise<void> {
    await this.#attempt(async () => {
      const view = await api.addMedia({ paths })
      this.#show(view)
      const added = view.media.at(-1)
      if (added && !this.selectedId) this.selectedId = added.id
    })
  }

  /** Set (a name) or clear (null or '') the clip class of a media file. */
  async setClipClass(id: string, clipClass: string | null): Promise<void> {
    const value = clipClass?.trim() || null
    await this.#attempt(async () =>
      this.#show(await api.setClipClass({ media: id, clipClass: value })),
    )
  }

  /** Mark (or unmark) a media file as reviewed: its labels were checked by the user. */
  async setReviewed(id: string, reviewed: boolean): Promise<void> {
    await this.#attempt(async () => this.#show(await api.setReviewed({ media: id, reviewed })))
  }

  /** Set (rows per second) or clear (null) the rate of a CSV series that has no time column. */
  async setSeriesRate(id: string, rate: number | null): Promise<void> {
    await this.#attempt(async () => this.#show(await api.setSeriesRate({ media: id, rate })))
  }

  /** A prediction was saved for a media file: the file list shows it as predicted. */
  markPredicted(id: string): void {
    this.#update(id, (m) => ({
      predicted: true,
      status: statusOf(m.segmentCount, true, m.reviewed === true),
    }))
  }

  async setClasses(classes: LabelClass[]): Promise<void> {
    await this.#attempt(async () => this.#show(await api.setClasses({ classes })))
  }

  /** Update a media file's segment count after a save, without re-reading the project. */
  setSegmentCount(id: string, count: number): void {
    if (!this.view) return
    this.#update(id, (m) => ({
      segmentCount: count,
      status: statusOf(count, m.predicted === true, m.reviewed === true),
    }))
  }

  #update(id: string, change: (m: MediaEntry) => Partial<MediaEntry>): void {
    if (!this.view) return
    this.view = {
      ...this.view,
      media: this.view.media.map((m) => (m.id === id ? { ...m, ...change(m) } : m)),
    }
  }

  #show(view: ProjectView | null): void {
    this.view = view
    if (!view || !view.media.some((m) => m.id === this.selectedId))
      this.selectedId = view?.media[0]?.id ?? null
  }

  async #attempt(work: () => Promise<void>): Promise<void> {
    this.error = null
    try {
      await work()
    } catch (err) {
      this.error = (err as Error).message
    }
  }
}

/** The engine's rule (engine/project/store.ts mediaStatus), for updates between project reads. */
function statusOf(segmentCount: number, predicted: boolean, reviewed: boolean): MediaStatus {
  if (reviewed) return 'reviewed'
  if (segmentCount > 0) return 'labelled'
  return predicted ? 'predicted' : 'unlabelled'
}
