/**
 * Clip classification training: one class per file, learned from the same recordings the
 * tagger learns from. The model is the tagger stack with a K-wide per-frame projection
 * (K = D·H, the width of the recurrent states) followed by a pooling head (models/pooling.ts):
 *
 *   s = tagger(x)                (T, B, K)   the per-frame projection, no softmax
 *   z = head(pool(s, lengths))   (B, C)      mean | max | additive attention pooling
 *   L = clip cross-entropy(z, y) with class weights over files
 *
 * Backward runs the head first (poolingBackward writes dL/ds into the tagger's dlogits), then
 * taggerBackward; one Adam steps over both modules' parameters, which share one flat array
 * (tagger first, then the head), so checkpoints and the optimiser treat them as one model.
 *
 * Batches are whole files, longest first, padded, with their lengths. A file longer than
 * CROP frames is cut to a random CROP-frame window, drawn anew each epoch: a step's memory and
 * time stay bounded on hour-long recordings, and over epochs every part of the file is seen.
 * The price is label noise when the decisive cue falls outside the window; validation and
 * prediction always use whole files.
 *
 * Single-threaded: a clip batch has few, unequal sequences (one per file), which the
 * chunk-sharding data-parallel trainer (parallel.ts) does not fit without padding waste; the
 * whole-file forward dominates anyway. Deterministic for a given seed.
 */
import type { EpochRecord } from '../api'
import { pickKernels, type KernelsChoice } from '../kernels/load'
import type { Kernels } from '../../models/kernels'
import { glorotUniform, initTagger } from '../../models/init'
import { createModule } from '../../models/layout'
import { clipGradNorm } from '../../models/optim'
import { paramLayout, taggerViews, type TaggerConfig } from '../../models/params'
import {
  allocPooling,
  clipCrossEntropy,
  poolingBackward,
  poolingForward,
  poolingLayout,
  poolingViews,
  type PoolingConfig,
  type PoolingHead,
} from '../../models/pooling'
import { Rng } from '../../models/rng'
import { allocWorkspace, taggerBackward, taggerForward, type Tagger } from '../../models/tagger'
import { classWeightsOf, optimizerOf, taggerConfigOf } from './config'
import { EpochTracker, type TrainHooks } from './epochs'
import type { TrainSettings } from './settings'
import { confusionScores } from '../eval/metrics'

/** Longest training window per file, in frames (30 s at a 10 ms hop); see the header. */
export const CROP = 3000

/** One file with its clip class. */
export interface ClipSequence {
  /** File it came from. */
  name: string
  /** (T, F) features. */
  x: Float32Array
  /** Frames (T). */
  frames: number
  /** Clip class index, −1 = not counted. */
  label: number
}

export interface ClipData {
  /** Features per frame. */
  F: number
  /** Clip class names; label k is classes[k]. */
  classes: string[]
  train: ClipSequence[]
  val: ClipSequence[]
}

export interface ClipTrainResult {
  /** The tagger part (numClasses = K, the projection width). */
  config: TaggerConfig
  pooling: PoolingConfig
  /** Best epoch's parameters: tagger then head (split with splitClipParams). */
  params: Float32Array
  bestEpoch: number
  history: EpochRecord[]
  stoppedEarly: boolean
  classWeights: number[]
}

/** The tagger and pooling configs a clip classifier trains with. */
export function clipConfigOf(
  settings: TrainSettings,
  F: number,
  C: number,
): { config: TaggerConfig; pooling: PoolingConfig } {
  const K = (settings.bidirectional ? 2 : 1) * settings.hidden
  // The plain stack: label feedback has no frame labels to feed here, and the self-attention
  // layer before pooling is not parity-tested with clip heads yet, so both are off.
  const config = taggerConfigOf({ ...settings, outputRecurrence: false, attentionHeads: 0 }, F, K)
  // A = H: the attention MLP as wide as one direction's state.
  return {
    config,
    pooling: {
      kind: settings.pooling,
      inputSize: K,
      attentionSize: settings.hidden,
      numClasses: C,
    },
  }
}

/** The tagger's and the head's parameters out of one flat array (views). */
export function splitClipParams(
  params: Float32Array,
  config: TaggerConfig,
): { tagger: Float32Array; head: Float32Array } {
  const P1 = paramLayout(config).size
  return { tagger: params.subarray(0, P1), head: params.subarray(P1) }
}

