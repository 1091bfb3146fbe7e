/**
 * PyTorch parity of the CRNN (fixtures/make_fixtures_crnn.py): Conv2d + BatchNorm2d (training)
 * + ReLU + MaxPool2d((1, p)) blocks, then a bidirectional GRU, Linear and cross-entropy. Checked:
 * the front end's output, the loss of the GRU tagger on it, the running statistics after the
 * step, every GRU/Linear gradient, and every conv/batch-norm gradient from PyTorch's own
 * gradient at the front end's output.
 */
import { describe, expect, it } from 'vitest'
import {
  allocConvWorkspace,
  convBackward,
  convForward,
  convOutputSize,
  createConvFrontEnd,
} from './conv'
import type { FloatArray, Kernels } from './kernels'
import { tsKernels, tsKernels64 } from './kernels-ts'
import { crossEntropy } from './loss'
import { allocWorkspace, createTagger, taggerBackward, taggerForward } from './tagger'
import { checkTensor, timeMajor, type TensorCheck } from './testing'
import fixture from './fixtures/fixture_crnn.json'

interface CrnnFixture {
  F: number
  H: number
  C: number
  T: number
  B: number
  blocks: { channels: number; pool: number }[]
  input: number[][][]
  labels: number[][]
  params: Record<string, number[]>
  shapes: Record<string, number[]>
  running_before: Record<string, number[]>
  running_after: Record<string, number[]>
  front_out: number[][][]
  front_out_grad: number[][][]
  loss: number
  grads: Record<string, number[]>
}

const fix = fixture as unknown as CrnnFixture
const round = (xs: number[]) => xs.map(Math.fround)

function run<A extends FloatArray>(k: Kernels<A>): TensorCheck[] {
  const { T, B, F, C } = fix
  const front = createConvFrontEnd({ inputSize: F, blocks: fix.blocks }, k)
  for (const e of front.layout.entries) {
    expect(fix.shapes[e.name], e.name).toEqual(e.shape)
    front.params.set(round(fix.params[e.name]), e.offset)
  }
  front.running.forEach((r, i) => {
    r.mean.set(round(fix.running_before[`front.${i}.bn.running_mean`]))
    r.var.set(round(fix.running_before[`front.${i}.bn.running_var`]))
  })
  const O = convOutputSize(front.config)
  expect(O).toBe(fix.front_out[0][0].length)
  const lengths = new Int32Array(B).fill(T)
  const x = timeMajor(
    k.alloc(T * B * F),
    fix.input.map((s) => s.map(round)),
    T,
    F,
  )
  const cws = allocConvWorkspace(front.config, k, T, B)
  convForward(cws, x, lengths, T, front, k, true)

  const tagger = createTagger(
    {
      cell: 'gru',
      inputSize: O,
      hiddenSize: fix.H,
      numLayers: 1,
      numClasses: C,
      bidirectional: true,
      dropout: 0,
    },
    k,
  )
  for (const e of tagger.layout.entries) tagger.params.set(round(fix.params[e.name]), e.offset)
  const labels = new Int32Array(T * B)
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) labels[t * B + b] = fix.labels[b][t]
  const tws = allocWorkspace(tagger.config, k, T, B)
  taggerForward(tws, cws.y, lengths, T, tagger, k)
  const r = crossEntropy(tws.dlogits, tws.logits, labels, lengths, T, B, C)
  taggerBackward(tws, cws.y, lengths, T, tagger, k)

  timeMajor(cws.dy, fix.front_out_grad, T, O)
  convBackward(cws, x, lengths, T, front, k)

  const checks = [
    checkTensor('front_out', cws.y, timeMajor(new Float64Array(T * B * O), fix.front_out, T, O)),
    checkTensor('loss', [r.loss], [fix.loss]),
  ]
  front.running.forEach((rs, i) => {
    checks.push(
      checkTensor(`running_mean ${i}`, rs.mean, fix.running_after[`front.${i}.bn.running_mean`]),
    )
    checks.push(
      checkTensor(`running_var ${i}`, rs.var, fix.running_after[`front.${i}.bn.running_var`]),
    )
  })
  for (const m of [front, tagger])
    for (const e of m.layout.entries)
      checks.push(
        checkTensor(
          `grad ${e.name}`,
          m.grads.subarray(e.offset, e.offset + e.length),
          fix.grads[e.name],
        ),
      )
  return checks
}

/** The same CRNN as one tagger (TaggerConfig.frontEnd): the conv's upstream gradient is its own. */
function runTagger<A extends FloatArray>(k: Kernels<A>): TensorCheck[] {
  const { T, B, F, C } = fix
  const m = createTagger(
    {
      cell: 'gru',
      inputSize: F,
      hiddenSize: fix.H,
      numLayers: 1,
      numClasses: C,
      bidirectional: true,
      dropout: 0,
      frontEnd: { blocks: fix.blocks },
    },
    k,
  )
  for (const e of m.layout.entries) {
    const want = fix.params[e.name] ?? fix.running_before[e.name]
    expect(want, e.name).toBeDefined()
    m.params.set(round(want), e.offset)
  }
  const lengths = new Int32Array(B).fill(T)
  const x = timeMajor(
    k.alloc(T * B * F),
    fix.input.map((s) => s.map(round)),
    T,
    F,
  )
  const labels = new Int32Array(T * B)
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) labels[t * B + b] = fix.labels[b][t]
  const ws = allocWorkspace(m.config, k, T, B)
  taggerForward(ws, x, lengths, T, m, k, { training: true })
  const r = crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, C)
  taggerBackward(ws, x, lengths, T, m, k)
  const checks = [checkTensor('loss', [r.loss], [fix.loss])]
  for (const e of m.layout.entries)
    if (fix.grads[e.name])
      checks.push(
        checkTensor(
          `grad ${e.name}`,
          m.grads.subarray(e.offset, e.offset + e.length),
          fix.grads[e.name],
        ),
      )
    else
      expect(
        m.grads.subarray(e.offset, e.offset + e.length).every((g) => g === 0),
        e.name,
      ).toBe(true)
  return checks
}

describe('PyTorch parity, CRNN tagger (frontEnd config): loss and every gradient through its own backward', () => {
  it('float64 < 1e-12, float32 < 1e-5', () => {
    const c64 = runTagger(tsKernels64)
    expect(c64).toHaveLength(1 + 3 * fix.blocks.length + 4 * 2 + 2)
    for (const c of c64) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
    for (const c of runTagger(tsKernels)) expect(c.maxDiff, c.name).toBeLessThan(1e-5)
  })
})

describe('PyTorch parity, CRNN (conv + batch norm + ReLU + frequency max-pool → BiGRU)', () => {
  it('float64: every tensor to < 1e-12', () => {
    const checks = run(tsKernels64)
    expect(checks).toHaveLength(2 + 2 * fix.blocks.length + 3 * fix.blocks.length + 4 * 2 + 2)
    for (const c of checks) expect(c.maxDiff, c.name).toBeLessThan(1e-12)
  })
  it('float32: every tensor to < 1e-5', () => {
    const checks = run(tsKernels)
    const worst = checks.reduce((w, c) => (c.maxDiff > w.maxDiff ? c : w))
    console.log(`CRNN float32 worst maxdiff ${worst.maxDiff.toExponential(2)} (${worst.name})`)
    for (const c of checks) expect(c.maxDiff, c.name).toBeLessThan(1e-5)
  })
})
