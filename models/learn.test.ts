/**
 * Learning test: frame t is labelled by the input at t + 5, so only a model that sees the future
 * can do better than chance. A BiGRU must reach > 95% frame accuracy on held-out sequences; the
 * same model without its backward direction must stay below 60% (chance is 50%).
 */
import { describe, expect, it } from 'vitest'
import { initTagger } from './init'
import { tsKernels } from './kernels-ts'
import { crossEntropy, frameAccuracy } from './loss'
import { Adam, clipGradNorm } from './optim'
import type { TaggerConfig } from './params'
import { Rng } from './rng'
import { allocWorkspace, createTagger, taggerBackward, taggerForward } from './tagger'

const LEAD = 5
const [T, B, F] = [32, 32, 2]

/** x_t = (s_t, noise), s_t = ±1 at random; label_t = [s_{t+LEAD} > 0], ignored when t + LEAD ≥ T. */
function batch(rng: Rng) {
  const x = new Float32Array(T * B * F)
  const labels = new Int32Array(T * B).fill(-1)
  const lengths = new Int32Array(B).fill(T)
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      x[(t * B + b) * F] = rng.uniform() < 0.5 ? -1 : 1
      x[(t * B + b) * F + 1] = 0.3 * rng.normal()
    }
  }
  for (let t = 0; t + LEAD < T; t++) {
    for (let b = 0; b < B; b++) labels[t * B + b] = x[((t + LEAD) * B + b) * F] > 0 ? 1 : 0
  }
  return { x, labels, lengths }
}

function trainAndEvaluate(
  bidirectional: boolean,
  steps: number,
): { accuracy: number; lossEnd: number } {
  const cfg: TaggerConfig = {
    cell: 'gru',
    inputSize: F,
    hiddenSize: 16,
    numLayers: 1,
    numClasses: 2,
    bidirectional,
    dropout: 0,
  }
  const k = tsKernels
  const rng = new Rng(42)
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, rng)
  const ws = allocWorkspace(cfg, k, T, B)
  const opt = new Adam(m.params.length, { lr: 0.02 })
  let lossEnd = 0
  for (let s = 0; s < steps; s++) {
    const { x, labels, lengths } = batch(rng)
    taggerForward(ws, x, lengths, T, m, k, { training: true, rng })
    const r = crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, 2)
    m.grads.fill(0)
    taggerBackward(ws, x, lengths, T, m, k)
    clipGradNorm(m.grads, 5)
    opt.step(m.params, m.grads)
    lossEnd = s === 0 ? r.loss : 0.9 * lossEnd + 0.1 * r.loss
  }
  const test = new Rng(7)
  let acc = 0
  const nEval = 4
  for (let e = 0; e < nEval; e++) {
    const { x, labels, lengths } = batch(test)
    taggerForward(ws, x, lengths, T, m, k)
    acc += frameAccuracy(ws.logits, labels, lengths, T, B, 2) / nEval
  }
  return { accuracy: acc, lossEnd }
}

describe('learning a task that needs future context (label_t = input_{t+5})', () => {
  it('BiGRU reaches > 95% frame accuracy; a unidirectional GRU stays below 60%', () => {
    const t0 = performance.now()
    const bi = trainAndEvaluate(true, 120)
    const uni = trainAndEvaluate(false, 120)
    console.log(
      `bi: acc ${(100 * bi.accuracy).toFixed(1)}% loss ${bi.lossEnd.toFixed(3)} | ` +
        `uni: acc ${(100 * uni.accuracy).toFixed(1)}% loss ${uni.lossEnd.toFixed(3)} | ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )
    expect(bi.accuracy).toBeGreaterThan(0.95)
    expect(uni.accuracy).toBeLessThan(0.6)
  })
})
