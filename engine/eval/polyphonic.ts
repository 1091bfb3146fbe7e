/**
 * Metrics for overlapping references (polyphonic sound-event detection), as sed_eval defines
 * them (Mesaros, Heittola & Virtanen 2016, "Metrics for polyphonic sound event detection");
 * docs/metrics.md works through examples. Exclusive tiers keep metrics.ts's frame metrics.
 *
 * Segment-based (1 s segments by default): segment k covers [k·s, (k+1)·s); a class is active in
 * it when any event of the class overlaps it (an event [on, off] sets segments ⌊on/s⌋ … ⌈off/s⌉−1).
 * Per segment k, over classes: TP_k = active in both, FP_k = predicted only, FN_k = reference
 * only, and S_k = min(FN_k, FP_k), D_k = max(0, FN_k − FP_k), I_k = max(0, FP_k − FN_k).
 *   micro P = ΣTP / (ΣTP + ΣFP), R = ΣTP / (ΣTP + ΣFN), F1 = 2PR / (P + R)
 *   ER = (ΣS + ΣD + ΣI) / N,  N = Σ_k reference-active classes
 * Per class c (over segments): P, R, F1 of its TP, FP, FN; ER_c = (FN_c + FP_c) / N_c (a class
 * alone has no substitutions). Segments run to the last offset of either list, or `duration`.
 *
 * Event-based: per class, metrics.ts's one-to-one maximal matching with an onset collar (200 ms)
 * and an offset collar max(200 ms, 20% of the reference event's duration). TP per class; FP =
 * predictions − TP, FN = references − TP. Substitutions S pair the remaining references and
 * predictions of different labels that match in time (again maximal, one-to-one); D = FN − S,
 * I = FP − S, ER = (S + D + I) / N with N reference events. Per class ER_c = (FN_c + FP_c) / N_c.
 *
 * Macro F1 is the mean class F1 over the classes occurring in the reference or the prediction
 * (as metrics.ts's macro-F1); macro ER the mean ER_c over classes present in the reference.
 * 0/0 is 0 for P, R, F1 (scikit-learn's zero_division = 0, sed_eval's ε); ER with N = 0 is NaN.
 */
import type { Segment } from '../labels/segments'
import { bipartiteMatching, eventsMatch } from './metrics'

export interface PolyphonicOptions {
  /** Segment length of the segment-based metrics, seconds (sed_eval's time_resolution). */
  segment?: number
  /** Onset collar of the event-based metrics, seconds. */
  collar?: number
  /** Offset collar as a fraction of the reference event's duration (at least `collar`). */
  offsetRatio?: number
  /** Require offsets to match too (event-based); false = onsets only. */
  offset?: boolean
  /** Evaluated length, seconds (segment-based); default: the last offset in either list. */
  duration?: number
  /** Classes to score, in order; default: every label of either list, sorted. */
  classes?: readonly string[]
}

/** Counts and scores of one class, or pooled over classes (micro). */
export interface PolyphonicScores {
  precision: number
  recall: number
  f1: number
  /** Error rate (S + D + I) / N; per class (FN + FP) / N; NaN when N = 0. */
  errorRate: number
  tp: number
  fp: number
  fn: number
  /** N: reference-active (class, segment) pairs, or reference events. */
  reference: number
}

export interface ErrorCounts {
  substitutions: number
  deletions: number
  insertions: number
}

export interface PolyphonicMetrics {
  /** Pooled over classes. */
  micro: PolyphonicScores & ErrorCounts
  /** Mean class F1 over classes in the reference or the prediction. */
  macroF1: number
  /** Mean class ER over classes in the reference. */
  macroErrorRate: number
  /** Per class, in `classes` order. */
  perClass: (PolyphonicScores & { label: string })[]
}

export interface SegmentBasedMetrics extends PolyphonicMetrics {
  /** Segment length, seconds. */
  segment: number
  /** Segments evaluated. */
  segments: number
}

