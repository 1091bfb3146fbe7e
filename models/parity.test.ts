/**
 * PyTorch parity: 2-layer bidirectional masked taggers with loss gradients, and TBPTT carry
 * (fixtures/make_fixtures.py). Config-A logits against PyTorch's own export (a binary weights
 * file) are checked in engine/kernels/tagger-parity.test.ts, for every kernel.
 */
import { describe, expect, it } from 'vitest'
import { tsKernels, tsKernels64 } from './kernels-ts'
import type { FloatArray, Kernels } from './kernels'
import { crossEntropy } from './loss'
import type { CellType, TaggerConfig } from './params'
import {
  allocState,
  allocWorkspace,
  createTagger,
  taggerBackward,
  taggerForward,
  type TaggerState,
} from './tagger'
import { checkTensor, formatCheck, timeMajor } from './testing'
import maskedGru from './fixtures/fixture_masked_gru.json'
import maskedLstm from './fixtures/fixture_masked_lstm.json'
import maskedRnnRelu from './fixtures/fixture_masked_rnn-relu.json'
import maskedRnnTanh from './fixtures/fixture_masked_rnn-tanh.json'
import stateFixtures from './fixtures/fixture_state.json'

const masked: Record<string, unknown> = {
  'rnn-tanh': maskedRnnTanh,
  'rnn-relu': maskedRnnRelu,
  lstm: maskedLstm,
  gru: maskedGru,
}

interface MaskedFixture {
  cell: CellType
  F: number
  H: number
  L: number
  C: number
  T: number
  lengths: number[]
  input: number[][][]
  labels: number[][]
  class_weights: number[]
  params: Record<string, number[]>
  shapes: Record<string, number[]>
  logits: number[][][]
  loss: number
  grads: Record<string, number[]>
  bidirectional: boolean
  /** Initial forward state (L, B, H): the TBPTT carry. */
  h0?: number[][][]
  c0?: number[][][] | null
}

function runMasked<A extends FloatArray>(fix: MaskedFixture, k: Kernels<A>) {
  const cfg: TaggerConfig = {
    cell: fix.cell,
    inputSize: fix.F,
    hiddenSize: fix.H,
    numLayers: fix.L,
    numClasses: fix.C,
    bidirectional: fix.bidirectional,
    dropout: 0,
  }
  const { T, C } = fix
  const B = fix.lengths.length
  const m = createTagger(cfg, k)
  for (const e of m.layout.entries) {
    expect(fix.shapes[e.name], e.name).toEqual(e.shape)
    m.params.set(fix.params[e.name], e.offset)
  }
  const lengths = Int32Array.from(fix.lengths)
  const x = timeMajor(k.alloc(T * B * fix.F), fix.input, T, fix.F)
  const labels = new Int32Array(T * B)
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) labels[t * B + b] = fix.labels[b][t]
  const ws = allocWorkspace(cfg, k, T, B)
  let state: TaggerState<A> | null = null
  if (fix.h0) {
    state = allocState(cfg, k, B)
    for (let l = 0; l < fix.L; l++) {
      state.h[l].set(fix.h0[l].flat().map(Math.fround))
      if (fix.c0) state.c![l].set(fix.c0[l].flat().map(Math.fround))
    }
  }
  taggerForward(ws, x, lengths, T, m, k, { state })
  const r = crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, C, {
    classWeights: fix.class_weights,
  })
  taggerBackward(ws, x, lengths, T, m, k)
  // every named tensor: logits (batch-major → time-major), loss, each parameter's gradient
  const wantLogits = timeMajor(new Float64Array(T * B * C), fix.logits, T, C)
  const checks = [
    checkTensor('logits', ws.logits.subarray(0, T * B * C), wantLogits),
    checkTensor('loss', [r.loss], [fix.loss]),
  ]
  for (const e of m.layout.entries) {
    checks.push(
      checkTensor(
        `grad ${e.name}`,
        m.grads.subarray(e.offset, e.offset + e.length),
        fix.grads[e.name],
      ),
    )
  }
  return checks
}

describe('PyTorch parity, 2-layer BiRNN taggers on packed variable-length batches, with gradients', () => {
  for (const cell of ['rnn-tanh', 'rnn-relu', 'lstm', 'gru']) {
    const fix = masked[cell] as MaskedFixture
    // weights, inputs and class weights are float32 values written with 9 digits: round back
    for (const n in fix.params) fix.params[n] = fix.params[n].map(Math.fround)
    fix.input = fix.input.map((rows) => rows.map((r) => r.map(Math.fround)))
    fix.class_weights = fix.class_weights.map(Math.fround)
    it(`${cell}: float64 path matches every tensor to < 1e-12`, () => {
      const checks = runMasked(fix, tsKernels64)
      console.log(`${cell} float64\n` + checks.map(formatCheck).join('\n'))
      expect(checks.length).toBe(2 + 4 * 2 * fix.L + 2)
      for (const c of checks) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
    })
    it(`${cell}: float32 path matches every tensor to < 1e-5`, () => {
      const checks = runMasked(fix, tsKernels)
      const worst = Math.max(...checks.map((c) => c.maxDiff))
      console.log(`${cell} float32 worst maxdiff ${worst.toExponential(2)}`)
      for (const c of checks) expect(c.maxDiff, c.name).toBeLessThan(1e-5)
    })
  }
})

describe('PyTorch parity, TBPTT carry: unidirectional 2-layer taggers started from (h0, c0)', () => {
  const all = stateFixtures as unknown as Record<string, MaskedFixture>
  for (const cell of ['lstm', 'gru']) {
    const fix = all[cell]
    for (const n in fix.params) fix.params[n] = fix.params[n].map(Math.fround)
    fix.input = fix.input.map((rows) => rows.map((r) => r.map(Math.fround)))
    it(`${cell}: logits, loss and every gradient match (float64 < 1e-12, float32 < 1e-5)`, () => {
      const c64 = runMasked(fix, tsKernels64)
      const c32 = runMasked(fix, tsKernels)
      expect(c64.length).toBe(2 + 4 * fix.L + 2)
      for (const c of c64) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
      for (const c of c32) expect(c.maxDiff, c.name).toBeLessThan(1e-5)
      const worst = (cs: typeof c64): string =>
        Math.max(...cs.map((c) => c.maxDiff)).toExponential(2)
      console.log(`${cell} from (h0, c0): worst maxdiff f64 ${worst(c64)}, f32 ${worst(c32)}`)
    })
  }
})
