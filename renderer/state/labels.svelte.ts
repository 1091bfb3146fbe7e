/**
 * The labels of the media file being viewed: its tiers and the selected one (whose segments the
 * label track shows and edits), the selection, the class new segments get, an undo/redo stack of
 * command objects over the tiers (segment and tier edits alike), and an autosave that writes
 * each edit within ≤ 300 ms, showing whether everything is saved. Every tier is kept whole, so
 * lanes for the other tiers can draw from `tiers` without reshaping this state.
 */
import type { Segment, Tier, TierKind } from '../../engine/api'
import { api, RequestError } from '../api/client'
import * as ops from '../lib/segments'
import { freeTierName, place } from '../lib/tiers'

const AUTOSAVE_DELAY_MS = 300
/** Undo depth; a command holds two arrays of shared segment objects (~80 kB at 5,000 segments). */
const HISTORY = 500

export type SaveStatus = 'saved' | 'saving' | 'unsaved' | 'error'

/**
 * One undoable edit. Tier and segment arrays are immutable and share unchanged parts, so keeping
 * the tiers before and after is the simplest exact inverse (no per-operation undo code to get
 * wrong); the selected tier goes with them, so an undo shows the tier it changes.
 */
export interface Command {
  /** What the user did, for the Undo/Redo button titles. */
  name: string
  before: Tier[]
  after: Tier[]
  tierBefore: number
  tierAfter: number
  selectedBefore: number | null
  selectedAfter: number | null
  /** A step that changes no segment (a rejected prediction, record()): what undo and redo run. */
  undo?: () => void
  redo?: () => void
}

/** What a file without labels starts with (the engine's default tier). */
const EMPTY: Tier[] = [{ name: 'labels', kind: 'exclusive', segments: [] }]

export class LabelsState {
  /** Media id these labels belong to. */
  media = $state<string | null>(null)
  /** Every tier of the file, in order; replaced, never mutated, on every edit. */
  tiers = $state.raw<Tier[]>(EMPTY)
  /** Index of the selected tier: the one the label track shows and edits. */
  tierIndex = $state(0)
  /** Names of tiers whose lanes are hidden (a view choice: not saved, not undone). */
  hidden = $state.raw<ReadonlySet<string>>(new Set())
  /** The channel new segments are drawn on (1-based, a multichannel file's), or null: all. */
  channel = $state<number | null>(null)

  /**
   * What a new segment holds of the drawing channel: `channel` from the second on (a segment's
   * channel 1 is written as none, as Raven's first channel reads: engine/labels/segments.ts).
   */
  get drawnOn(): { channel: number } | undefined {
    return this.channel !== null && this.channel > 1 ? { channel: this.channel } : undefined
  }
  /** Index of the selected segment (in the selected tier), or null. */
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

  /** The selected tier. */
  get tier(): Tier {
    return this.tiers[this.tierIndex] ?? this.tiers[0] ?? EMPTY[0]!
  }

  /** Segments of the selected tier, sorted by start (non-overlapping in an exclusive tier). */
  get segments(): Segment[] {
    return this.tier.segments
  }

  /** Show and edit another tier (no edit: nothing is saved). */
  selectTier(index: number): void {
    if (index < 0 || index >= this.tiers.length || index === this.tierIndex) return
    this.tierIndex = index
    this.selected = null
  }

  /** Add a tier (a free name made of `name`) and select it; one undo step. */
  addTier(name: string, kind: TierKind): void {
    const unique = freeTierName(
      name,
      this.tiers.map((t) => t.name),
    )
    const next = [...this.tiers, { name: unique, kind, segments: [] }]
    this.#edit('Add tier', next, next.length - 1, null)
  }

  /** Rename tier `index` (refused, the reason in `error`, when another tier has the name). */
  renameTier(index: number, name: string): void {
    const next = name.trim()
    const t = this.tiers[index]
    if (!t || !next || next === t.name) return
    if (this.tiers.some((o) => o.name === next)) {
      this.error = `There is a tier named "${next}" already; give this one another name.`
      return
    }
    const renamed = this.tiers.map((o, i) => (i === index ? { ...o, name: next } : o))
    this.#edit('Rename tier', renamed, index, index === this.tierIndex ? this.selected : null)
  }

  /** Show or hide tier `name`'s lane (the selected tier's lane stays shown). */
  toggleHidden(name: string): void {
    const next = new Set(this.hidden)
    if (!next.delete(name)) next.add(name)
    this.hidden = next
  }

