// A whole tagger step (forward, loss, backward) with the native kernels matches the TS reference,
// and every kernel reproduces PyTorch's config-A logits from its own exported weights (a binary
// file, so this reads it here rather than in models/, which has no file access).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { initTagger } from '../../models/init'
import type { Kernels } from '../../models/kernels'
import { tsKernels } from '../../models/kernels-ts'
import { crossEntropy } from '../../models/loss'
import { Rng } from '../../models/rng'
import {
  allocWorkspace,
  createTagger,
  taggerBackward,
  taggerForward,
  type TaggerConfig,
} from '../../models/tagger'
import {
  checkTensor,
  float32FromBytes,
  formatCheck,
  loadWeights,
  timeMajor,
  type WeightsIndex,
} from '../../models/testing'
import { loadNativeKernels, NATIVE_ISAS } from './load'

const variants = NATIVE_ISAS.map((isa) => loadNativeKernels(isa)).filter(
  (k): k is Kernels => !(k instanceof Error),
)

function runStep(k: Kernels, cfg: TaggerConfig, T: number, B: number) {
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, new Rng(7))
  // non-zero biases so every bias path is exercised
  const r = new Rng(8)
  for (const layer of m.p.cells)
    for (const c of layer)
      for (const b of [c.bih, c.bhh]) for (let i = 0; i < b.length; i++) b[i] += 0.2 * r.normal()
  const ws = allocWorkspace(cfg, k, T, B)
  const x = k.alloc(T * B * cfg.inputSize)
  for (let i = 0; i < x.length; i++) x[i] = r.normal()
  const labels = new Int32Array(T * B)
  for (let i = 0; i < labels.length; i++) labels[i] = Math.floor(r.uniform() * cfg.numClasses)
  const lengths = Int32Array.from({ length: B }, (_, b) => Math.max(1, T - 3 * b))
  taggerForward(ws, x, lengths, T, m, k)
  const loss = crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, cfg.numClasses).loss
  taggerBackward(ws, x, lengths, T, m, k)
  return { loss, logits: ws.logits.slice(0, T * B * cfg.numClasses), grads: m.grads.slice() }
}

function maxAbs(a: Float32Array): number {
  let m = 0
  for (const v of a) m = Math.max(m, Math.abs(v))
  return m
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe.skipIf(variants.length === 0)('tagger with native kernels vs TS kernels', () => {
  for (const cell of ['lstm', 'gru', 'rnn-tanh', 'rnn-relu'] as const) {
    it(`${cell}: 2-layer BiRNN, H not a multiple of the vector width, ragged lengths`, () => {
      const cfg: TaggerConfig = {
        cell,
        inputSize: 7,
        hiddenSize: 19,
        numLayers: 2,
        numClasses: 5,
        bidirectional: true,
        dropout: 0,
      }
      const [T, B] = [37, 6]
      const ref = runStep(tsKernels, cfg, T, B)
      expect(maxAbs(ref.grads)).toBeGreaterThan(1e-2)
      for (const k of variants) {
        const got = runStep(k, cfg, T, B)
        const dLogits = maxDiff(got.logits, ref.logits)
        const dGrads = maxDiff(got.grads, ref.grads)
        // Relative to the largest reference value: the ReLU RNN (identity init, unbounded)
        // reaches logits ~400, where float32 itself only resolves ~3e-5.
        const scaleL = Math.max(1, maxAbs(ref.logits))
        const scaleG = Math.max(1, maxAbs(ref.grads))
        expect(Math.abs(got.loss - ref.loss) / Math.max(1, ref.loss), k.name).toBeLessThan(1e-6)
        expect(dLogits / scaleL, `${k.name} logits`).toBeLessThan(1e-5)
        expect(dGrads / scaleG, `${k.name} grads`).toBeLessThan(1e-5)
      }
    })
  }
})

describe('PyTorch parity, config A (F40 H64 C4, bidirectional, T = 50; shared/reference/export_onnx.py)', () => {
  const dir = new URL('../../models/fixtures/', import.meta.url)
  const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'))
  for (const cell of ['lstm', 'gru'] as const) {
    it(`${cell}: logits match PyTorch to < 1e-5 with the TS and every native kernel`, () => {
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
      for (const k of [tsKernels as Kernels, ...variants]) {
        const m = createTagger(cfg, k)
        loadWeights(m.params, m.layout, index, values)
        const T = fix.input.length
        const ws = allocWorkspace(cfg, k, T, 1)
        const x = timeMajor(k.alloc(T * cfg.inputSize), [fix.input], T, cfg.inputSize)
        taggerForward(ws, x, Int32Array.of(T), T, m, k)
        const c = checkTensor(
          `A-${cell} logits (${k.name})`,
          ws.logits.subarray(0, T * cfg.numClasses),
          fix.logits.flat(),
        )
        console.log(formatCheck(c))
        expect(c.maxRef).toBeGreaterThan(0.05) // a real signal, not zeros against zeros
        expect(c.maxDiff, k.name).toBeLessThan(1e-5)
      }
    })
  }
})
