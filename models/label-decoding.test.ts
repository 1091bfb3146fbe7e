/**
 * Decoding: Viterbi on hand-computed cases and against brute-force enumeration of every path,
 * greedy, the batch form, add-α transition estimates and the label-feedback input.
 */
import { describe, expect, it } from 'vitest'
import {
  estimateTransitions,
  greedyDecode,
  logSoftmaxRows,
  previousLabelInput,
  viterbi,
  viterbiBatch,
  type Transitions,
} from './label-decoding'
import { Rng } from './rng'

const logs = (xs: number[]): Float64Array => Float64Array.from(xs, Math.log)

describe('Viterbi and greedy on hand-computed cases', () => {
  // sticky transitions 0.9 / 0.1, uniform start, frames favour 0, 1, 0 by 0.6 / 0.4
  const tr: Transitions = { logTrans: logs([0.9, 0.1, 0.1, 0.9]), logInit: logs([0.5, 0.5]) }
  const logp = logs([0.6, 0.4, 0.4, 0.6, 0.6, 0.4])

  it('greedy follows each frame: 0 1 0', () => {
    expect([...greedyDecode(new Int32Array(3), logp, 3, 2)]).toEqual([0, 1, 0])
  })

  it('Viterbi smooths the blip: 0 0 0 with p = .5·.6·.9·.4·.9·.6 = 0.05832', () => {
    // the three contenders by hand: 000 = 0.05832, 111 = .5·.4·.9·.6·.9·.4 = 0.03888,
    // 010 = .5·.6·.1·.6·.1·.6 = 0.00108
    const path = new Int32Array(3)
    const score = viterbi(path, logp, tr, 3, 2)
    expect([...path]).toEqual([0, 0, 0])
    expect(score).toBeCloseTo(Math.log(0.05832), 12)
  })

  it('λ = 0 gives the greedy path; forbidden transitions are never taken', () => {
    const path = new Int32Array(3)
    viterbi(path, logp, tr, 3, 2, { transitionWeight: 0 })
    expect([...path]).toEqual([0, 1, 0])
    // left-to-right phases 0 → 1 → 2 (no going back, start in 0): frames prefer 2, 0, 1, 2
    const lr: Transitions = {
      logTrans: logs([0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0, 1]),
      logInit: logs([1, 0, 0]),
    }
    const lp = logs([0.2, 0.2, 0.6, 0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7])
    const p4 = new Int32Array(4)
    const s = viterbi(p4, lp, lr, 4, 3)
    // by hand: must start at 0; best monotone path 0 0 1 2 = .2·.5·.7·.5·.7·.5·.7 = 0.008575
    expect([...p4]).toEqual([0, 0, 1, 2])
    expect(s).toBeCloseTo(Math.log(0.008575), 12)
    // an impossible model (no allowed start) scores −∞
    const none: Transitions = { logTrans: lr.logTrans, logInit: logs([0, 0, 0]) }
    expect(viterbi(p4, lp, none, 4, 3)).toBe(-Infinity)
  })
})

/** max over all C^T paths of the Viterbi objective, by enumeration. */
function bruteForce(lp: Float64Array, tr: Transitions, T: number, C: number, lam: number) {
  let best = -Infinity
  let arg: number[] = []
  const y = new Array<number>(T).fill(0)
  for (let code = 0; code < C ** T; code++) {
    for (let t = 0, q = code; t < T; t++, q = Math.floor(q / C)) y[T - 1 - t] = q % C
    let s = tr.logInit[y[0]] + lp[y[0]]
    for (let t = 1; t < T; t++) s += lam * tr.logTrans[y[t - 1] * C + y[t]] + lp[t * C + y[t]]
    if (s > best + 1e-12) [best, arg] = [s, [...y]]
  }
  return { best, arg }
}

