/**
 * Strictly ordered label phases, the synthetic task of `bench:phases` and of the output-recurrence
 * and Viterbi tests:
 *
 *   labels   background 0 → phase 1 → phase 2 → phase 3 → background …, strictly in that order;
 *            phases last U(8, 24) frames each, background U(15, 50) frames between events
 *   x_t      = μ(y_t) + σ·ε,  ε ~ N(0, 1)^F, F = 4, σ = `noise` (default 1.2)
 *            μ: background (0, 0, 0, 0), phase 1 (1, 1, 0, 0), phase 2 (0, 1, 1, 0),
 *               phase 3 (1, 1, 0, 0) = phase 1
 *            and over the 4 frames around each change μ is blended linearly (ambiguous edges)
 * Phases 1 and 3 look the same, so only the order tells them apart. `scorePhases` counts order
 * violations per 100 true events and the F1 of whole events found in order.
 */
import { Rng } from '../../models/rng'
import type { Sequence } from './sequences'

export const PHASE_CLASSES = ['background', 'phase1', 'phase2', 'phase3']
const MU = [
  [0, 0, 0, 0],
  [1, 1, 0, 0],
  [0, 1, 1, 0],
  [1, 1, 0, 0],
]
/** Features per frame. */
export const PHASE_FEATURES = 4
const F = PHASE_FEATURES

/** `n` sequences of `frames` frames with ordered phases (see the header); seeded. */
export function phaseSequences(n: number, seed: number, frames: number, noise = 1.2): Sequence[] {
  const rng = new Rng(seed)
  const out: Sequence[] = []
  for (let i = 0; i < n; i++) {
    const labels = new Int32Array(frames)
    let t = rng.int(30)
    while (t < frames) {
      for (let ph = 1; ph <= 3 && t < frames; ph++) {
        const d = 8 + rng.int(17)
        labels.fill(ph, t, Math.min(frames, t + d))
        t += d
      }
      t += 15 + rng.int(36)
    }
    const x = new Float32Array(frames * F)
    for (let s = 0; s < frames; s++) {
      // μ blended over the 4 frames around a change: weights of the frames s − 2 .. s + 1
      for (let j = 0; j < F; j++) {
        let mu = 0
        for (let d = -2; d <= 1; d++)
          mu += MU[labels[Math.min(frames - 1, Math.max(0, s + d))]][j] / 4
        x[s * F + j] = mu + noise * rng.normal()
      }
    }
    out.push({ name: `seq${i}`, x, labels })
  }
  return out
}

const LEGAL = (p: number, c: number): boolean => c === p || c === (p + 1) % 4

export interface PhaseScore {
  accuracy: number
  /** Illegal label changes per 100 true events. */
  violations: number
  /** F1 of true events (1, 2, 3 runs) matched by a predicted 1→2→3 run overlapping each phase. */
  eventF1: number
}

/** Events of a label sequence: maximal runs of 1..3 that go 1 → 2 → 3 in order, as [start, end). */
function orderedEvents(y: ArrayLike<number>): [number, number][] {
  const ev: [number, number][] = []
  let t = 0
  while (t < y.length) {
    if (y[t] !== 1) {
      t++
      continue
    }
    const s = t
    let want = 1
    while (t < y.length && (y[t] === want || y[t] === want + 1)) {
      if (y[t] === want + 1) want++
      t++
    }
    if (want === 3) ev.push([s, t])
  }
  return ev
}

export function scorePhases(truth: Int32Array[], pred: Int32Array[]): PhaseScore {
  let [correct, total, bad, events, tp, np] = [0, 0, 0, 0, 0, 0]
  for (let i = 0; i < truth.length; i++) {
    const [y, p] = [truth[i], pred[i]]
    for (let t = 0; t < y.length; t++) {
      correct += +(y[t] === p[t])
      total++
      if (t > 0 && !LEGAL(p[t - 1], p[t])) bad++
    }
    const te = orderedEvents(y)
    const pe = orderedEvents(p)
    events += te.length
    np += pe.length
    // a true event is found when a predicted ordered event overlaps it by more than half
    for (const [a, b] of te)
      if (pe.some(([c, d]) => Math.min(b, d) - Math.max(a, c) > (b - a) / 2)) tp++
  }
  const f1 = events + np > 0 ? (2 * tp) / (events + np) : 1
  return { accuracy: correct / total, violations: (100 * bad) / Math.max(1, events), eventF1: f1 }
}

/** Log-probabilities (T, C) of a plain tagger on one sequence. */