export interface EventBasedMetrics extends PolyphonicMetrics {
  collar: number
  offsetRatio: number
  offset: boolean
}

const div = (a: number, b: number): number => (b > 0 ? a / b : 0)

function scores(tp: number, fp: number, fn: number, errors: number): PolyphonicScores {
  const precision = div(tp, tp + fp)
  const recall = div(tp, tp + fn)
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
  const reference = tp + fn
  return {
    precision,
    recall,
    f1,
    errorRate: reference > 0 ? errors / reference : NaN,
    tp,
    fp,
    fn,
    reference,
  }
}

const classesOf = (ref: readonly Segment[], pred: readonly Segment[], o: PolyphonicOptions) =>
  o.classes ? [...o.classes] : [...new Set([...ref, ...pred].map((s) => s.label))].sort()

function averages(perClass: PolyphonicScores[]): { macroF1: number; macroErrorRate: number } {
  const present = perClass.filter((c) => c.reference > 0 || c.tp + c.fp > 0)
  const withRef = perClass.filter((c) => c.reference > 0)
  return {
    macroF1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : NaN,
    macroErrorRate: withRef.length
      ? withRef.reduce((a, c) => a + c.errorRate, 0) / withRef.length
      : NaN,
  }
}

/** Activity (K, C) of events in segments of `s` seconds: 1 where an event of class c overlaps segment k. */
export function segmentActivity(
  events: readonly Segment[],
  classes: readonly string[],
  s: number,
  K: number,
): Uint8Array {
  const C = classes.length
  const index = new Map(classes.map((c, i) => [c, i]))
  const roll = new Uint8Array(K * C)
  for (const e of events) {
    const c = index.get(e.label)
    if (c === undefined) continue
    // ε: 2.0 / 0.1 is 19.999…; an onset on a boundary starts there, an offset on one ends there
    const k0 = Math.max(0, Math.floor(e.start / s + 1e-9))
    const k1 = Math.min(K, Math.ceil(e.end / s - 1e-9))
    for (let k = k0; k < k1; k++) roll[k * C + c] = 1
  }
  return roll
}

/** Segment-based P, R, F1 and error rate (see the header). */
export function segmentBasedMetrics(
  reference: readonly Segment[],
  predicted: readonly Segment[],
  options: PolyphonicOptions = {},
): SegmentBasedMetrics {
  const s = options.segment ?? 1
  if (!(s > 0)) throw new RangeError(`segment length must be > 0 seconds, not ${s}`)
  const classes = classesOf(reference, predicted, options)
  const C = classes.length
  const end = Math.max(0, ...[...reference, ...predicted].map((e) => e.end))
  const K = Math.ceil((options.duration ?? end) / s - 1e-9)
  const ref = segmentActivity(reference, classes, s, K)
  const est = segmentActivity(predicted, classes, s, K)
  const tpC = new Array<number>(C).fill(0)
  const fpC = new Array<number>(C).fill(0)
  const fnC = new Array<number>(C).fill(0)
  let [S, D, I] = [0, 0, 0]
  for (let k = 0; k < K; k++) {
    let [fp, fn] = [0, 0]
    for (let c = 0; c < C; c++) {
      const [r, e] = [ref[k * C + c], est[k * C + c]]
      if (r && e) tpC[c]++
      else if (e) (fpC[c]++, fp++)
      else if (r) (fnC[c]++, fn++)
    }
    S += Math.min(fn, fp)
    D += Math.max(0, fn - fp)
    I += Math.max(0, fp - fn)
  }
  return pooled(
    classes,
    tpC,
    fpC,
    fnC,
    { substitutions: S, deletions: D, insertions: I },
    {
      segment: s,
      segments: K,
    },
  )
}

