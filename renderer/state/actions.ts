/**
 * What each hotkey does (lib/keys.ts maps keys to actions). The keyboard-only loop: play (Space),
 * mark a start ([) and label to the playhead (]), set the class (1–9), jump on (Tab, N). The
 * review loop: jump to what the model is unsure of (C), accept (A) or reject (X) the predicted
 * segment at the playhead, which moves on to the next one, and go to the next file (Page Down).
 */
import type { LabelClass, PredictionView } from '../../engine/api'
import { nextLowConfidence, nextPredicted, predictedAt } from '../lib/prediction'
import type { Action } from '../lib/keys'
import * as ops from '../lib/segments'
import type { EditState } from './edit.svelte'
import type { LabelsState } from './labels.svelte'
import type { PlayerState } from './player.svelte'
import type { ViewState } from './view.svelte'

/** What the actions act on (the Studio provides it). */
export interface ActionScope {
  labels: LabelsState
  view: ViewState
  player: PlayerState
  edit: EditState
  classes: LabelClass[]
  /** The current file's prediction, for the low-confidence jump. */
  prediction: PredictionView | null
  /** Indices of the current prediction's rejected segments. */
  rejected: ReadonlySet<number>
  /** Take predicted segment `i` into the labels (one undo step). */
  acceptPredicted: (i: number) => void
  /** Reject predicted segment `i`: Accept all skips it (one undo step). */
  rejectPredicted: (i: number) => void
  /** Open the next (1) or previous (−1) file of the project. */
  openFile: (step: 1 | -1) => void
  toggleHelp: () => void
}

export function runAction(s: ActionScope, action: Action, digit?: number, big?: boolean): void {
  const { labels, view, player, edit } = s
  const sel = labels.selected !== null ? labels.segments[labels.selected] : null
  const select = (i: number) => {
    if (i < 0) return
    labels.selected = i
    view.cursor = labels.segments[i].start
    view.reveal(labels.segments[i].end)
    view.reveal(labels.segments[i].start)
  }
  switch (action) {
    case 'play':
      return player.toggle()
    case 'play-selection':
      if (sel) player.play(sel.start, sel.end)
      else if (edit.mark !== null)
        player.play(Math.min(edit.mark, view.cursor), Math.max(edit.mark, view.cursor))
      return
    case 'loop':
      player.loop = !player.loop
      return
    case 'mark-start':
      edit.mark = view.snapTime(view.cursor)
      return
    case 'mark-end': {
      const end = view.snapTime(view.cursor)
      const start =
        edit.mark ?? labels.segments[ops.previousSegment(labels.segments, end)]?.end ?? 0
      edit.mark = null
      labels.create(start, end)
      return
    }
    case 'class': {
      const cls = s.classes.find((c) => c.hotkey === digit)
      if (!cls) return
      // A selection the user picked is relabelled; with none, or with the segment just drawn
      // selected, the key picks the next segment's class (drawing already used the current one).
      if (labels.selected !== null && !labels.justDrawn) labels.setClass(labels.selected, cls.name)
      else labels.currentClass = cls.name
      return
    }
    case 'accept-prediction':
    case 'reject-prediction': {
      const p = s.prediction
      const i = p ? predictedAt(p, view.cursor) : -1
      if (!p || i < 0) return
      if (action === 'accept-prediction') s.acceptPredicted(i)
      else if (!s.rejected.has(i)) s.rejectPredicted(i)
      // on to the next segment still to decide, as a reviewer goes down the list
      const next = nextPredicted(p, p.segments[i].start, new Set([...s.rejected, i]))
      if (next < 0) return
      labels.selected = null
      view.cursor = p.segments[next].start
      view.reveal(p.segments[next].end)
      view.reveal(p.segments[next].start)
      return
    }
    case 'next-file':
      return s.openFile(1)
    case 'previous-file':
      return s.openFile(-1)
    case 'next-segment':
      return select(ops.nextSegment(labels.segments, sel ? sel.start : view.cursor - 1e-6))
    case 'previous-segment':
      return select(ops.previousSegment(labels.segments, sel ? sel.start : view.cursor + 1e-6))
    case 'next-unlabelled': {
      // A repeat press (the playhead still on the mark it set) moves on to the next stretch.
      const gap = ops.nextUnlabelled(
        labels.segments,
        view.cursor,
        view.duration,
        0.01,
        edit.mark !== view.cursor,
      )
      if (!gap) return
      labels.selected = null
      edit.mark = gap[0]
      view.cursor = gap[0]
      view.reveal(gap[0])
      return
    }
    case 'next-low-confidence': {
      const t = s.prediction ? nextLowConfidence(s.prediction, view.cursor) : null
      if (t === null) return
      labels.selected = null
      view.cursor = t
      view.reveal(t)
      return
    }
    case 'delete':
      if (labels.selected !== null) labels.remove(labels.selected)
      return
    case 'deselect':
      labels.selected = null
      edit.mark = null
      return
    case 'undo':
      return labels.undo()
    case 'redo':
      return labels.redo()
    case 'zoom-in':
      return view.zoom(2)
    case 'zoom-out':
      return view.zoom(0.5)
    case 'amplitude-up':
      return view.zoomAmplitude(2)
    case 'amplitude-down':
      return view.zoomAmplitude(0.5)
    case 'zoom-fit':
      return view.setWindow(0, view.duration)
    case 'zoom-selection':
      if (sel) view.setWindow(sel.start - (sel.end - sel.start) * 0.1, (sel.end - sel.start) * 1.2)
      return
    case 'step-back':
    case 'step-forward': {
      const step = view.span * (big ? 0.1 : 0.01) * (action === 'step-back' ? -1 : 1)
      return view.seek(view.cursor + step)
    }
    case 'home':
      return view.seek(0)
    case 'end':
      return view.seek(view.duration)
    case 'snap':
      view.snap = !view.snap
      return
    case 'help':
      return s.toggleHelp()
  }
}
