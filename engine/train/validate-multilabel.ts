/**
 * A multi-label (sigmoid) tagger's validation on whole held-out files: its binary cross-entropy,
 * the per-class thresholds that maximise each class's frame F1 there, the frame scores at those
 * thresholds (what the training loop records and stops on), and — for the best epoch, where the
 * frames are evenly spaced in time — the segment- and event-based metrics of the events the
 * model's post-processing makes (eval/polyphonic.ts; docs/metrics.md).
 *
 * Thresholds: per class c, of the grid values θ ∈ {0.05, 0.10, …, 0.95} whose frame F1 over the
 * validation files' unmasked entries is within THRESHOLD_TOLERANCE (0.01) of the best, the one
 * nearest 0.5; 0.5 for a class with no positive frame there. A sigmoid trained with positive
 * weights is calibrated for weighted odds, not for 0.5, so a heavily weighted (rare) class's
 * best cut moves; the tolerance keeps a flat F1 curve's noisy argmax from moving it for nothing.
 */
import type { KernelsChoice } from '../kernels/load'
import { pickKernels } from '../kernels/load'
import { binaryCrossEntropy, sigmoid } from '../../models/bce'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { concatFiles, polyphonicMetrics, type PolyphonicMetrics } from '../eval/polyphonic'
import { multiLabelSegments } from '../infer/postprocess-multilabel'
import type { ClassPostProcess } from '../onnx/postprocess-settings'
import type { Sequence } from '../data/sequences'
import { readRows } from '../data/feature-cache'
import type { Segment } from '../labels/segments'

/** Frames per validation window: bounds memory on hour-long files. */
const VAL_WINDOW = 4000

/**
 * Frame F1 a threshold may give up for being nearer 0.5: the F1 curve is flat near its top, and
 * its exact argmax on a few validation files is noise (bench:polyphonic, docs/polyphonic.md).
 */
export const THRESHOLD_TOLERANCE = 0.01

/** The candidate thresholds. */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20)

export interface MultiLabelValidation {
  /** Mean binary cross-entropy over unmasked entries (with the training's positive weights). */
  loss: number
  /** Unmasked (frame, class) entries on the right side of their class's threshold. */
  accuracy: number
  /** Mean frame F1 at the thresholds over classes with positives in reference or prediction. */
  macroF1: number
  /** Per class: the chosen threshold and its frame F1. */
  thresholds: number[]
  f1: number[]
  /** Multi-label frames have no confusion matrix (classes do not exclude each other). */
  confusion: number[][]
}

/** (T, C) sigmoid probabilities of a whole sequence, window by window. */
export function sequenceProbabilities(
  seq: Sequence,
  config: TaggerConfig,
  params: Float32Array,
  kernels: KernelsChoice = 'auto',
): Float32Array {
  return probabilities([seq], config, params, kernels, () => {})[0]
}

function probabilities(
  seqs: Sequence[],
  config: TaggerConfig,
  params: Float32Array,
  kernels: KernelsChoice,
  onWindow: (logits: Float32Array, seq: number, start: number, n: number) => void,
): Float32Array[] {
  const C = config.numClasses
  const F = config.inputSize
  const k = pickKernels(kernels)
  const m = createTagger(config, k)
  m.params.set(params)
  const Tmax = Math.min(VAL_WINDOW, Math.max(1, ...seqs.map((s) => s.labels.length)))
  const ws = allocWorkspace(config, k, Tmax, 1)
  // features read from disk window by window (data/feature-cache.ts)
  const rowsBuf = seqs.some((s) => s.rows) ? new Float32Array(Tmax * F) : null
  return seqs.map((seq, i) => {
    const T = seq.labels.length
    const p = new Float32Array(T * C) // (T, C)
    const whole = seq.rows ? null : seq.x
    for (let start = 0; start < T; start += VAL_WINDOW) {
      const n = Math.min(VAL_WINDOW, T - start)
      const xw = whole
        ? whole.subarray(start * F, (start + n) * F)
        : readRows(seq.rows!, start, n, rowsBuf!)
      taggerForward(ws, xw, Int32Array.of(n), n, m, k)
      const logits = ws.logits.subarray(0, n * C) as Float32Array
      onWindow(logits, i, start, n)
      for (let q = 0; q < n * C; q++) p[start * C + q] = sigmoid(logits[q])
    }
    return p
  })
}

