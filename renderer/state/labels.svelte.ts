/**
 * The labels of the media file being viewed: segments, the selection, the class new segments
 * get, an undo/redo stack of command objects, and an autosave that writes each edit within
 * ≤ 300 ms, showing whether everything is saved.
 */
import type { Segment } from '../../engine/api'
import { api, RequestError } from '../api/client'
import * as ops from '../lib/segments'

const AUTOSAVE_DELAY_MS = 300
/** Undo depth; a command holds two arrays of shared segment objects (~80 kB at 5,000 segments). */
const HISTORY = 500

export type SaveStatus = 'saved' | 'saving' | 'unsaved' | 'error'

/**
 * One undoable edit. Segment arrays are immutable and share unchanged segments, so keeping the
 * arrays before and after is the simplest exact inverse (no per-operation undo code to get wrong).
 */
export interface Command {
  /** What the user did, for the Undo/Redo button titles. */
  name: string
  before: Segment[]
  after: Segment[]
  selectedBefore: number | null
  selectedAfter: number | null
  /** A step that changes no segment (a rejected prediction, record()): what undo and redo run. */
  undo?: () => void
  redo?: () => void
}

export class LabelsState {
  /** Media id these labels belong to. */
  media = $state<string | null>(null)
  /** Segments sorted by start, non-overlapping; replaced, never mutated, on every edit. */
  segments = $state.raw<Segment[]>([])
  /** Index of the selected segment, or null. */
  #selected = $state<number | null>(null)
  /** The selection was made by drawing it (Add segment), not by the user picking a segment. */
  #drawn = $state(false)

  get selected(): number | null {
    return this.#selected
  }

