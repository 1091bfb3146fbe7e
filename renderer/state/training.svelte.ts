/**
 * Training from the UI: the settings form (defaults shown, as the engine fills them), start and
 * cancel, live progress with ETA, loss and validation curves (columnar, for uPlot), and the
 * history of runs with their best scores side by side.
 */
import type { Results, RunView, TrainingEvent } from '../../engine/api'
import { api, newJobId } from '../api/client'
import {
  blockedBy,
  FORM_FIELDS,
  formOf,
  settled,
  type Blocked,
  type TrainForm,
} from '../lib/train-form'

export type { TrainForm } from '../lib/train-form'

type Defaults = Results['trainingDefaults']

export class TrainingState {
  /** Null until the engine's defaults have arrived. */
  form = $state<TrainForm | null>(null)
  defaults = $state.raw<Defaults | null>(null)
  /** Job id of the running training, or null. */
  jobId = $state<string | null>(null)
  runId = $state<string | null>(null)
  /** 0..1 over all epochs. */
  fraction = $state(0)
  status = $state('')
  etaSeconds = $state<number | null>(null)
  error = $state<string | null>(null)
  /** Per-step loss curve: [step index, loss]. */
  steps = $state.raw<[number[], number[]]>([[], []])
  /** Per-epoch curves: epoch, train loss, val loss, val macro-F1. */
  epochs = $state.raw<[number[], number[], number[], number[]]>([[], [], [], []])
  runs = $state.raw<RunView[]>([])
  /** Task of the training shown in the curves: a clip classifier's scores are over files. */
  curveTask = $state<TrainForm['task']>('tag')

  running = $derived(this.jobId !== null)
  /** The feature spec training is sent (the Train panel's choice), null until the defaults arrive. */
  features = $state.raw<Defaults['features'] | null>(null)
  /** The file on screen and its visible window, for the features preview and bandwidth warning. */
  shown = $state.raw<{ media: string; start: number; end: number; sampleRate: number } | null>(null)

  #unsubscribe: (() => void) | null = null

  constructor(
    private readonly onFinished: (run: RunView) => void = () => {},
    /** Saves pending label edits, so training sees what the user sees. */
    private readonly flushLabels: () => Promise<void> = async () => {},
  ) {}

  async refresh(): Promise<void> {
    try {
      if (!this.defaults) {
        this.defaults = await api.trainingDefaults({})
        this.form ??= formOf(this.defaults.settings)
        this.features ??= this.defaults.features
      }
      this.runs = await api.listRuns({})
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  async start(): Promise<void> {
    const form = this.form
    if (this.jobId || !form || !this.defaults) return
    const jobId = newJobId()
    this.jobId = jobId
    this.runId = null
    this.error = null
    this.fraction = 0
    this.status = 'preparing features…'
    this.etaSeconds = null
    this.steps = [[], []]
    this.epochs = [[], [], [], []]
    this.curveTask = form.task
    await this.flushLabels()
    let stepCount = 0
    this.#unsubscribe?.()
    const offTraining = api.on('training', (t: TrainingEvent) => {
      if (t.jobId !== jobId) return
      this.runId = t.runId
      if (t.progress) {
        const p = t.progress
        stepCount++
        this.steps = [
          [...this.steps[0], stepCount],
          [...this.steps[1], p.loss],
        ]
        this.fraction = (p.epoch - 1 + p.step / p.stepsPerEpoch) / p.epochs
        this.etaSeconds = p.etaSeconds
        this.status = `epoch ${p.epoch}/${p.epochs} · loss ${p.loss.toFixed(3)} · ${Math.round(p.framesPerSecond).toLocaleString()} frames/s`
      }
      if (t.epoch) {
        const e = t.epoch
        this.epochs = [
          [...this.epochs[0], e.epoch],
          [...this.epochs[1], e.trainLoss],
          [...this.epochs[2], e.valLoss],
          [...this.epochs[3], e.valMacroF1],
        ]
      }
    })
    const offProgress = api.on('progress', (p) => {
      if (p.jobId === jobId && this.steps[0].length === 0) this.status = p.message
    })
    this.#unsubscribe = () => {
      offTraining()
      offProgress()
    }
    try {
      // settings the rest of the form rules out are sent off, as the form shows them
      const run = await api.train({
        jobId,
        settings: settled(form, this.defaults.exclusions),
        // a spec the user chose; otherwise the engine picks the project's, as the defaults said
        ...(this.features && this.features !== this.defaults.features
          ? { features: this.features }
          : {}),
      })
      this.fraction = 1
      this.status = `done: best epoch ${run.bestEpoch}`
      this.onFinished(run)
    } catch (err) {
      const message = (err as Error).message
      this.status = /cancelled/.test(message) ? 'cancelled' : 'failed'
      if (!/cancelled/.test(message)) this.error = message
    } finally {
      this.#unsubscribe?.()
      this.#unsubscribe = null
      this.jobId = null
      await this.refresh()
    }
  }

  async cancel(): Promise<void> {
    if (this.jobId) await api.cancelJob({ jobId: this.jobId })
  }

  reset(): void {
    if (!this.defaults) return
    this.form = formOf(this.defaults.settings)
    this.features = this.defaults.features
  }

  /** Why each setting is disabled now (see blockedBy). */
  get blocked(): Blocked {
    return this.form && this.defaults ? blockedBy(this.form, this.defaults.exclusions) : {}
  }

  /** Turn off what the last change ruled out (a control's change handler calls it). */
  settle(): void {
    if (!this.form || !this.defaults) return
    const next = settled(this.form, this.defaults.exclusions)
    for (const k of FORM_FIELDS)
      if (next[k] !== this.form[k]) Object.assign(this.form, { [k]: next[k] })
  }
}

/** What a run's validation scores count: a clip classifier's, files; a tagger's, frames. */
export function scoredOn(run: RunView): 'files' | 'frames' {
  return (run.settings as { task?: string }).task === 'classify' ? 'files' : 'frames'
}

/** Best validation scores of a run, for the history table. */
export function bestOf(run: RunView): {
  epoch: number | null
  macroF1: number | null
  accuracy: number | null
  loss: number | null
} {
  const e = run.bestEpoch ? run.history[run.bestEpoch - 1] : undefined
  return {
    epoch: run.bestEpoch,
    macroF1: e?.valMacroF1 ?? null,
    accuracy: e?.valAccuracy ?? null,
    loss: e?.valLoss ?? null,
  }
}

/** '1 h 02 min', '3 min 05 s', '12 s'. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${s} s`
}
