// A whole tagger step (forward, loss, backward) with the native kernels matches the TS reference.
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
