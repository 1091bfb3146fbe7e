/**
 * Training and scoring on the synthetic recall tasks of bench:longrange and bench:attention (a
 * cue, then a recall frame `lag` frames later labelled with it; every other frame ignored): Adam
 * steps on fresh batches until a time budget or step cap, then held-out batches of a fixed seed.
 * One loop for both benches, so their rows are trained and scored alike.
 */
import type { Kernels } from '../models/kernels'
import { crossEntropy, frameAccuracy } from '../models/loss'
import { Adam, clipGradNorm } from '../models/optim'
import type { Rng } from '../models/rng'
import { taggerBackward, taggerForward, type Tagger, type TaggerWorkspace } from '../models/tagger'

/** A batch, time-major: x (T, n, F), labels (T, n). */
export interface RecallBatch {
  x: Float32Array
  labels: Int32Array
}

/** The model, its workspace and the batch shape: T frames × n rows, all full length. */
export interface RecallSetup {
  m: Tagger<Float32Array>
  ws: TaggerWorkspace<Float32Array>
  k: Kernels
  T: number
  n: number
}

export interface RecallTraining {
  steps: number
  seconds: number
  /** Training loss of every step. */
  losses: number[]
  /** First step whose moving-average (50 steps) training accuracy is ≥ 0.99, or null. */
  solvedAt: number | null
  /** Stopped at a non-finite loss. */
  diverged: boolean
}

const mean = (a: number[]): number => a.reduce((p, q) => p + q, 0) / Math.max(1, a.length)

/** Adam (lr) on `batch(rng)` until `seconds` or `maxSteps`; global-norm clipping when `clip` > 0. */
export function trainRecall(
  s: RecallSetup,
  batch: (rng: Rng) => RecallBatch,
  rng: Rng,
  o: { lr: number; clip: number; seconds: number; maxSteps: number },
): RecallTraining {
  const { m, ws, k, T, n } = s
  const C = m.config.numClasses
  const opt = new Adam(m.params.length, { lr: o.lr })
  const lengths = new Int32Array(n).fill(T)
  const losses: number[] = []
  const accs: number[] = []
  let solvedAt: number | null = null
  let diverged = false
  const t0 = performance.now()
  let step = 0
  while (step < o.maxSteps && performance.now() - t0 < o.seconds * 1000) {
    const bt = batch(rng)
    taggerForward(ws, bt.x, lengths, T, m, k, { training: true })
    const r = crossEntropy(ws.dlogits, ws.logits, bt.labels, lengths, T, n, C)
    if (!Number.isFinite(r.loss)) {
      diverged = true
      break
    }
    m.grads.fill(0)
    taggerBackward(ws, bt.x, lengths, T, m, k)
    if (o.clip > 0) clipGradNorm(m.grads, o.clip)
    opt.step(m.params, m.grads)
    losses.push(r.loss)
    accs.push(frameAccuracy(ws.logits, bt.labels, lengths, T, n, C))
    step++
    if (solvedAt === null && accs.length >= 50 && mean(accs.slice(-50)) >= 0.99) solvedAt = step
  }
  return { steps: step, seconds: (performance.now() - t0) / 1000, losses, solvedAt, diverged }
}

/** Mean loss and accuracy over `batches` held-out batches of `batch(rng)`. */
export function scoreRecall(
  s: RecallSetup,
  batch: (rng: Rng) => RecallBatch,
  rng: Rng,
  batches: number,
): { loss: number; acc: number } {
  const { m, ws, k, T, n } = s
  const C = m.config.numClasses
  const lengths = new Int32Array(n).fill(T)
  let [lossSum, accSum] = [0, 0]
  for (let i = 0; i < batches; i++) {
    const bt = batch(rng)
    taggerForward(ws, bt.x, lengths, T, m, k)
    lossSum += crossEntropy(null, ws.logits, bt.labels, lengths, T, n, C).loss
    accSum += frameAccuracy(ws.logits, bt.labels, lengths, T, n, C)
  }
  return { loss: lossSum / batches, acc: accSum / batches }
}