interface ClipModel<A extends Float32Array> {
  tagger: Tagger<A>
  head: PoolingHead<A>
  params: A // tagger then head
  grads: A
}

/** Tagger and head over one flat params array and one flat grads array. */
export function createClipModel(
  config: TaggerConfig,
  pooling: PoolingConfig,
  k: Kernels,
): ClipModel<Float32Array> {
  const P1 = paramLayout(config).size
  const P2 = poolingLayout(pooling).size
  const params = k.alloc(P1 + P2)
  const grads = k.alloc(P1 + P2)
  const part = (offset: number) => {
    let calls = 0
    return (n: number) => (calls++ === 0 ? params : grads).subarray(offset, offset + n)
  }
  return {
    tagger: createModule(config, paramLayout(config), taggerViews, part(0)),
    head: createModule(pooling, poolingLayout(pooling), poolingViews, part(P1)),
    params,
    grads,
  }
}

/** Tagger init (init.ts), then Glorot for the head's matrices and v, zero biases. */
export function initClipModel(m: ClipModel<Float32Array>, rng: Rng): void {
  initTagger(m.tagger.params, m.tagger.config, rng)
  const { inputSize: D, attentionSize: Aw, numClasses: C } = m.head.config
  const p = m.head.p
  if (p.W && p.b && p.v) {
    glorotUniform(p.W, 0, Aw, D, rng)
    glorotUniform(p.v, 0, 1, Aw, rng)
    p.b.fill(0)
  }
  glorotUniform(p.Wout, 0, C, D, rng)
  p.bout.fill(0)
}

/** Forward of whole sequences (batch 1 each): logits (C) and pooling weights (T) per sequence. */
export function clipForward(
  m: ClipModel<Float32Array>,
  x: Float32Array, // (T, F)
  T: number,
  k: Kernels,
  ws = {
    tagger: allocWorkspace(m.tagger.config, k, T, 1),
    pool: allocPooling(m.head.config, k, T, 1),
  },
): { logits: Float32Array; weights: Float32Array } {
  const lengths = Int32Array.of(T)
  taggerForward(ws.tagger, x, lengths, T, m.tagger, k)
  poolingForward(ws.pool, ws.tagger.logits, lengths, T, m.head, k)
  return {
    logits: ws.pool.logits.slice(0, m.head.config.numClasses),
    weights: ws.pool.w.slice(0, T),
  }
}