const f1Of = (tp: number, fp: number, fn: number): number =>
  tp > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0

/** Per-class thresholds from THRESHOLD_GRID maximising frame F1 (see the header), and that F1. */
export function chooseThresholds(
  probs: readonly Float32Array[], // each (T, C)
  targets: readonly Float32Array[], // each (T, C), −1 = masked
  C: number,
  tolerance = THRESHOLD_TOLERANCE,
): { thresholds: number[]; f1: number[] } {
  const G = THRESHOLD_GRID.length
  // counts[c][g] of positives/negatives at or above grid value g
  const tp = Array.from({ length: C }, () => new Float64Array(G))
  const fp = Array.from({ length: C }, () => new Float64Array(G))
  const pos = new Float64Array(C)
  probs.forEach((p, i) => {
    const y = targets[i]
    for (let q = 0; q < y.length; q++) {
      if (y[q] < 0) continue
      const c = q % C
      const positive = y[q] >= 0.5
      if (positive) pos[c]++
      for (let g = 0; g < G && p[q] >= THRESHOLD_GRID[g]; g++) (positive ? tp : fp)[c][g]++
    }
  })
  const thresholds: number[] = []
  const f1: number[] = []
  const half = THRESHOLD_GRID.indexOf(0.5)
  for (let c = 0; c < C; c++) {
    const f = THRESHOLD_GRID.map((_, g) => f1Of(tp[c][g], fp[c][g], pos[c] - tp[c][g]))
    const top = Math.max(...f)
    // the grid value nearest 0.5 among those within `tolerance` of the best F1
    let best = half
    if (pos[c] > 0)
      for (let g = 0; g < G; g++) {
        const nearer = Math.abs(THRESHOLD_GRID[g] - 0.5) < Math.abs(THRESHOLD_GRID[best] - 0.5)
        const good = f[g] >= top - tolerance - 1e-12
        if (good && (f[best] < top - tolerance - 1e-12 || nearer)) best = g
      }
    thresholds.push(THRESHOLD_GRID[best])
    f1.push(pos[c] > 0 ? f[best] : 0)
  }
  return { thresholds, f1 }
}

/** Loss, thresholds and frame scores of `params` on whole sequences with multi-hot targets. */
export function validateMultiLabel(
  seqs: Sequence[],
  config: TaggerConfig,
  params: Float32Array,
  posWeights: number[] | null,
  kernels: KernelsChoice = 'auto',
): MultiLabelValidation & { probabilities: Float32Array[] } {
  const C = config.numClasses
  const empty = { confusion: [], probabilities: [] }
  if (seqs.length === 0)
    return { loss: NaN, accuracy: NaN, macroF1: NaN, thresholds: [], f1: [], ...empty }
  const targets = seqs.map((s, i) => {
    if (!s.targets) throw new Error(`validation file ${s.name} (${i}) has no multi-label targets`)
    return s.targets
  })
  let sum = 0
  let count = 0
  const probs = probabilities(seqs, config, params, kernels, (logits, i, start, n) => {
    const y = targets[i].subarray(start * C, (start + n) * C)
    const r = binaryCrossEntropy(null, logits, y, Int32Array.of(n), n, 1, C, { posWeights })
    sum += r.sum
    count += r.count
  })
  const { thresholds, f1 } = chooseThresholds(probs, targets, C)
  let right = 0
  const predictedAny = new Uint8Array(C)
  const positiveAny = new Uint8Array(C)
  probs.forEach((p, i) => {
    const y = targets[i]
    for (let q = 0; q < y.length; q++) {
      if (y[q] < 0) continue
      const c = q % C
      const on = p[q] >= thresholds[c]
      const positive = y[q] >= 0.5
      if (on) predictedAny[c] = 1
      if (positive) positiveAny[c] = 1
      if (on === positive) right++
    }
  })
  const present = f1.filter((_, c) => positiveAny[c] || predictedAny[c])
  return {
    loss: count > 0 ? sum / count : NaN,
    accuracy: count > 0 ? right / count : NaN,
    macroF1: present.length ? present.reduce((a, b) => a + b, 0) / present.length : NaN,
    thresholds,
    f1,
    confusion: [],
    probabilities: probs,
  }
}

