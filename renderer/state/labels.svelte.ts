/**
 * The labels of the media file being viewed: segments, the class new segments get, and an
 * autosave that writes each edit within ≤ 300 ms, showing whether everything is saved.
 */
import type { Segment } from '../../engine/api'
import { api } from '../api/client'

const AUTOSAVE_DELAY_MS = 300

export type SaveStatus = 'saved' | 'saving' | 'unsaved' | 'error'

export class LabelsState {
  /** Media id these labels belong to. */
  media = $state<string | null>(null)
  /** Segments sorted by start; replaced, never mutated, on every edit. */
  segments = $state.raw<Segment[]>([])
  /** Class that new segments get. */
  currentClass = $state<string | null>(null)
  status = $state<SaveStatus>('saved')
  error = $state<string | null>(null)

  #revision = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #saving: Promise<void> = Promise.resolve()

  constructor(private readonly onSaved: (media: string, count: number) => void = () => {}) {}

  /** Load the labels of `media` (saving pending edits of the previous file first). */
  async load(media: string | null): Promise<void> {
    await this.flush()
    this.media = media
    this.segments = []
    this.error = null
    if (!media) return
    try {
      const view = await api.getLabels({ media })
      if (this.media !== media) return
      this.segments = view.segments
      this.#revision = view.revision
      this.status = 'saved'
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  add(start: number, end: number, label = this.currentClass): void {
    if (!label || end <= start) return
    this.#edit([...this.segments, { start, end, label }].sort((a, b) => a.start - b.start || a.end - b.end))
  }

  remove(index: number): void {
    this.#edit(this.segments.filter((_, i) => i !== index))
  }

  update(index: number, segment: Segment): void {
    this.#edit(this.segments.map((s, i) => (i === index ? segment : s)).sort((a, b) => a.start - b.start || a.end - b.end))
  }

  /** Write pending edits now. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
      this.#saving = this.#saving.then(() => this.#save())
    }
    await this.#saving
  }

  #edit(next: Segment[]): void {
    this.segments = next
    this.status = 'unsaved'
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#saving = this.#saving.then(() => this.#save())
    }, AUTOSAVE_DELAY_MS)
  }

  async #save(): Promise<void> {
    const media = this.media
    if (!media) return
    this.status = 'saving'
    try {
      const saved = await api.saveLabels({ media, segments: this.segments, baseRevision: this.#revision })
      this.#revision = saved.revision
      this.onSaved(media, saved.segments.length)
      if (this.#timer === null) this.status = 'saved'
    } catch (err) {
      this.status = 'error'
      this.error = (err as Error).message
    }
  }
}
