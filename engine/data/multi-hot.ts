/**
 * Targets of the multi-label (sigmoid) tagger: possibly overlapping segments → a multi-hot
 * (T, C) frame matrix, one column per event class, by the same frame-centre rule as the
 * exclusive tagger's frame labels (labels/segments.ts: frame t is in a segment when
 * start ≤ centre_t < end; a point label marks its nearest frame), applied per class so that
 * overlapping events of different classes are all on:
 *   target[t][c] = 1     a segment of class c covers frame t
 *                = 0     frame t is labelled (some class covers it, or the file has a background
 *                        class and nothing covers it) and class c does not cover it
 *                = −1    masked: an ignore-role label covers frame t (every class), or nothing
 *                        covers it in a partially labelled file (no background class)
 * models/bce.ts skips entries < 0, so the ignore role and partial labelling mean what they mean
 * for the softmax tagger. The background class is no column: "background" is every class off.
 */
import type { Segment } from '../api'
import { DataError } from '../errors'
import { segmentsToFrames } from '../labels/segments'

/**
 * Which labels are classes (data/dataset.ts's ClassMap, restated here: dataset.ts builds its
 * targets with this file, so this file may not import it).
 */
export interface ClassMap {
  /** Classes in order; the background among them makes no column. */
  names: readonly string[]
  /** The class of frames no segment covers, or null: those frames are masked. */
  background: string | null
  /** Labels whose frames never count. */
  ignore: readonly string[]
}

/** The columns of a multi-label model for `classes`: every class but the background, in order. */
export function multiLabelClasses(classes: ClassMap): string[] {
  return classes.names.filter((n) => n !== classes.background)
}

/** Multi-hot targets (T, C) of `segments` at `frameTimes` (see the header); C = multiLabelClasses. */
export function multiHotTargets(
  segments: readonly Segment[],
  frameTimes: ArrayLike<number>,
  classes: ClassMap,
  file: string,
): Float32Array {
  const names = multiLabelClasses(classes)
  const known = new Set([...classes.names, ...classes.ignore])
  const unknown = segments.find((s) => !known.has(s.label))
  if (unknown)
    throw new DataError(
      file,
      `unknown label class '${unknown.label}' at ${unknown.start.toFixed(3)} s (classes: ${classes.names.join(', ')})`,
    )
  const T = frameTimes.length
  const C = names.length
  // frames that segments with one of `labels` cover, by the frame-centre rule (1 = covered)
  const cover = (labels: readonly string[]): Int32Array => {
    const segs = segments
      .filter((s) => labels.includes(s.label))
      .map((s) => ({ ...s, label: 'on' }))
    return segmentsToFrames(segs, frameTimes, ['on'], { partial: true }).map((v) => v + 1)
  }
  const labelled = cover(classes.names)
  const ignored = cover(classes.ignore)
  const fill = classes.background === null ? -1 : 0
  const out = new Float32Array(T * C) // (T, C)
  for (let t = 0; t < T; t++) out.fill(labelled[t] ? 0 : fill, t * C, (t + 1) * C)
  for (let c = 0; c < C; c++) {
    const col = cover([names[c]])
    for (let t = 0; t < T; t++) if (col[t]) out[t * C + c] = 1
  }
  for (let t = 0; t < T; t++) if (ignored[t]) out.fill(-1, t * C, (t + 1) * C)
  return out
}

/**
 * Per-class positive weights of the binary loss from the training targets, by the softmax
 * tagger's `classWeights` modes: 'balanced' q_c = negatives_c / positives_c, 'sqrt-balanced'
 * √(negatives_c / positives_c), 'none' 1; a class with no positives (or no negatives) gets 1.
 * The positive term is weighted, not the class: each sigmoid is its own two-class problem, and
 * rare events are rare against their own absence, not against the other classes.
 */
export function positiveWeightsOf(
  targets: readonly Float32Array[], // each (T, C)
  C: number,
  mode: 'none' | 'sqrt-balanced' | 'balanced',
): number[] {
  if (mode === 'none') return Array<number>(C).fill(1)
  const pos = new Array<number>(C).fill(0)
  const neg = new Array<number>(C).fill(0)
  for (const y of targets)
    for (let i = 0; i < y.length; i++) {
      if (y[i] < 0) continue
      if (y[i] >= 0.5) pos[i % C]++
      else neg[i % C]++
    }
  return pos.map((p, c) => {
    if (p === 0 || neg[c] === 0) return 1
    const r = neg[c] / p
    return mode === 'balanced' ? r : Math.sqrt(r)
  })
}