/** The reference events of multi-hot targets: runs of positive frames, per class (masked = off). */
export function targetSegments(
  targets: Float32Array, // (T, C)
  frameTimes: ArrayLike<number>,
  classes: readonly string[],
): Segment[] {
  const C = classes.length
  const on = Float32Array.from(targets, (y) => (y >= 0.5 ? 1 : 0))
  const perClass = classes.map(() => ({ threshold: 0.5, medianFilter: 1, minDuration: 0 }))
  return multiLabelSegments(on, frameTimes, classes, perClass.slice(0, C))
}

/**
 * Segment-based (1 s) and event-based metrics, pooled over the files, of the events `perClass`
 * makes of `probs`, against the events of the targets; frames `hop` seconds apart.
 */
export function multiLabelEventScores(
  seqs: readonly Sequence[],
  probs: readonly Float32Array[],
  classes: readonly string[],
  perClass: readonly ClassPostProcess[],
  hop: number,
): { segment: PolyphonicMetrics; event: PolyphonicMetrics } {
  const files = seqs.map((s, i) => {
    const T = s.labels.length
    const times = Float64Array.from({ length: T }, (_, t) => (t + 0.5) * hop)
    return {
      reference: targetSegments(s.targets!, times, classes),
      predicted: multiLabelSegments(probs[i], times, classes, perClass),
      duration: T * hop,
    }
  })
  const all = concatFiles(files)
  return polyphonicMetrics(all.reference, all.predicted, {
    classes,
    duration: all.duration,
  })
}

/** What training a multi-label model hands on to its export and run record. */
export interface MultiLabelResult {
  /** Per class, in output order. */
  thresholds: number[]
  /** 'validation': chosen there; 'default': 0.5 (no validation files). */
  thresholdsFrom: 'validation' | 'default'
  /** Per class frame F1 at its threshold on the validation files (empty without them). */
  f1: number[]
  /** With evenly spaced frames (TrainData.frameHop) and validation files: the overlap metrics. */
  segment?: PolyphonicMetrics
  event?: PolyphonicMetrics
}

/**
 * Per-class post-processing with `thresholds`: a median filter over ~50 ms (odd, frames `hop`
 * seconds apart; 1 without a hop), against single-frame flicker as the softmax tagger's default
 * without Viterbi, and no minimum duration.
 */
export function multiLabelPostDefaults(
  thresholds: readonly number[],
  hop: number | null,
): ClassPostProcess[] {
  const frames = hop ? Math.max(1, Math.round(0.05 / hop)) : 1
  const medianFilter = frames % 2 === 1 ? frames : frames + 1
  return thresholds.map((threshold) => ({ threshold, medianFilter, minDuration: 0 }))
}

/** The best epoch's thresholds and, when frames are evenly spaced, its overlap metrics. */
export function finalMultiLabel(
  data: { classes: string[]; val: Sequence[]; frameHop?: number },
  config: TaggerConfig,
  params: Float32Array,
  posWeights: number[],
  opts: { kernels?: KernelsChoice } = {},
): MultiLabelResult {
  const C = config.numClasses
  if (data.val.length === 0)
    return { thresholds: Array<number>(C).fill(0.5), thresholdsFrom: 'default', f1: [] }
  const v = validateMultiLabel(data.val, config, params, posWeights, opts.kernels)
  const out: MultiLabelResult = { thresholds: v.thresholds, thresholdsFrom: 'validation', f1: v.f1 }
  if (data.frameHop) {
    const post = multiLabelPostDefaults(v.thresholds, data.frameHop)
    Object.assign(
      out,
      multiLabelEventScores(data.val, v.probabilities, data.classes, post, data.frameHop),
    )
  }
  return out
}
