/**
 * Evaluation of a tagging against a reference.
 *
 * Frame-based (and clip-based, where the counts are files): confusion matrix (rows = reference,
 * columns = prediction) over frames whose reference is not IGNORE; accuracy = trace / counted
 * frames; per class P = TP / predicted, R = TP / reference, F1 = 2PR / (P + R) with 0 for 0/0
 * (as scikit-learn's zero_division=0); macro-F1 = mean F1 over classes that occur in the
 * reference or the prediction. With nothing counted, accuracy and macro-F1 are NaN (undefined,
 * shown as "—"), not 0. A predicted IGNORE on a counted frame is an error that belongs to no
 * column (it lowers recall only). Training, evaluation, `score` and the clip views all score
 * through `confusionScores`, so they agree.
 *
 * Event-based (sed_eval's definition): per class, a predicted event matches a reference event
 * of the same label when |onset difference| ≤ collar and, with the offset condition,
 * |offset difference| ≤ max(collar, offsetRatio · reference duration). Matching is one-to-one
 * and maximal (bipartite matching), so one long prediction cannot claim two references.
 * TP = matches, FP = predictions − TP, FN = references − TP; F1 pooled over classes (micro).
 * Overlapping references (events of several classes at once) are scored by polyphonic.ts:
 * segment-based F1 and error rate, and these event metrics with their macro average and errors.
 */
import { IGNORE, type Segment } from '../labels/segments'

export interface ClassScores {
  /** Class name. */
  label: string
  /** TP / (TP + FP), 0 when nothing was predicted. */
  precision: number
  /** TP / (TP + FN), 0 when the class is absent from the reference. */
  recall: number
  /** Harmonic mean of precision and recall, 0 when both are 0. */
  f1: number
  /** Reference count (frames or events). */
  support: number
}

export interface FrameMetrics {
  /** Correct frames / counted frames. */
  accuracy: number
  /** Mean F1 over classes present in reference or prediction. */
  macroF1: number
  /** Per class, in class order. */
  perClass: ClassScores[]
  /** confusion[ref][pred] frame counts. */
  confusion: number[][]
  /** Frames counted (reference not IGNORE). */
  frames: number
}

const f1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0)
const div = (a: number, b: number) => (b > 0 ? a / b : 0)

export function frameMetrics(
  reference: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: readonly string[],
): FrameMetrics {
  if (reference.length !== predicted.length)
    throw new RangeError(`${reference.length} reference frames but ${predicted.length} predicted`)
  const C = classes.length
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0))
  const refCount = new Array<number>(C).fill(0)
  let frames = 0
  for (let t = 0; t < reference.length; t++) {
    const r = reference[t]
    if (r === IGNORE) continue
    if (r < 0 || r >= C) throw new RangeError(`reference frame ${t}: class ${r} out of range`)
    frames++
    refCount[r]++
    const p = predicted[t]
    if (p === IGNORE) continue
    if (p < 0 || p >= C) throw new RangeError(`predicted frame ${t}: class ${p} out of range`)
    confusion[r][p]++
  }
  return { ...confusionScores(confusion, classes, refCount), confusion, frames }
}

/**
 * Accuracy, macro-F1 and per-class scores of a confusion matrix (confusion[ref][pred]).
 * `support` is each class's reference count; by default its row sum (pass it when some
 * reference items were predicted as nothing and so are in no column).
 */
export function confusionScores(
  confusion: readonly (readonly number[])[],
  classes: readonly string[] = confusion.map((_, c) => String(c)),
  support: readonly number[] = confusion.map((row) => row.reduce((a, b) => a + b, 0)),
): { accuracy: number; macroF1: number; perClass: ClassScores[] } {
  const counted = support.reduce((a, b) => a + b, 0)
  let correct = 0
  const scored = classes.map((label, c) => {
    const tp = confusion[c][c]
    correct += tp
    const predictedC = confusion.reduce((s, row) => s + row[c], 0)
    const precision = div(tp, predictedC)
    const recall = div(tp, support[c])
    return {
      label,
      precision,
      recall,
      f1: f1(precision, recall),
      support: support[c],
      predicted: predictedC,
    }
  })
  const present = scored.filter((c) => c.support > 0 || c.predicted > 0)
  return {
    accuracy: counted > 0 ? correct / counted : NaN,
    macroF1: present.length > 0 ? present.reduce((s, c) => s + c.f1, 0) / present.length : NaN,
    perClass: scored.map(({ predicted: _, ...c }) => c),
  }
}

