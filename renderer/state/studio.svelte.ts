/**
 * The labelling studio's wiring: it owns the states of the open project (project, labels, view,
 * signal, player, edit, spectrogram, models, training) and connects them. What follows from
 * other state is derived (the snap frame, the current class, the channels shown, the current
 * file's prediction); what must happen when state changes (loading a file's labels, signal and
 * prediction, fetching the visible window) is an effect, started by `start()`. App.svelte builds
 * one Studio, renders it and forwards DOM events to it.
 */
import type { AppCommand } from '../../electron/menu-commands'
import { openDialog, saveDialog } from '../api/dialogs'
import type { Action } from '../lib/keys'
import { accept, unrejected } from '../lib/prediction'
import { frameSeconds } from '../lib/timescale'
import { runAction, type ActionScope } from './actions'
import { EditState } from './edit.svelte'
import { LabelsState } from './labels.svelte'
import { ModelsState } from './models.svelte'
import { PlayerState } from './player.svelte'
import { ProjectState } from './project.svelte'
import { SignalState } from './signal.svelte'
import { SpectrogramState } from './spectrogram.svelte'
import { TrainingState } from './training.svelte'
import { ViewState } from './view.svelte'

/** A key or menu action, as lib/keys.ts matches it. */
export interface Hit {
  action: Action
  digit?: number
  big?: boolean
}

/** The app commands the studio runs itself (the label files panel runs import and export). */
export type StudioCommand = Exclude<AppCommand, 'import-labels' | 'export-labels'>

