/**
 * Models of the project (trained and imported), running one on the current file or on all files,
 * the current file's prediction, and an evaluation of a model on the labelled files.
 */
import type { EvaluationView, ModelView, Params, PredictionView } from '../../engine/api'
import { api, newJobId } from '../api/client'
import { secondsLeft } from '../lib/eta'

/** Which labelled files Evaluate scores (engine/eval/selection.ts). */
export type EvalFiles = 'validation' | 'all'

/** The predicted segments rejected in one prediction are keyed by it: file, model and time made. */
const predictionKey = (p: PredictionView) => `${p.media}\n${p.model}\n${p.created}`
const NONE: ReadonlySet<number> = new Set()
/** The rejections a saved prediction came with, one set per prediction object. */
const saved = new WeakMap<PredictionView, ReadonlySet<number>>()
const savedOf = (p: PredictionView): ReadonlySet<number> => {
  if (!p.rejected?.length) return NONE
  if (!saved.has(p)) saved.set(p, new Set(p.rejected))
  return saved.get(p)!
}

/** Viterbi post-processing: on/off and the transition weight λ (engine/infer/postprocess.ts). */
export interface Viterbi {
  enabled: boolean
  weight: number
}

export class ModelsState {
  models = $state.raw<ModelView[]>([])
  /** Model used for prediction and evaluation. */
  selectedId = $state<string | null>(null)
  /** Prediction of the media file being viewed, or null. */
  prediction = $state.raw<PredictionView | null>(null)
  evaluation = $state.raw<EvaluationView | null>(null)
  /** Running job (prediction or evaluation), for progress and cancel. */
  jobId = $state<string | null>(null)
  fraction = $state(0)
  /** Seconds the running job still needs, once its pace is known, else null. */
  secondsLeft = $state<number | null>(null)
  status = $state('')
  error = $state<string | null>(null)
  /** The ONNX file the last export wrote (its card sits next to it), or null. */
  exported = $state<string | null>(null)

  selected: ModelView | null = $derived(this.models.find((m) => m.id === this.selectedId) ?? null)

  /** Evaluate scores the model's validation files, or all labelled files. */
  evalFiles = $state<EvalFiles>('validation')
  /** Evaluate also scores files whose labels are unreviewed accepted predictions. */
  includeUnreviewed = $state(false)
  /** Rejections made this session, per prediction (predictionKey); each is saved with it too. */
  #rejected = $state.raw<Record<string, ReadonlySet<number>>>({})
  #savingRejected: Promise<void> = Promise.resolve()

  /** Viterbi settings chosen in the panel, per model id; a model absent here uses its own. */
  viterbiChoice = $state<Record<string, Viterbi>>({})
  #previewAgain = false

  #offProgress: (() => void) | null = null

  /**
   * `flushLabels` saves pending label edits, so evaluation scores what the user sees;
   * `onPredicted` tells the file list a prediction was saved for a file.
   */
  constructor(
    private readonly flushLabels: () => Promise<void> = async () => {},
    private readonly onPredicted: (media: string) => void = () => {},
  ) {}

  async refresh(): Promise<void> {
    try {
      this.models = await api.listModels({})
      if (!this.models.some((m) => m.id === this.selectedId))
        this.selectedId = this.models.at(-1)?.id ?? null
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  /** File `media`'s part in the selected model's training run (the file list's mark), or null. */
  splitOf(media: string): 'train' | 'validation' | null {
    const split = this.selected?.split
    if (split?.validation.includes(media)) return 'validation'
    return split?.train.includes(media) ? 'train' : null
  }

  /** The rejected segments of prediction `p`. */
  rejectedOf(p: PredictionView | null): ReadonlySet<number> {
    return p ? (this.#rejected[predictionKey(p)] ?? savedOf(p)) : NONE
  }

  /** Set prediction `p`'s rejected segments, and save them with it (engine: setRejected). */
  setRejected(p: PredictionView, rejected: ReadonlySet<number>): void {
    this.#rejected = { ...this.#rejected, [predictionKey(p)]: rejected }
    const { media, model, created } = p
    // one after another, so a quick reject-then-undo is saved in that order
    this.#savingRejected = this.#savingRejected.then(() =>
      api.setRejected({ media, model, created, rejected: [...rejected] }).then(
        () => {},
        (err: Error) => void (this.error = err.message),
      ),
    )
  }

  /** Rejections written so far (tests and leaving a file wait for it). */
  flushRejected(): Promise<void> {
    return this.#savingRejected
  }

  /** Give model `id` a name (empty: its default name again). */
  async rename(id: string, name: string): Promise<boolean> {
    this.error = null
    try {
      const renamed = await api.renameModel({ model: id, name })
      this.models = this.models.map((m) => (m.id === id ? renamed : m))
      return true
    } catch (err) {
      this.error = (err as Error).message
      return false
    }
  }

  async loadPrediction(media: string | null): Promise<void> {
    this.prediction = null
    if (!media) return
    try {
      const p = await api.getPrediction({ media })
      if (p && p.media === media) this.prediction = p
    } catch (err) {
      this.error = (err as Error).message
    }
  }

  /** Predict `media` files one after another with the selected model. */
  async predict(media: string[], current: string | null): Promise<void> {
    const model = this.selectedId
    if (!model || this.jobId) return
    const started = Date.now()
    for (let i = 0; i < media.length; i++) {
      const ok = await this.#job(
        `predicting ${media[i]} (${i + 1}/${media.length})`,
        { started, index: i, count: media.length },
        async (jobId) => {
          const p = await api.predict({
            jobId,
            model,
            media: media[i],
            ...this.#postprocess(model),
          })
          if (p.media === current) this.prediction = p
          this.onPredicted(p.media)
        },
      )
      if (!ok) break
    }
  }

  /** The Viterbi setting in effect for `m`: the panel's choice, else what the model ships (off when none). */
  viterbiOf(m: ModelView): Viterbi {
    return this.viterbiChoice[m.id] ?? m.postprocess?.viterbi ?? { enabled: false, weight: 1 }
  }

  #postprocess(model: string): { postprocess?: { viterbi: Viterbi } } {
    const v = this.viterbiChoice[model]
    return v ? { postprocess: { viterbi: v } } : {}
  }