  /** Move tier `index` by `by` places (−1: up), keeping it selected; one undo step. */
  moveTier(index: number, by: number): void {
    const to = index + by
    if (!this.tiers[index] || to < 0 || to >= this.tiers.length || by === 0) return
    const next = [...this.tiers]
    const [t] = next.splice(index, 1)
    next.splice(to, 0, t)
    const selectedName = this.tier.name
    const selected = this.selected
    this.#edit(
      'Reorder tiers',
      next,
      next.findIndex((o) => o.name === selectedName),
      selected,
    )
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
    const tierName = this.tier.name
    this.tiers = EMPTY
    this.tierIndex = 0
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
      // an engine older than tiers sends segments only: its one tier
      const tiers = view.tiers?.length ? view.tiers : [{ ...EMPTY[0]!, segments: view.segments }]
      this.tiers = tiers.map((t) => ({ ...t, segments: [...t.segments].sort(ops.byStart) }))
      // the tier of the same name as in the file left, else the first exclusive one
      const same = this.tiers.findIndex((t) => t.name === tierName)
      const exclusive = this.tiers.findIndex((t) => t.kind === 'exclusive')
      this.tierIndex = same >= 0 ? same : Math.max(0, exclusive)
      this.#revision = view.revision
      this.status = 'saved'
    } catch (err) {
      this.error = (err as Error).message
      this.damaged = err instanceof RequestError && err.code === 'corrupt'
    }
  }

  /**
   * Label [start, end) with `label` in the selected tier (exclusive: painting over what was
   * there; overlapping: beside it); selects the new segment.
   */
  create(start: number, end: number, label = this.currentClass): void {
    if (!label || Math.abs(end - start) < ops.MIN_LENGTH) return
    const { segments, index } = place(
      this.tier.kind,
      this.segments,
      start,
      end,
      label,
      this.drawnOn,
    )
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

  /**
   * Take the tiers of an imported file of several (TextGrid, ELAN, JSON): each replaces the tier
   * of its name, or is added; one undo step, the first imported tier selected.
   */
  importTiers(name: string, imported: readonly Tier[]): void {
    const next = [...this.tiers]
    for (const t of imported) {
      const tier = { ...t, segments: [...t.segments].sort(ops.byStart) }
      const at = next.findIndex((o) => o.name === t.name)
      if (at >= 0) next[at] = tier
      else next.push(tier)
    }
    const first = next.findIndex((t) => t.name === imported[0]?.name)
    this.#edit(name, next, Math.max(0, first), null)
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
    const next = this.#withSegments([...segments].sort(ops.byStart))
    this.#push(name, next, this.tierIndex, null)
    this.#revision = revision
    this.tiers = next
    this.selected = null
    this.#syncHistory()
    this.status = 'saved'
  }

  /** Record an edit of the selected tier's segments the UI computed (drag end): one undo step. */
  apply(name: string, next: Segment[], selected: number | null): void {
    this.#edit(name, this.#withSegments(next), this.tierIndex, selected)
    this.#drawn = name === 'Add segment' && this.#selected !== null
  }

  /**
   * A step that changes no segment (rejecting a predicted segment) in the same history as the
   * edits, so Ctrl+Z undoes whichever came last; runs `redo` now. Nothing is saved for it.
   */
  record(name: string, undo: () => void, redo: () => void): void {
    const here = { before: this.tiers, after: this.tiers }
    const tiers = { tierBefore: this.tierIndex, tierAfter: this.tierIndex }
    const selected = { selectedBefore: this.selected, selectedAfter: this.selected }
    this.#undo.push({ name, ...here, ...tiers, ...selected, undo, redo })
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
    this.#set(c.before, c.tierBefore, c.selectedBefore)
  }

  redo(): void {
    const c = this.#redo.pop()
    if (!c) return
    this.#undo.push(c)
    if (c.redo) return void (c.redo(), this.#syncHistory())
    this.#set(c.after, c.tierAfter, c.selectedAfter)
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

  /** The tiers with the selected one holding `segments`. */
  #withSegments(segments: Segment[]): Tier[] {
    return this.tiers.map((t, i) => (i === this.tierIndex ? { ...t, segments } : t))
  }

  #push(name: string, after: Tier[], tierAfter: number, selectedAfter: number | null): void {
    this.#undo.push({
      name,
      before: this.tiers,
      after,
      tierBefore: this.tierIndex,
      tierAfter,
      selectedBefore: this.selected,
      selectedAfter,
    })
    if (this.#undo.length > HISTORY) this.#undo.shift()
    this.#redo = []
  }

  #edit(name: string, after: Tier[], tierAfter: number, selected: number | null): void {
    this.#push(name, after, tierAfter, selected)
    this.#set(after, tierAfter, selected)
  }

  #set(next: Tier[], tierIndex: number, selected: number | null): void {
    this.tiers = next
    this.tierIndex = Math.max(0, Math.min(tierIndex, next.length - 1))
    this.selected = selected !== null && selected < this.segments.length ? selected : null
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
  async #landed(media: string, sent: Tier[]): Promise<boolean> {
    const disk = await api.getLabels({ media }).catch(() => null)
    const same =
      disk !== null &&
      disk.tiers.length === sent.length &&
      disk.tiers.every(
        (t, k) =>
          t.name === sent[k].name &&
          t.kind === sent[k].kind &&
          t.segments.length === sent[k].segments.length &&
          t.segments.every((d, i) => {
            const s = sent[k].segments[i]
            return d.label === s.label && d.start === s.start && d.end === s.end
          }),
      )
    if (!same || this.media !== media) return false
    this.#revision = disk.revision
    this.onSaved(media, countOf(sent))
    if (this.#timer === null) this.status = 'saved'
    return true
  }

  async #save(force = false): Promise<void> {
    const media = this.media
    if (!media || (this.conflict && !force)) return
    this.status = 'saving'
    const sent = this.tiers
    try {
      const saved = await api.saveLabels({
        media,
        tiers: sent,
        baseRevision: this.#revision,
        force,
      })
      this.#revision = saved.revision
      this.onSaved(media, countOf(saved.tiers))
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

/** Segments over all tiers (the file list's count). */
function countOf(tiers: readonly Tier[]): number {
  return tiers.reduce((n, t) => n + t.segments.length, 0)
}
