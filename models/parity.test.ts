/**
 * PyTorch parity: config-A BiLSTM/BiGRU logits (fixtures from shared/reference/export_onnx.py)
 * and 2-layer bidirectional masked taggers with loss gradients (fixtures/make_fixtures.py).
 */
import { readFileSync } from 'node:fs'
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
import {
  checkTensor,
  float32FromBytes,
  formatCheck,
  loadWeights,
  timeMajor,
  type WeightsIndex,
} from './testing'

const dir = new URL('./fixtures/', import.meta.url)
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'))

describe('PyTorch parity, config A (F40 H64 C4, bidirectional, T = 50)', () => {
  for (const cell of ['lstm', 'gru'] as const) {
    it(`${cell}: logits match PyTorch to < 1e-5`, () => {
      const index = readJson(`tagger_A_${cell}.weights.json`) as WeightsIndex & {
        F: number
        H: number
        L: number
        C: number
      }
      const values = float32FromBytes(readFileSync(new URL(`tagger_A_${cell}.weights.bin`, dir)))
      const fix = readJson(`fixture_A_${cell}_T50.json`) as {
        input: number[][]
        logits: number[][]
      }
      const cfg: TaggerConfig = {
        cell,
        inputSize: index.F,
        hiddenSize: index.H,
        numLayers: index.L,
        numClasses: index.C,
        bidirectional: true,
        dropout: 0,
      }
      const k = tsKernels
      const m = createTagger(cfg, k)
      loadWeights(m.params, m.layout, index, values)
      const T = fix.input.length
      const ws = allocWorkspace(cfg, k, T, 1)
      const x = timeMajor(k.alloc(T * cfg.inputSize), [fix.input], T, cfg.inputSize)
      taggerForward(ws, x, Int32Array.of(T), T, m, k)
      const c = checkTensor(
        `A-${cell} logits`,
        ws.logits.subarray(0, T * cfg.numClasses),
        fix.logits.flat(),
      )
      console.log(formatCheck(c))
      expect(c.maxRef).toBeGreaterThan(0.05) // a real signal, not zeros against zeros
      expect(c.maxDiff).toBeLessThan(1e-5)
    })
  }
})

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
    const fix = readJson(`fixture_masked_${cell}.json`) as MaskedFixture
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
  const all = readJson('fixture_state.json') as Record<string, MaskedFixture>
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