  /**
   * Sets the selected model's Viterbi choice; when the current file shows this model's
   * prediction, re-predicts it as a live preview (the engine re-decodes its cached probabilities).
   * A change during a running job previews once that job ends.
   */
  async setViterbi(v: Viterbi, current: string | null): Promise<void> {
    const model = this.selectedId
    if (!model) return
    this.viterbiChoice = { ...this.viterbiChoice, [model]: v }
    if (!current || this.prediction?.model !== model || this.prediction.media !== current) return
    if (this.jobId) {
      this.#previewAgain = true
      return
    }
    await this.predict([current], current)
    if (this.#previewAgain) {
      this.#previewAgain = false
      await this.predict([current], current)
    }
  }

  async evaluate(): Promise<void> {
    const model = this.selectedId
    if (!model || this.jobId) return
    await this.flushLabels()
    const choice = { files: this.evalFiles, includeUnreviewed: this.includeUnreviewed }
    await this.#job('evaluating', { started: Date.now(), index: 0, count: 1 }, async (jobId) => {
      this.evaluation = await api.evaluate({ jobId, model, ...choice, ...this.#postprocess(model) })
    })
  }

  async importModel(
    path: string,
    features: Params<'importModel'>['features'],
    classes: string[] | undefined,
  ): Promise<boolean> {
    this.error = null
    try {
      const m = await api.importModel({ path, features, classes })
      await this.refresh()
      this.selectedId = m.id
      return true
    } catch (err) {
      this.error = (err as Error).message
      return false
    }
  }

  /** Exports the selected model to `path`; `withFeatures` puts its front end in the graph. */
  async exportModel(path: string, withFeatures = false): Promise<string | null> {
    this.error = this.exported = null
    if (!this.selectedId) {
      this.error = 'No model to export: train or import one first.'
      return null
    }
    try {
      this.exported = (
        await api.exportModel({
          model: this.selectedId,
          path,
          ...(withFeatures ? { withFeatures } : {}),
        })
      ).model
      return this.exported
    } catch (err) {
      this.error = (err as Error).message
      return null
    }
  }

  async cancel(): Promise<void> {
    if (this.jobId) await api.cancelJob({ jobId: this.jobId })
  }

  /**
   * Runs one job; `part` places it among `count` jobs begun at `started` (predicting all files),
   * so the bar and the time left cover them all.
   */
  async #job(
    status: string,
    part: { started: number; index: number; count: number },
    work: (jobId: string) => Promise<void>,
  ): Promise<boolean> {
    const jobId = newJobId()
    this.jobId = jobId
    this.error = null
    this.status = status
    this.fraction = part.index / part.count
    this.secondsLeft = null
    this.#offProgress = api.on('progress', (p) => {
      if (p.jobId !== jobId || p.fraction === null) return
      this.fraction = (part.index + p.fraction) / part.count
      this.secondsLeft = secondsLeft(this.fraction, (Date.now() - part.started) / 1000)
    })
    try {
      await work(jobId)
      this.status = ''
      return true
    } catch (err) {
      const message = (err as Error).message
      this.status = /cancelled/.test(message) ? 'cancelled' : ''
      if (!/cancelled/.test(message)) this.error = message
      return false
    } finally {
      this.#offProgress?.()
      this.jobId = null
    }
  }
}