  set selected(index: number | null) {
    this.#selected = index
    this.#drawn = false
  }
  /** The class last chosen for new segments (a click, a digit key). */
  #chosenClass = $state<string | null>(null)
  /** Class that new segments get: the chosen one while the project has it, else its first class. */
  #currentClass = $derived.by(() => {
    const names = this.classNames()
    return this.#chosenClass !== null && names.includes(this.#chosenClass)
      ? this.#chosenClass
      : (names[0] ?? null)
  })
  status = $state<SaveStatus>('saved')
  error = $state<string | null>(null)
  /** The label file on disk is damaged (restore an earlier version). */
  damaged = $state(false)
  /** Names of the edits undo / redo would revert / repeat, or null. */
  undoName = $state<string | null>(null)
  redoName = $state<string | null>(null)
  /**
   * The label file was changed on disk by another program (or a save was refused for that):
   * the user chooses to reload it or keep this version. Nothing is saved until then.
   */
  conflict = $state<string | null>(null)

  #undo: Command[] = []
  #redo: Command[] = []
  #revision = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #saving: Promise<void> = Promise.resolve()

  /**
   * `onSaved` hears each save's segment count; `classNames` are the classes a segment can have
   * now (the project's, in order).
   */
  constructor(
    private readonly onSaved: (media: string, count: number) => void = () => {},
    private readonly classNames: () => string[] = () => [],
  ) {
    api.on('externalChange', (change) => {
      if (change.kind === 'labels' && change.media === this.media)
        this.conflict = `${change.file} was ${change.deleted ? 'deleted' : 'changed'} by another program.`
    })
  }

  get currentClass(): string | null {
    return this.#currentClass
  }

  /** The selection is the segment just drawn: a class key then picks the next one's class. */
  get justDrawn(): boolean {
    return this.#drawn && this.#selected !== null
  }

  set currentClass(name: string | null) {
    this.#chosenClass = name
  }

  /** Drop this version and load the one on disk. */
  async reloadFromDisk(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#saving
    this.conflict = null
    const media = this.media
    this.media = null
    await this.load(media)
  }

  /** Keep this version: save it over the one on disk (which goes to the file's history). */
  async keepMine(): Promise<void> {
    this.conflict = null
    this.#saving = this.#saving.then(() => this.#save(true))
    await this.#saving
  }

  /** Load the labels of `media` (saving pending edits of the previous file first). */
  async load(media: string | null): Promise<void> {
    await this.flush()
    // A pending external-change choice belongs to the file being left (its edits stay unsaved).
    this.conflict = null
    this.media = media
    this.segments = []
    this.selected = null
    this.error = null
    this.damaged = false
    this.#undo = []
    this.#redo = []
    this.#syncHistory()
    if (!media) return
    try {
      const view = await api.getLabels({ media })
      if (this.media !== media) return
      this.segments = [...view.segments].sort(ops.byStart)
      this.#revision = view.revision
      this.status = 'saved'
    } catch (err) {
      this.error = (err as Error).message
      this.damaged = err instanceof RequestError && err.code === 'corrupt'
    }
  }

  /** Label [start, end) with `label`, painting over what was there; selects the new segment. */
  create(start: number, end: number, label = this.currentClass): void {
    if (!label || Math.abs(end - start) < ops.MIN_LENGTH) return
    const { segments, index } = ops.paint(this.segments, start, end, label)
    this.apply('Add segment', segments, index)
  }

  setClass(index: number, label: string): void {
    if (this.segments[index] && this.segments[index].label !== label)
      this.apply('Change class', ops.relabel(this.segments, index, label), index)
  }

  remove(index: number): void {
    if (!this.segments[index]) return
    this.apply('Delete segment', ops.remove(this.segments, index), null)
  }

  /** Replace all segments (import); one undo step. */
  replaceAll(name: string, segments: Segment[]): void {
    this.apply(name, [...segments].sort(ops.byStart), null)
  }

  /**
   * Labels the engine has saved itself (a table imported into the whole project), shown as one
   * undo step: they are on disk at `revision`, so nothing is saved until the next edit (an undo
   * saves the earlier labels over them). Flush pending edits first: they would be saved over.
   */
  adoptSaved(name: string, segments: Segment[], revision: number): void {
    const next = [...segments].sort(ops.byStart)
    this.#undo.push({
      name,
      before: this.segments,
      after: next,
      selectedBefore: this.selected,
      selectedAfter: null,
    })
    if (this.#undo.length > HISTORY) this.#undo.shift()
    this.#redo = []
    this.#revision = revision
    this.segments = next
    this.selected = null
    this.#syncHistory()
    this.status = 'saved'
  }

  /** Record an edit the UI computed (drag end): one undo step. */
  apply(name: string, next: Segment[], selected: number | null): void {
    this.#undo.push({
      name,
      before: this.segments,
      after: next,
      selectedBefore: this.selected,
      selectedAfter: selected,
    })
    if (this.#undo.length > HISTORY) this.#undo.shift()
    this.#redo = []
    this.#set(next, selected)
    this.#drawn = name === 'Add segment' && this.#selected !== null
  }

  /**
   * A step that changes no segment (rejecting a predicted segment) in the same history as the
   * edits, so Ctrl+Z undoes whichever came last; runs `redo` now. Nothing is saved for it.
   */
  record(name: string, undo: () => void, redo: () => void): void {
    const here = { before: this.segments, after: this.segments }
    const selected = { selectedBefore: this.selected, selectedAfter: this.selected }
    this.#undo.push({ name, ...here, ...selected, undo, redo })
    if (this.#undo.length > HISTORY) this.#undo.shift()
    this.#redo = []
    redo()
    this.#syncHistory()
  }

  undo(): void {
    const c = this.#undo.pop()
    if (!c) return
    this.#redo.push(c)
    if (c.undo) return void (c.undo(), this.#syncHistory())
    this.#set(c.before, c.selectedBefore)
  }

  redo(): void {
    const c = this.#redo.pop()
    if (!c) return
    this.#undo.push(c)
    if (c.redo) return void (c.redo(), this.#syncHistory())
    this.#set(c.after, c.selectedAfter)
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

  #syncHistory(): void {
    this.undoName = this.#undo.at(-1)?.name ?? null
    this.redoName = this.#redo.at(-1)?.name ?? null
  }

  #set(next: Segment[], selected: number | null): void {
    this.segments = next
    this.selected = selected !== null && selected < next.length ? selected : null
    this.#syncHistory()
    this.status = 'unsaved'
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#saving = this.#saving.then(() => this.#save())
    }, AUTOSAVE_DELAY_MS)
  }

  /**
   * A save the transport sent again after a dropped connection (api/socket.ts) may have landed
   * the first time: then the disk holds exactly `sent` at a newer revision, and that is no
   * conflict. Takes that revision and says whether it was so.
   */
  async #landed(media: string, sent: Segment[]): Promise<boolean> {
    const disk = await api.getLabels({ media }).catch(() => null)
    const same =
      disk !== null &&
      disk.segments.length === sent.length &&
      disk.segments.every(
        (d, i) => d.label === sent[i].label && d.start === sent[i].start && d.end === sent[i].end,
      )
    if (!same || this.media !== media) return false
    this.#revision = disk.revision
    this.onSaved(media, sent.length)
    if (this.#timer === null) this.status = 'saved'
    return true
  }

  async #save(force = false): Promise<void> {
    const media = this.media
    if (!media || (this.conflict && !force)) return
    this.status = 'saving'
    const sent = this.segments
    try {
      const saved = await api.saveLabels({
        media,
        segments: sent,
        baseRevision: this.#revision,
        force,
      })
      this.#revision = saved.revision
      this.onSaved(media, saved.segments.length)
      if (this.#timer === null) this.status = 'saved'
    } catch (err) {
      const conflict = err instanceof RequestError && err.code === 'conflict'
      if (conflict && (await this.#landed(media, sent))) return
      this.status = 'error'
      if (conflict) this.conflict = (err as Error).message
      else this.error = (err as Error).message
    }
  }
}
