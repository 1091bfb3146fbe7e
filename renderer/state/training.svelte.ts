/**
 * Training from the UI: the settings form (defaults shown, as the engine fills them), start and
 * cancel, live progress with ETA, loss and validation curves (columnar, for uPlot), and the
 * history of runs with their best scores side by side.
 */
import type { RunView, TrainingEvent } from '../../engine/api'
import { api, newJobId } from '../api/client'

/** The form's fields; defaults mirror engine/train/settings.ts (shown, not hidden). */
export interface TrainForm {
  /** Frame tagging, or one class per file from the files' clip classes. */
  task: 'tag' | 'classify'
  /** How clip classification pools the frames of a file. */
  pooling: 'mean' | 'max' | 'attention'
  cell: 'gru' | 'lstm' | 'rnn-tanh' | 'rnn-relu'
  bidirectional: boolean
  hidden: number
  layers: number
  dropout: number
  /** Skip connections between stacked layers (h = RNN(x) + x). */
  residual: boolean
  /** Self-attention heads before the output layer; 0 = none. */
  attentionHeads: 0 | 1 | 2 | 4
  /** Frames each side a frame attends to; 0 = the whole chunk. */
  attentionWindow: number
  /** Recurrent initialisation: default, or chrono keep-gate biases (long memory). */
  init: 'default' | 'chrono'
  /** Feed each frame the previous label (unidirectional; decoded at prediction). */
  outputRecurrence: boolean
  /** Scheduled sampling ε_max of output recurrence. */
  scheduledSampling: number
  /** Decoding of output recurrence. */
  decode: 'greedy' | 'beam'
  beamWidth: number
  epochs: number
  lr: number
  batch: number
  chunk: number
  classWeights: 'sqrt-balanced' | 'balanced' | 'none'
  seed: number
}

export const DEFAULT_FORM: TrainForm = {
  task: 'tag',
  pooling: 'max',
  cell: 'gru',
  bidirectional: true,
  hidden: 64,
  layers: 2,
  dropout: 0.2,
  residual: false,
  attentionHeads: 0,
  attentionWindow: 100,
  init: 'default',
  outputRecurrence: false,
  scheduledSampling: 0.5,
  decode: 'beam',
  beamWidth: 4,
  epochs: 30,
  lr: 0.002,
  batch: 16,
  chunk: 400,
  classWeights: 'sqrt-balanced',
  seed: 1,
}

/**
 * Why a setting cannot be on with the rest of the form (null: it can), the tooltip of its
 * disabled control. The engine refuses self-attention with output recurrence (attention reads
 * later frames; label feedback decodes a frame at a time), and a clip classifier ignores both
 * (its pooling sees whole files; there are no frame labels to feed back).
 */
export function blockedBy(f: TrainForm): { bidirectional: string | null; attention: string | null; outputRecurrence: string | null } {
  const feedback = f.task === 'tag' && f.outputRecurrence
  return {
    bidirectional: feedback ? 'Output recurrence decodes left to right: the model is unidirectional' : null,
    attention:
      f.task === 'classify'
        ? 'Clip classifiers pool the recurrent states directly (choose attention pooling to see where the model looks)'
        : feedback
          ? 'Self-attention reads later frames, output recurrence decodes a frame at a time: turn output recurrence off to use it'
          : null,
    outputRecurrence: f.task === 'classify' ? 'Clip classifiers have no frame labels to feed back' : null,
  }
}

/** The form with every blocked setting off: what the UI shows and what training is sent. */
export function settled(f: TrainForm): TrainForm {
  const b = blockedBy(f)
  return {
    ...f,
    bidirectional: f.bidirectional && !b.bidirectional,
    attentionHeads: b.attention ? 0 : f.attentionHeads,
    outputRecurrence: f.outputRecurrence && !b.outputRecurrence,
  }
}

export class TrainingState {
  form = $state<TrainForm>({ ...DEFAULT_FORM })
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

  #unsubscribe: (() => void) | null = null

  constructor(
    private readonly onFinished: (run: RunView) => void = () => {},
    /** Saves pending label edits, so training sees what the user sees. */
    private readonly flushLabels: () => Promise<void> = async () => {},
  ) {}

  async refresh(): Promise<void> {
    try {
      this.runs = await api.listRuns({})
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  async start(): Promise<void> {
    if (this.jobId) return
    const jobId = newJobId()
    this.jobId = jobId
    this.runId = null
    this.error = null
    this.fraction = 0
    this.status = 'preparing features…'
    this.etaSeconds = null
    this.steps = [[], []]
    this.epochs = [[], [], [], []]
    this.curveTask = this.form.task
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
      const run = await api.train({ jobId, settings: { ...settled(this.form) } })
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
    this.form = { ...DEFAULT_FORM }
  }

  /** Turn off what the last change ruled out (a control's change handler calls it). */
  settle(): void {
    const next = settled(this.form)
    if (next.bidirectional !== this.form.bidirectional) this.form.bidirectional = next.bidirectional
    if (next.attentionHeads !== this.form.attentionHeads) this.form.attentionHeads = next.attentionHeads
    if (next.outputRecurrence !== this.form.outputRecurrence) this.form.outputRecurrence = next.outputRecurrence
  }
}

/** What a run's validation scores count: a clip classifier's, files; a tagger's, frames. */
export function scoredOn(run: RunView): 'files' | 'frames' {
  return (run.settings as { task?: string }).task === 'classify' ? 'files' : 'frames'
}

/** Best validation scores of a run, for the history table. */
export function bestOf(run: RunView): { epoch: number | null; macroF1: number | null; accuracy: number | null; loss: number | null } {
  const e = run.bestEpoch ? run.history[run.bestEpoch - 1] : undefined
  return { epoch: run.bestEpoch, macroF1: e?.valMacroF1 ?? null, accuracy: e?.valAccuracy ?? null, loss: e?.valLoss ?? null }
}

/** '1 h 02 min', '3 min 05 s', '12 s'. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${s} s`
}