describe('Viterbi against brute force (random models, C = 3, T = 6)', () => {
  it('200 random cases, with λ ∈ {0.5, 1, 2} and some forbidden transitions', () => {
    const rng = new Rng(5)
    const [T, C] = [6, 3]
    for (let n = 0; n < 200; n++) {
      const logits = Float64Array.from({ length: T * C }, () => rng.normal(0, 1.5))
      const lp = logSoftmaxRows(new Float64Array(T * C), logits, T, C)
      const raw = Float64Array.from({ length: C * C }, () =>
        rng.uniform() < 0.2 ? 0 : rng.uniform(),
      )
      const logTrans = new Float64Array(C * C)
      for (let p = 0; p < C; p++) {
        const s = raw[p * C] + raw[p * C + 1] + raw[p * C + 2] || 1
        for (let c = 0; c < C; c++) logTrans[p * C + c] = Math.log(raw[p * C + c] / s)
      }
      const tr = { logTrans, logInit: logs([0.5, 0.3, 0.2]) }
      const lam = [0.5, 1, 2][n % 3]
      const path = new Int32Array(T)
      const score = viterbi(path, lp, tr, T, C, { transitionWeight: lam })
      const ref = bruteForce(lp, tr, T, C, lam)
      if (ref.best === -Infinity) {
        expect(score).toBe(-Infinity)
        continue
      }
      expect(score).toBeCloseTo(ref.best, 10)
      // the decoded path attains the optimum (ties may pick another optimal path)
      let s = tr.logInit[path[0]] + lp[path[0]]
      for (let t = 1; t < T; t++) {
        s += lam * logTrans[path[t - 1] * C + path[t]] + lp[t * C + path[t]]
      }
      expect(s).toBeCloseTo(ref.best, 10)
    }
  })

  it('batch form decodes each sequence within its length, −1 on padding', () => {
    const rng = new Rng(9)
    const [T, C] = [5, 3]
    const lengths = Int32Array.from([5, 3, 0])
    const B = lengths.length
    const lp = logSoftmaxRows(
      new Float64Array(T * B * C),
      Float64Array.from({ length: T * B * C }, () => rng.normal()),
      T * B,
      C,
    )
    const tr = estimateTransitions([[0, 0, 1, 1, 2, 2]], C)
    const paths = new Int32Array(T * B)
    const scores = viterbiBatch(paths, lp, lengths, tr, T, C)
    for (let b = 0; b < B; b++) {
      const n = lengths[b]
      const one = new Float64Array(n * C)
      for (let t = 0; t < n; t++) one.set(lp.subarray((t * B + b) * C, (t * B + b + 1) * C), t * C)
      const path = new Int32Array(n)
      expect(scores[b]).toBe(viterbi(path, one, tr, n, C))
      for (let t = 0; t < T; t++) expect(paths[t * B + b]).toBe(t < n ? path[t] : -1)
    }
  })
})

describe('transition estimates and label feedback', () => {
  it('add-α counts by hand; an ignored frame breaks the chain', () => {
    // first: 0→0, 0→1, 1→1; second: 1→0, then the −1 breaks the chain (0→−1, −1→0 skipped), 0→0
    const tr = estimateTransitions(
      [
        [0, 0, 1, 1],
        [1, 0, -1, 0, 0],
      ],
      2,
      1,
    )
    // counts n(0→0) = 1 + 1 = 2, n(0→1) = 1, n(1→1) = 1, n(1→0) = 1; starts: 0 once, 1 once
    const p = (v: number) => Math.exp(v)
    expect(p(tr.logTrans[0])).toBeCloseTo((2 + 1) / (3 + 2), 12)
    expect(p(tr.logTrans[1])).toBeCloseTo((1 + 1) / (3 + 2), 12)
    expect(p(tr.logTrans[2])).toBeCloseTo((1 + 1) / (2 + 2), 12)
    expect(p(tr.logTrans[3])).toBeCloseTo((1 + 1) / (2 + 2), 12)
    expect(p(tr.logInit[0])).toBeCloseTo(0.5, 12)
  })

  it('teacher forcing: onehot(y_{t−1}), zero at t = 0, after ignored labels and on padding', () => {
    const [T, C] = [3, 2]
    const lengths = Int32Array.from([3, 2])
    const labels = Int32Array.from([1, 0, -1, 1, 0, -1]) // (T, B)
    const out = previousLabelInput(new Float32Array(T * 2 * C), labels, lengths, T, C)
    expect([...out]).toEqual([0, 0, 0, 0, /* t1 */ 0, 1, 1, 0, /* t2 */ 0, 0, 0, 0])
    // scheduled sampling with ε = 1 feeds the predictions
    const predicted = Int32Array.from([0, 1, 1, 0, 1, 1])
    const fed = previousLabelInput(new Float32Array(T * 2 * C), labels, lengths, T, C, {
      predicted,
      prob: 1,
      rng: new Rng(1),
    })
    expect([...fed]).toEqual([0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0])
  })
})