/** Train a clip classifier on `data` with `settings` (task 'classify'). */
export async function trainClassifier(
  data: ClipData,
  settings: TrainSettings,
  hooks: TrainHooks = {},
): Promise<ClipTrainResult> {
  const C = data.classes.length
  const train = data.train.filter((s) => s.label >= 0 && s.frames > 0)
  if (train.length === 0) throw new Error('no training data: give some files a clip class first')
  if (C < 2)
    throw new Error(
      `clip classification needs at least 2 clip classes, found ${C} (${data.classes.join(', ')})`,
    )
  const { config, pooling } = clipConfigOf(settings, data.F, C)
  const classWeights = classWeightsOf(
    train.map((s) => ({ name: s.name, x: s.x, labels: Int32Array.of(s.label) })),
    C,
    settings.classWeights,
  )
  const k = pickKernels(hooks.kernels ?? 'auto')
  const m = createClipModel(config, pooling, k)
  const Bmax = Math.min(settings.batch, train.length)
  const Tmax = Math.min(CROP, Math.max(...train.map((s) => s.frames)))
  const tws = allocWorkspace(config, k, Tmax, Bmax)
  const pws = allocPooling(pooling, k, Tmax, Bmax)
  const F = data.F
  const K = pooling.inputSize
  const x = k.alloc(Tmax * Bmax * F) // (T, B, F)
  const optimizer = optimizerOf(m.params.length, settings)
  const stepsPerEpoch = Math.ceil(train.length / Bmax)
  const tracker = new EpochTracker(settings, stepsPerEpoch, m.params, optimizer, hooks.resume, () =>
    initClipModel(m, new Rng(settings.seed)),
  )
  for (let epoch = tracker.firstEpoch; epoch <= settings.epochs; epoch++) {
    tracker.beginEpoch(epoch)
    const rng = new Rng(settings.seed * 1_000_003 + epoch) // order, crops and dropout of this epoch
    const order = rng.shuffle(train.map((_, i) => i))
    for (let step = 0; step < stepsPerEpoch; step++) {
      hooks.signal?.throwIfAborted()
      const batch = order
        .slice(step * Bmax, (step + 1) * Bmax)
        .map((i) => {
          const s = train[i]
          const length = Math.min(CROP, s.frames)
          return { s, length, start: Math.floor(rng.uniform() * (s.frames - length + 1)) }
        })
        .sort((a, b) => b.length - a.length) // models/ wants the longest first
      const B = batch.length
      const T = batch[0].length
      const lengths = Int32Array.from(batch, (c) => c.length)
      const labels = Int32Array.from(batch, (c) => c.s.label)
      x.fill(0, 0, T * B * F)
      batch.forEach((c, b) => {
        for (let t = 0; t < c.length; t++)
          x.set(c.s.x.subarray((c.start + t) * F, (c.start + t + 1) * F), (t * B + b) * F)
      })
      const xs = x.subarray(0, T * B * F)
      m.grads.fill(0)
      taggerForward(tws, xs, lengths, T, m.tagger, k, { training: config.dropout > 0, rng })
      poolingForward(pws, tws.logits, lengths, T, m.head, k)
      const r = clipCrossEntropy(pws, labels, C, { classWeights, ignoreLabel: -1 })
      tws.dlogits.fill(0, 0, T * B * K)
      poolingBackward(tws.dlogits, pws, tws.logits, lengths, T, m.head, k) // dL/ds into the tagger's dlogits
      taggerBackward(tws, xs, lengths, T, m.tagger, k)
      const gradNorm = settings.clip > 0 ? clipGradNorm(m.grads, settings.clip) : 0
      const progress = tracker.step(step, r.loss, gradNorm, lengths) // throws before a diverged step is applied
      optimizer.step(m.params, m.grads)
      hooks.onProgress?.(progress)
      await new Promise((resolve) => setImmediate(resolve)) // let cancel messages in
    }
    const { record, checkpoint, stop } = tracker.endEpoch(
      () =>
        validateClips(data.val, config, pooling, m.params, classWeights, hooks.kernels ?? 'auto'),
      data.val.some((s) => s.label >= 0),
    )
    await hooks.onEpoch?.(record, checkpoint)
    if (stop) break
  }
  return {
    config,
    pooling,
    params: tracker.best.params,
    bestEpoch: tracker.best.epoch,
    history: tracker.history,
    stoppedEarly: tracker.stoppedEarly,
    classWeights,
  }
}

/** Loss, accuracy, macro-F1 and confusion of a clip classifier on whole files. */
export function validateClips(
  seqs: ClipSequence[],
  config: TaggerConfig,
  pooling: PoolingConfig,
  params: Float32Array,
  classWeights: number[] | null,
  kernels: KernelsChoice = 'auto',
): { loss: number; accuracy: number; macroF1: number; confusion: number[][] } {
  const C = pooling.numClasses
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0))
  const counted = seqs.filter((s) => s.label >= 0 && s.frames > 0)
  if (counted.length === 0) return { loss: NaN, accuracy: NaN, macroF1: NaN, confusion }
  const k = pickKernels(kernels)
  const m = createClipModel(config, pooling, k)
  m.params.set(params)
  const Tmax = Math.max(...counted.map((s) => s.frames))
  const ws = { tagger: allocWorkspace(config, k, Tmax, 1), pool: allocPooling(pooling, k, Tmax, 1) }
  let sum = 0
  let weight = 0
  for (const s of counted) {
    clipForward(m, s.x, s.frames, k, ws)
    const r = clipCrossEntropy(ws.pool, Int32Array.of(s.label), C, { classWeights })
    sum += r.sum
    weight += r.weightSum
    let arg = 0
    for (let j = 1; j < C; j++) if (ws.pool.logits[j] > ws.pool.logits[arg]) arg = j
    confusion[s.label][arg]++
  }
  const { accuracy, macroF1 } = confusionScores(confusion)
  return { loss: weight > 0 ? sum / weight : NaN, accuracy, macroF1, confusion }
}