export interface EventOptions {
  /** Onset tolerance, seconds. */
  collar?: number
  /** Also require offsets to match. */
  offset?: boolean
  /** Offset tolerance as a fraction of the reference event's duration (used with `offset`). */
  offsetRatio?: number
}

export interface EventMetrics {
  precision: number
  recall: number
  f1: number
  /** Matched events. */
  tp: number
  /** Unmatched predictions. */
  fp: number
  /** Unmatched references. */
  fn: number
  /** Per label (sorted), reference counts as support. */
  perClass: ClassScores[]
  /** The settings used. */
  collar: number
  offset: boolean
}

export function eventMetrics(
  reference: readonly Segment[],
  predicted: readonly Segment[],
  options: EventOptions = {},
): EventMetrics {
  const collar = options.collar ?? 0.2
  const offset = options.offset ?? false
  const ratio = options.offsetRatio ?? 0.5
  const labels = [...new Set([...reference, ...predicted].map((s) => s.label))].sort()
  let TP = 0
  const perClass = labels.map((label) => {
    const ref = reference.filter((s) => s.label === label)
    const pred = predicted.filter((s) => s.label === label)
    const ok = (r: Segment, p: Segment) => eventsMatch(r, p, collar, offset, ratio)
    const tp = maxMatching(ref.length, pred.length, (i, j) => ok(ref[i], pred[j]))
    TP += tp
    const precision = div(tp, pred.length)
    const recall = div(tp, ref.length)
    return { label, precision, recall, f1: f1(precision, recall), support: ref.length }
  })
  const precision = div(TP, predicted.length)
  const recall = div(TP, reference.length)
  return {
    precision,
    recall,
    f1: f1(precision, recall),
    tp: TP,
    fp: predicted.length - TP,
    fn: reference.length - TP,
    perClass,
    collar,
    offset,
  }
}

/**
 * Whether predicted event `p` matches reference event `r` in time (labels aside): onsets within
 * `collar`, and with `offset` offsets within max(collar, offsetRatio · r's duration).
 */
export function eventsMatch(
  r: Segment,
  p: Segment,
  collar: number,
  offset: boolean,
  offsetRatio: number,
): boolean {
  return (
    Math.abs(p.start - r.start) <= collar + 1e-9 &&
    (!offset || Math.abs(p.end - r.end) <= Math.max(collar, offsetRatio * (r.end - r.start)) + 1e-9)
  )
}

/** Size of a maximum matching in a bipartite graph (Kuhn's augmenting paths). */
export function maxMatching(
  nLeft: number,
  nRight: number,
  edge: (i: number, j: number) => boolean,
): number {
  return bipartiteMatching(nLeft, nRight, edge).filter((i) => i >= 0).length
}

/** A maximum matching: for each right node the left node it is matched to, or −1. */
export function bipartiteMatching(
  nLeft: number,
  nRight: number,
  edge: (i: number, j: number) => boolean,
): Int32Array {
  const adj = Array.from({ length: nLeft }, (_, i) =>
    Array.from({ length: nRight }, (_, j) => j).filter((j) => edge(i, j)),
  )
  const matchRight = new Int32Array(nRight).fill(-1)
  const tryAssign = (i: number, seen: Uint8Array): boolean => {
    for (const j of adj[i]) {
      if (seen[j]) continue
      seen[j] = 1
      if (matchRight[j] < 0 || tryAssign(matchRight[j], seen)) {
        matchRight[j] = i
        return true
      }
    }
    return false
  }
  for (let i = 0; i < nLeft; i++) tryAssign(i, new Uint8Array(nRight))
  return matchRight
}
