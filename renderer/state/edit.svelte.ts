/**
 * Pointer gestures on the timeline, one at a time, on the selected tier: drag on empty space
 * creates a segment of the current class (over what an exclusive tier held, beside it in an
 * overlapping one), drag a body moves it, drag an edge resizes it, a click selects (or, on empty
 * space, moves the playhead). While dragging, `shown` is the preview; releasing commits one
 * undoable command.
 */
import type { Segment } from '../../engine/api'
import { hitRow, moveFree, resizeFree, rowsOf } from '../lib/lanes'
import * as ops from '../lib/segments'
import { place } from '../lib/tiers'
import { xToTime } from '../lib/timescale'
import type { LabelsState } from './labels.svelte'
import type { ViewState } from './view.svelte'

type Mode =
  | { kind: 'create'; anchor: number }
  | { kind: 'move'; index: number; grab: number }
  | { kind: 'resize'; index: number; part: 'start' | 'end' }

/** Pointer travel (px) below which a press is a click. */
const CLICK_PX = 3

export class EditState {
  /** Segments as they would be if the drag ended now, or null. */
  preview = $state.raw<Segment[] | null>(null)
  previewSelected = $state<number | null>(null)
  /** A start marked with '[' (keyboard labelling), or null. */
  mark = $state<number | null>(null)

  #mode: Mode | null = null
  #downX = 0

  constructor(
    readonly labels: LabelsState,
    private readonly view: ViewState,
  ) {}

  /** What the track shows: the preview while dragging, else the labels. */
  get shown(): Segment[] {
    return this.preview ?? this.labels.segments
  }

  get shownSelected(): number | null {
    return this.preview ? this.previewSelected : this.labels.selected
  }

  get dragging(): boolean {
    return this.#mode !== null
  }

  /**
   * Press at `x`; `createOnly` for the signal area (its hit tests are not the track's); `row`:
   * the sub-row pressed in an overlapping tier's lane (lib/lanes.ts).
   */
  down(x: number, createOnly = false, row = 0): void {
    const overlapping = this.labels.tier.kind === 'overlapping'
    const hit = createOnly
      ? null
      : overlapping
        ? hitRow(rowsOf(this.labels.segments), row, this.view.viewport, x)
        : ops.hitTest(this.labels.segments, this.view.viewport, x)
    const t = xToTime(this.view.viewport, x)
    this.#downX = x
    if (!hit) this.#mode = { kind: 'create', anchor: this.view.snapTime(t) }
    else if (hit.part === 'body')
      this.#mode = {
        kind: 'move',
        index: hit.index,
        grab: t - this.labels.segments[hit.index].start,
      }
    else this.#mode = { kind: 'resize', index: hit.index, part: hit.part }
    if (hit) this.labels.selected = hit.index
  }

  move(x: number): void {
    const mode = this.#mode
    if (!mode || (this.preview === null && Math.abs(x - this.#downX) < CLICK_PX)) return
    const base = this.labels.segments
    const t = xToTime(this.view.viewport, x)
    const d = this.view.duration
    if (mode.kind === 'create') {
      const label = this.labels.currentClass
      if (!label) return
      const end = this.view.snapTime(t)
      const { segments, index } = place(
        this.labels.tier.kind,
        base,
        mode.anchor,
        end === mode.anchor ? end + ops.MIN_LENGTH : end,
        label,
        this.labels.drawnOn,
      )
      this.#show(segments, index)
    } else if (this.labels.tier.kind === 'overlapping') {
      // events may overlap: nothing to stop at but the file's ends
      const r =
        mode.kind === 'move'
          ? moveFree(base, mode.index, this.view.snapTime(t - mode.grab), d)
          : resizeFree(base, mode.index, mode.part, this.view.snapTime(t), d)
      this.#show(r.segments, r.index)
    } else if (mode.kind === 'move') {
      const start = this.view.snapTime(t - mode.grab)
      this.#show(ops.moveTo(base, mode.index, start, d), mode.index)
    } else this.#show(ops.resize(base, mode.index, mode.part, this.view.snapTime(t), d), mode.index)
  }

  /**
   * A gesture drawn elsewhere (a box on the spectrogram, lib/boxes.ts) shows its preview here,
   * so every view draws the same edit in progress; `commit` makes it one undo step.
   */
  showPreview(segments: Segment[], index: number): void {
    this.#show(segments, index)
  }

  commit(name: string): void {
    const next = this.preview
    if (next === null) return
    const selected = this.previewSelected
    this.preview = null
    this.labels.apply(name, next, selected)
  }

  up(x: number): void {
    const mode = this.#mode
    this.#mode = null
    if (!mode) return
    if (this.preview === null) {
      // A click: on empty space it moves the playhead and clears the selection.
      if (mode.kind === 'create') {
        this.labels.selected = null
        this.view.cursor = this.view.snapTime(xToTime(this.view.viewport, x))
      }
      return
    }
    const next = this.preview
    const selected = this.previewSelected
    this.preview = null
    const name =
      mode.kind === 'create'
        ? 'Add segment'
        : mode.kind === 'move'
          ? 'Move segment'
          : 'Resize segment'
    this.labels.apply(name, next, selected)
  }

  cancel(): void {
    this.#mode = null
    this.preview = null
  }

  #show(segments: Segment[], index: number): void {
    this.preview = segments
    this.previewSelected = index
  }
}