function pooled<X extends object>(
  classes: string[],
  tpC: number[],
  fpC: number[],
  fnC: number[],
  errors: ErrorCounts,
  extra: X,
): PolyphonicMetrics & X {
  const perClass = classes.map((label, c) => ({
    label,
    ...scores(tpC[c], fpC[c], fnC[c], fnC[c] + fpC[c]),
  }))
  const sum = (a: number[]) => a.reduce((p, q) => p + q, 0)
  const { substitutions: S, deletions: D, insertions: I } = errors
  return {
    micro: { ...scores(sum(tpC), sum(fpC), sum(fnC), S + D + I), ...errors },
    ...averages(perClass),
    perClass,
    ...extra,
  }
}

/** Event-based P, R, F1 and error rate with onset and offset collars (see the header). */
export function eventBasedMetrics(
  reference: readonly Segment[],
  predicted: readonly Segment[],
  options: PolyphonicOptions = {},
): EventBasedMetrics {
  const collar = options.collar ?? 0.2
  const ratio = options.offsetRatio ?? 0.2
  const offset = options.offset ?? true
  const classes = classesOf(reference, predicted, options)
  const ok = (r: Segment, p: Segment) => eventsMatch(r, p, collar, offset, ratio)
  const refLeft: Segment[] = []
  const predLeft: Segment[] = []
  const tpC: number[] = []
  const fpC: number[] = []
  const fnC: number[] = []
  for (const label of classes) {
    const ref = reference.filter((e) => e.label === label)
    const pred = predicted.filter((e) => e.label === label)
    const match = bipartiteMatching(ref.length, pred.length, (i, j) => ok(ref[i], pred[j]))
    const refMatched = new Set(match)
    const tp = match.filter((i) => i >= 0).length
    tpC.push(tp)
    fpC.push(pred.length - tp)
    fnC.push(ref.length - tp)
    refLeft.push(...ref.filter((_, i) => !refMatched.has(i)))
    predLeft.push(...pred.filter((_, j) => match[j] < 0))
  }
  // substitutions: a leftover reference and prediction that match in time under other labels
  const subs = bipartiteMatching(
    refLeft.length,
    predLeft.length,
    (i, j) => refLeft[i].label !== predLeft[j].label && ok(refLeft[i], predLeft[j]),
  ).filter((i) => i >= 0).length
  const [FP, FN] = [fpC, fnC].map((a) => a.reduce((p, q) => p + q, 0))
  const errors = { substitutions: subs, deletions: FN - subs, insertions: FP - subs }
  // events of labels outside `classes` are left out of every count
  return pooled(classes, tpC, fpC, fnC, errors, { collar, offsetRatio: ratio, offset })
}

/** Both metric families with the same options. */
export function polyphonicMetrics(
  reference: readonly Segment[],
  predicted: readonly Segment[],
  options: PolyphonicOptions = {},
): { segment: SegmentBasedMetrics; event: EventBasedMetrics } {
  return {
    segment: segmentBasedMetrics(reference, predicted, options),
    event: eventBasedMetrics(reference, predicted, options),
  }
}

/**
 * Several files as one timeline, so the metrics pool their counts (as sed_eval accumulates
 * files): file i is shifted to start after the previous files' whole segments plus one empty
 * segment, so no event or segment spans two files and no collar reaches across.
 */
export function concatFiles(
  files: readonly {
    reference: readonly Segment[]
    predicted: readonly Segment[]
    duration: number
  }[],
  segment = 1,
): { reference: Segment[]; predicted: Segment[]; duration: number } {
  const reference: Segment[] = []
  const predicted: Segment[] = []
  let offset = 0
  for (const f of files) {
    const shift = (e: Segment): Segment => ({ ...e, start: e.start + offset, end: e.end + offset })
    reference.push(...f.reference.map(shift))
    predicted.push(...f.predicted.map(shift))
    const end = Math.max(f.duration, ...[...f.reference, ...f.predicted].map((e) => e.end))
    offset += (Math.ceil(end / segment - 1e-9) + 1) * segment
  }
  return { reference, predicted, duration: offset }
}