export class Studio implements ActionScope {
  readonly project = new ProjectState()
  /** Kind of the selected file: a primitive, so a new project view (after every save) does not reopen it. */
  #kind = $derived(this.project.selected?.kind ?? null)
  // The snap grid is the project's feature hop (per kind; a series hop in rows needs the row rate).
  readonly view: ViewState = new ViewState(() =>
    frameSeconds(this.#kind, this.project.view?.frameHop, this.signal.sampleRate),
  )
  readonly signal: SignalState = new SignalState(
    this.view,
    (media, duration) => (this.project.durations[media] = duration),
  )
  readonly labels = new LabelsState(
    (media, count) => this.project.setSegmentCount(media, count),
    () => this.project.segmentClasses.map((c) => c.name),
  )
  readonly player = new PlayerState(this.view)
  readonly edit = new EditState(this.labels, this.view)
  readonly spectrogram = new SpectrogramState(this.view, this.signal)
  readonly models = new ModelsState(
    () => this.labels.flush(),
    (media) => this.project.markPredicted(media),
  )
  readonly training = new TrainingState(
    () => this.models.refresh(),
    () => this.labels.flush(),
  )

  /** The shortcuts sheet is open. */
  help = $state(false)
  /** Series channels plotted: every channel of a newly opened file, until the picker changes them. */
  channels = $derived.by(() => this.signal.seriesOverview?.channels ?? [])
  layout = $state<'stacked' | 'overlaid'>('stacked')
  /** The current file's prediction (one for another file may still be on its way out). */
  prediction = $derived.by(() =>
    this.models.prediction?.media === this.project.selectedId ? this.models.prediction : null,
  )
  /** The background class's name: unlabelled time, drawn as no segment. */
  background = $derived.by(
    () => this.project.classes.find((c) => c.role === 'background')?.name ?? null,
  )
  #colours = $derived.by(() => new Map(this.project.classes.map((c) => [c.name, c.color])))

  /** `ask` puts a yes/no question to the user (leaving a project with unsaved edits). */
  constructor(private readonly ask: (question: string) => boolean = (q) => confirm(q)) {}

  get classes() {
    return this.project.classes
  }

  /** Indices of the current prediction's rejected segments. */
  get rejected(): ReadonlySet<number> {
    return this.models.rejectedOf(this.prediction)
  }

  /** The colour of a label's class. */
  colour = (label: string): string => this.#colours.get(label) ?? '#888888'

  /** Load the open project and keep the rest following it; returns the function that stops. */
  start(): () => void {
    this.project.load()
    return $effect.root(() => {
      // Runs and models of the open project.
      $effect(() => {
        if (!this.project.view?.dir) return
        this.training.refresh()
        this.models.refresh()
      })
      $effect(() => {
        this.models.loadPrediction(this.project.selectedId)
      })
      $effect(() => {
        this.labels.load(this.project.selectedId)
      })
      $effect(() => {
        const id = this.project.selectedId
        const kind = this.#kind
        this.edit.cancel()
        this.edit.mark = null
        this.signal.open(id, kind)
        this.player.load(id, kind)
        this.spectrogram.clear()
      })
      $effect(() => {
        void this.view.viewport
        this.signal.update()
      })
      $effect(() => {
        void this.view.viewport
        void this.signal.media
        if (this.spectrogram.enabled && !this.signal.loading) this.spectrogram.schedule()
      })
    })
  }

  toggleHelp(): void {
    this.help = !this.help
  }

  /**
   * What a hotkey does, and the desktop menu's command of the same name: one path for both.
   * `onControl`: focus is on a button or link, where Tab keeps moving focus. Returns whether
   * the hit was used.
   */
  perform(hit: Hit, onControl = false): boolean {
    if (this.help) {
      if (hit.action !== 'deselect' && hit.action !== 'help') return false
      this.help = false
      return true
    }
    if (!this.project.selected) return false
    if (hit.action.endsWith('-segment') && onControl) return false
    runAction(this, hit.action, hit.digit, hit.big)
    return true
  }

  /** Select segment `i` from the list: the playhead goes to its start. */
  selectSegment(i: number): void {
    this.labels.selected = i
    this.view.cursor = this.labels.segments[i].start
    this.view.reveal(this.labels.segments[i].start)
  }

  /** Take the current file's prediction as labels, everywhere or within the selection: one undo step. */
  acceptPrediction(where: 'all' | 'selection'): void {
    const { labels } = this
    const p = this.models.prediction
    if (!p || p.media !== labels.media) return
    const sel = labels.selected !== null ? labels.segments[labels.selected] : null
    if (where === 'selection' && !sel) return
    const kind = labels.tier.kind
    const next =
      where === 'all'
        ? accept(labels.segments, unrejected(p, this.rejected), -Infinity, Infinity, kind)
        : accept(labels.segments, unrejected(p, this.rejected), sel!.start, sel!.end, kind)
    labels.apply(
      where === 'all' ? 'Accept predictions' : 'Accept predictions in selection',
      next,
      null,
    )
  }

  /** Take predicted segment `i` of the current prediction into the labels: one undo step. */
  acceptPredicted(i: number): void {
    const p = this.prediction
    const s = p?.segments[i]
    if (!p || !s || p.media !== this.labels.media) return
    const next = accept(this.labels.segments, [s], -Infinity, Infinity, this.labels.tier.kind)
    this.labels.apply('Accept predicted segment', next, null)
  }

  /** Reject predicted segment `i`: drawn struck out, skipped by Accept all; one undo step. */
  rejectPredicted(i: number): void {
    const p = this.prediction
    if (!p?.segments[i] || p.media !== this.labels.media) return
    const before = this.models.rejectedOf(p)
    const after = new Set([...before, i])
    this.labels.record(
      'Reject predicted segment',
      () => this.models.setRejected(p, before),
      () => this.models.setRejected(p, after),
    )
  }

  /** Open the next (1) or previous (−1) file in the project's order. */
  openFile(step: 1 | -1): void {
    const media = this.project.view?.media ?? []
    const at = media.findIndex((m) => m.id === this.project.selectedId)
    const next = media[at + step]
    if (next) this.project.selectedId = next.id
  }

  /** Set the current file's clip class (a clip classifier's prediction accepted). */
  async acceptClip(clipClass: string): Promise<void> {
    if (this.project.selectedId) await this.project.setClipClass(this.project.selectedId, clipClass)
  }

  /** Before another project replaces this one: write pending edits; if they cannot be written, ask. */
  async leaveProject(next: string): Promise<boolean> {
    const { project, labels } = this
    if (!project.view) return true
    await labels.flush()
    if (labels.status === 'saved') return true
    const why = labels.conflict ?? labels.error ?? 'saving failed'
    return this.ask(
      `${project.view.name} has label edits that are not saved (${why}). Open ${next} anyway and lose them?`,
    )
  }

  /** A desktop menu command of the app's own (lib/menu.ts routes them); `dir` for open-project. */
  async run(command: StudioCommand, dir?: string): Promise<void> {
    const { project } = this
    switch (command) {
      case 'open-project':
      case 'create-project': {
        const opening = command === 'open-project'
        const chosen =
          dir ??
          (
            await openDialog({
              kind: 'dir',
              title: opening ? 'Open project' : 'Create a project in',
            })
          )?.[0]
        if (!chosen || !(await this.leaveProject(chosen))) return
        return opening ? project.open(chosen) : project.create(chosen)
      }
      case 'add-media': {
        const paths =
          project.view &&
          (await openDialog({ kind: 'file', multiple: true, filter: 'media', title: 'Add media' }))
        if (paths?.length) await project.addMedia(paths)
        return
      }
      case 'export-model': {
        const dest =
          project.view &&
          (await saveDialog({
            defaultName: 'model.onnx',
            filter: 'onnx',
            title: 'Export ONNX model',
          }))
        if (dest) await this.models.exportModel(dest)
        return
      }
      case 'toggle-spectrogram':
        if (this.signal.kind === 'audio') this.spectrogram.enabled = !this.spectrogram.enabled
        return
    }
  }
}
