/**
 * A model's label transitions as it stores them (framewise.transitions, metadata.ts's
 * TransitionsMeta: probabilities, so a forbidden transition is a plain 0), counted from training
 * labels and turned back into the log π and log A that Viterbi decoding (models/label-decoding.ts) takes.
 */
import { estimateTransitions, type Transitions } from '../../models/label-decoding'
import type { TransitionsMeta } from './metadata'

/** Add-α label transitions of training sequences (labels < 0 break chains), as stored in metadata. */
export function transitionsOf(
  sequences: ArrayLike<number>[],
  C: number,
  alpha = 1,
): TransitionsMeta {
  const tr = estimateTransitions(sequences, C, alpha)
  return {
    initial: Array.from(tr.logInit, Math.exp),
    matrix: Array.from({ length: C }, (_, p) =>
      Array.from(tr.logTrans.subarray(p * C, (p + 1) * C), Math.exp),
    ),
    alpha,
  }
}

/** Stored transitions (probabilities) → the log π and log A of models/label-decoding.ts (0 → −∞). */
export function transitionsToLog(t: TransitionsMeta): Transitions {
  const C = t.initial.length
  const logTrans = new Float64Array(C * C)
  for (let p = 0; p < C; p++)
    for (let c = 0; c < C; c++) logTrans[p * C + c] = Math.log(t.matrix[p][c])
  return { logInit: Float64Array.from(t.initial, Math.log), logTrans }
}
