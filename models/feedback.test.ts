/**
 * The output-recurrent tagger's decoder: beam search against enumeration of every path, beam
 * versus greedy, and the step-by-step engine decoder against whole-sequence teacher forcing of
 * the path it decoded (which checks the state carry between steps).
 */
import { describe, expect, it } from 'vitest'
import { logSoftmaxRows, previousLabelInput } from './label-decoding'
import { BeamSearch, concatFeedback, decodeWithTagger } from './feedback'
import { initTagger } from './init'
import { tsKernels } from './kernels-ts'
import { checkConfig, type TaggerConfig } from './params'
import { Rng } from './rng'
import { allocWorkspace, createTagger, taggerForward } from './tagger'

/** A toy label-dependent model: ℓ_t(c | p) = log softmax(E_t + A_p) (T, C), (C + 1, C), p = C at t = 0. */
function toyModel(T: number, C: number, rng: Rng) {
  const E = Float64Array.from({ length: T * C }, () => rng.normal(0, 1))
  const A = Float64Array.from({ length: (C + 1) * C }, () => rng.normal(0, 1.5))
  const row = (t: number, p: number): Float64Array => {
    const z = new Float64Array(C)
    for (let c = 0; c < C; c++) z[c] = E[t * C + c] + A[p * C + c]
    return logSoftmaxRows(new Float64Array(C), z, 1, C)
  }
  return row
}

function runBeam(row: (t: number, p: number) => Float64Array, T: number, C: number, W: number) {
  const beam = new BeamSearch(T, C, W)
  const logp = new Float64Array(W * C)
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < beam.K; k++) logp.set(row(t, t === 0 ? C : beam.labels[k]), k * C)
    beam.step(logp)
  }
  return beam.result()
}

describe('beam search', () => {
  it('a beam as wide as every path finds the enumerated optimum; greedy is the argmax chain', () => {
    const rng = new Rng(3)
    const [T, C] = [5, 3]
    for (let n = 0; n < 30; n++) {
      const row = toyModel(T, C, rng)
      let best = -Infinity
      for (let code = 0; code < C ** T; code++) {
        let [s, p] = [0, C]
        for (let t = 0, q = code; t < T; t++, q = Math.floor(q / C)) {
          const y = q % C
          s += row(t, p)[y]
          p = y
        }
        best = Math.max(best, s)
      }
      const full = runBeam(row, T, C, C ** (T - 1))
      expect(full.logLikelihood).toBeCloseTo(best, 10)
      // the reported path has that score, and its rows are p(· | its own prefix)
      let [s, p] = [0, C]
      for (let t = 0; t < T; t++) {
        const r = row(t, p)
        for (let c = 0; c < C; c++)
          expect(full.probabilities[t * C + c]).toBeCloseTo(Math.exp(r[c]), 6)
        s += r[full.path[t]]
        p = full.path[t]
      }
      expect(s).toBeCloseTo(best, 10)
      const greedy = runBeam(row, T, C, 1)
      p = C
      for (let t = 0; t < T; t++) {
        const r = row(t, p)
        let arg = 0
        for (let c = 1; c < C; c++) if (r[c] > r[arg]) arg = c
        expect(greedy.path[t]).toBe(arg)
        p = arg
      }
      // beam 3 never did worse than greedy on these cases, and never better than the optimum
      const b3 = runBeam(row, T, C, 3)
      expect(b3.logLikelihood).toBeGreaterThanOrEqual(greedy.logLikelihood - 1e-12)
      expect(b3.logLikelihood).toBeLessThanOrEqual(best + 1e-12)
    }
  })

  it('refuses a bad width and too many steps', () => {
    expect(() => new BeamSearch(2, 2, 0)).toThrow(/beam width/)
    const b = new BeamSearch(1, 2, 1)
    b.step(Float64Array.of(0, -1))
    expect(() => b.step(Float64Array.of(0, -1))).toThrow(/more steps/)
  })
})

describe('output-recurrent tagger', () => {
  const cfg = (cell: TaggerConfig['cell'], L: number): TaggerConfig => ({
    cell,
    inputSize: 4 + 3,
    hiddenSize: 6,
    numLayers: L,
    numClasses: 3,
    bidirectional: false,
    dropout: 0,
    outputRecurrence: true,
  })

  it('refuses a bidirectional model and attention', () => {
    expect(() => checkConfig({ ...cfg('gru', 1), bidirectional: true })).toThrow(/unidirectional/)
    expect(() => checkConfig({ ...cfg('gru', 1), attention: { heads: 1, window: 0 } })).toThrow(
      /attention/,
    )
  })

  for (const [cell, L] of [
    ['lstm', 2],
    ['gru', 2],
    ['rnn-tanh', 1],
  ] as const) {
    it(`${cell} L${L}: step-by-step decoding = teacher forcing of the decoded path, beam ≥ greedy`, () => {
      const c = cfg(cell, L)
      const k = tsKernels
      const m = createTagger(c, k)
      initTagger(m.params, c, new Rng(7))
      // bigger output weights so the decoded path has label changes
      for (let i = 0; i < m.p.Wout.length; i++) m.p.Wout[i] *= 4
      const T = 40
      const F = 4
      const rng = new Rng(11)
      const x = Float32Array.from({ length: T * F }, () => rng.normal())
      const greedy = decodeWithTagger(m, k, x, T, 1)
      expect(new Set(greedy.path).size).toBeGreaterThan(1)
      // teacher-force the decoded path over the whole sequence in one forward
      const prev = previousLabelInput(new Float32Array(T * 3), greedy.path, Int32Array.of(T), T, 3)
      const xt = concatFeedback(new Float32Array(T * 7), x, prev, T, F, 3)
      const ws = allocWorkspace(c, k, T, 1)
      taggerForward(ws, xt, Int32Array.of(T), T, m, k)
      const lp = logSoftmaxRows(new Float64Array(T * 3), ws.logits, T, 3)
      let ll = 0
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < 3; j++)
          expect(Math.abs(greedy.probabilities[t * 3 + j] - Math.exp(lp[t * 3 + j]))).toBeLessThan(
            1e-5,
          )
        let arg = 0
        for (let j = 1; j < 3; j++) if (lp[t * 3 + j] > lp[t * 3 + arg]) arg = j
        expect(greedy.path[t]).toBe(arg)
        ll += lp[t * 3 + greedy.path[t]]
      }
      expect(greedy.logLikelihood).toBeCloseTo(ll, 4)
      const beam = decodeWithTagger(m, k, x, T, 4)
      expect(beam.logLikelihood).toBeGreaterThanOrEqual(greedy.logLikelihood - 1e-9)
    })
  }
})
