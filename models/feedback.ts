/**
 * The output-recurrent tagger: a unidirectional tagger whose input at frame t is the frame's
 * features and the previous frame's label,
 *
 *   x̃_t = [ x_t | onehot(y_{t−1}) ]                       (F + C), onehot(y_{−1}) = 0
 *   p(y_t | y_{<t}, x_{≤t}) = softmax(tagger(x̃_{≤t}))_t    (C)
 *
 * so the recurrence sees the label path and can learn transitions (phases that only move
 * forward, minimum durations). Training feeds the true y_{t−1} (teacher forcing, decode.ts
 * previousLabelInput), which makes training the plain tagger's on a wider input; inference does
 * not know y_{t−1} and decodes left to right, step by step:
 *
 *   beam search of width W over  log p(y) = Σ_t log p(y_t | y_{<t}, x)
 *     hypotheses k = 1..K (K = 1 at t = 0), each with its recurrent state and score s_k;
 *     candidates (k, c) score s_k + ℓ_t^k(c); the W best survive (ties: lower k, then lower c),
 *     each with the state of its parent k after frame t; at the end, the best path backwards.
 *   greedy = width 1 (ŷ_t = argmax_c ℓ_t(c), fed back).
 * Viterbi does not apply: the state depends on the whole path, not on y_{t−1} alone.
 *
 * The search is written once (`BeamSearch`) and driven by any step function: the engine's own
 * forward (`TaggerDecoder`, below) or onnxruntime on the exported graph (engine/infer/feedback.ts).
 * Shapes (tensor.ts legend); K ≤ W hypotheses are the batch rows of one step.
 */
import type { FloatArray, Kernels } from './kernels'
import { logSoftmaxRows } from './label-decoding'
import {
  allocState,
  allocWorkspace,
  carryState,
  taggerForward,
  type Tagger,
  type TaggerState,
  type TaggerWorkspace,
} from './tagger'

/** x̃ = [x | prev]: rows of (R, F) and (R, C) side by side into (R, F + C). */
export function concatFeedback<A extends FloatArray>(
  out: A, // (R, F + C) overwrite
  x: FloatArray, // (R, F)
  prev: FloatArray, // (R, C)
  R: number,
  F: number,
  C: number,
): A {
  for (let r = 0; r < R; r++) {
    out.set(x.subarray(r * F, (r + 1) * F), r * (F + C))
    out.set(prev.subarray(r * C, (r + 1) * C), r * (F + C) + F)
  }
  return out
}

/** The result of decoding one sequence. */
export interface Decoded {
  /** (T) the decoded labels. */
  path: Int32Array
  /** (T, C) p(· | ŷ_{<t}, x) along the decoded path (each row sums to 1). */
  probabilities: Float32Array
  /** log p(ŷ) = Σ_t ℓ_t(ŷ_t). */
  logLikelihood: number
}

/**
 * Beam search bookkeeping for one sequence: feed it each step's log-probabilities of the live
 * hypotheses; it says which hypotheses continue (parents) with which labels.
 */
export class BeamSearch {
  /** Live hypotheses (rows of the next step). */
  K = 1
  /** (W) parent row of each live hypothesis, for reordering recurrent state. */
  readonly parents: Int32Array
  /** (W) the label each live hypothesis emitted last (its next feedback). */
  readonly labels: Int32Array
  private scores: Float64Array // (W)
  private next: Float64Array // (W)
  private readonly back: Int32Array // (T, W) parent per step
  private readonly emitted: Int32Array // (T, W) label per step
  private readonly rows: Float32Array // (T, W, C) ℓ rows of the hypotheses that were live at t
  private t = 0
  private cand: number[] = []

  constructor(
    readonly T: number,
    readonly C: number,
    readonly width: number,
  ) {
    if (!(Number.isInteger(width) && width >= 1)) throw new RangeError(`beam width ${width}`)
    this.parents = new Int32Array(width)
    this.labels = new Int32Array(width)
    this.scores = new Float64Array(width)
    this.next = new Float64Array(width)
    this.back = new Int32Array(T * width)
    this.emitted = new Int32Array(T * width)
    this.rows = new Float32Array(T * width * C)
  }

  /** One frame: `logp` (K, C) of the live hypotheses; updates K, parents and labels. */
  step(logp: FloatArray): void {
    const { C, width: W, t } = this
    if (t >= this.T) throw new RangeError('beam search: more steps than frames')
    this.rows.set(logp.subarray(0, this.K * C), t * W * C)
    const cand = this.cand
    cand.length = 0
    for (let q = 0; q < this.K * C; q++) cand.push(q)
    const score = (q: number): number => this.scores[(q / C) | 0] + logp[q]
    // candidate q = k·C + c; a stable sort keeps ties in (k, c) order
    if (W === 1) {
      let best = 0
      for (let q = 1; q < cand.length; q++) if (score(q) > score(best)) best = q
      cand[0] = best
    } else cand.sort((a, b) => score(b) - score(a) || a - b)
    const K = Math.min(W, cand.length)
    for (let j = 0; j < K; j++) {
      const q = cand[j]
      this.next[j] = score(q)
      this.parents[j] = (q / C) | 0
      this.labels[j] = q % C
      this.back[t * W + j] = this.parents[j]
      this.emitted[t * W + j] = this.labels[j]
    }
    ;[this.scores, this.next] = [this.next, this.scores]
    this.K = K
    this.t++
  }

  /** The best complete hypothesis (after T steps). */
  result(): Decoded {
    const { T, C, width: W } = this
    if (this.t !== T) throw new RangeError(`beam search: ${this.t} of ${T} steps done`)
    const path = new Int32Array(T)
    const probabilities = new Float32Array(T * C)
    if (T === 0) return { path, probabilities, logLikelihood: 0 }
    let k = 0 // scores are sorted best first
    const logLikelihood = this.scores[0]
    for (let t = T - 1; t >= 0; t--) {
      path[t] = this.emitted[t * W + k]
      k = this.back[t * W + k] // the row at step t that this hypothesis extended
      for (let c = 0; c < C; c++)
        probabilities[t * C + c] = Math.exp(this.rows[(t * W + k) * C + c])
    }
    return { path, probabilities, logLikelihood }
  }
}

/** Rows of `src` (K, n) gathered by `parents` into `dst` (K', n): dst[j] = src[parents[j]]. */
export function gatherRows<A extends FloatArray>(
  dst: A,
  src: FloatArray,
  parents: Int32Array,
  K: number,
  n: number,
): A {
  for (let j = 0; j < K; j++) dst.set(src.subarray(parents[j] * n, (parents[j] + 1) * n), j * n)
  return dst
}

/**
 * Step-by-step decoding of one sequence with the engine's forward (the tagger's TBPTT state
 * carry between steps): `step(x, t)` for t = 0 … T − 1, then `beam.result()`. Width 1 is greedy.
 */
export class TaggerDecoder<A extends FloatArray> {
  readonly beam: BeamSearch
  private readonly F: number
  private readonly ws: TaggerWorkspace<A>
  private readonly xt: A // (1, K, F + C)
  private readonly logp: Float64Array // (K, C)
  private readonly state: TaggerState<A>
  private readonly after: TaggerState<A>
  private readonly ones: Int32Array

  constructor(
    private readonly m: Tagger<A>,
    private readonly k: Kernels<A>,
    T: number,
    width = 1,
  ) {
    const cfg = m.config
    if (!cfg.outputRecurrence) throw new Error('TaggerDecoder needs an output-recurrent tagger')
    const C = cfg.numClasses
    this.F = cfg.inputSize - C
    this.beam = new BeamSearch(T, C, width)
    this.ws = allocWorkspace(cfg, k, 1, width)
    this.xt = k.alloc(width * (this.F + C))
    this.logp = new Float64Array(width * C)
    this.state = allocState(cfg, k, width)
    this.after = allocState(cfg, k, width)
    this.ones = new Int32Array(width).fill(1)
  }

  /** Frame t of x (T, F) (features only; the labels come from the beam). */
  step(x: FloatArray, t: number): void {
    const { m, k, F, beam, xt } = this
    const cfg = m.config
    const C = cfg.numClasses
    const K = beam.K
    xt.fill(0)
    for (let j = 0; j < K; j++) {
      xt.set(x.subarray(t * F, (t + 1) * F), j * (F + C))
      if (t > 0) xt[j * (F + C) + F + beam.labels[j]] = 1
    }
    const lengths = this.ones.subarray(0, K)
    taggerForward(this.ws, xt, lengths, 1, m, k, { state: t > 0 ? this.state : null })
    logSoftmaxRows(this.logp, this.ws.logits, K, C)
    beam.step(this.logp)
    // the survivors continue from their parents' states after frame t
    carryState(this.after, this.ws, lengths, 1, m)
    for (let l = 0; l < cfg.numLayers; l++) {
      gatherRows(this.state.h[l], this.after.h[l], beam.parents, beam.K, cfg.hiddenSize)
      if (this.state.c) {
        gatherRows(this.state.c[l], this.after.c![l], beam.parents, beam.K, cfg.hiddenSize)
      }
    }
  }
}

/** Decodes one sequence x (T, F) with the engine's forward, in one go. `width` 1 is greedy. */
export function decodeWithTagger<A extends FloatArray>(
  m: Tagger<A>,
  k: Kernels<A>,
  x: FloatArray, // (T, F)
  T: number,
  width = 1,
): Decoded {
  const d = new TaggerDecoder(m, k, T, width)
  for (let t = 0; t < T; t++) d.step(x, t)
  return d.beam.result()
}

/**
 * Greedy free-running decode of a padded time-major batch x (T, B, F) (lengths longest first):
 * labels (T, B), −1 on padding. One step per frame over all rows, as decodeWithTagger with W = 1
 * does per sequence; scheduled sampling feeds these labels back in training.
 */
export function greedyBatch<A extends FloatArray>(
  labels: Int32Array, // (T, B) overwrite
  m: Tagger<A>,
  k: Kernels<A>,
  x: FloatArray, // (T, B, F)
  lengths: Int32Array, // (B)
  T: number,
): Int32Array {
  const cfg = m.config
  if (!cfg.outputRecurrence) throw new Error('greedyBatch needs an output-recurrent tagger')
  const C = cfg.numClasses
  const F = cfg.inputSize - C
  const B = lengths.length
  const ws = allocWorkspace(cfg, k, 1, B)
  const xt = k.alloc(B * (F + C)) // (1, B, F + C)
  const state: TaggerState<A> = allocState(cfg, k, B)
  const step = new Int32Array(B) // (B) 1 while the row has frames left, else 0
  labels.fill(-1, 0, T * B)
  for (let t = 0; t < T; t++) {
    xt.fill(0)
    for (let b = 0; b < B; b++) {
      step[b] = t < lengths[b] ? 1 : 0
      if (!step[b]) continue
      xt.set(x.subarray((t * B + b) * F, (t * B + b + 1) * F), b * (F + C))
      if (t > 0) xt[b * (F + C) + F + labels[(t - 1) * B + b]] = 1
    }
    taggerForward(ws, xt, step, 1, m, k, { state: t > 0 ? state : null })
    for (let b = 0; b < B && step[b]; b++) {
      let best = 0
      for (let c = 1; c < C; c++) if (ws.logits[b * C + c] > ws.logits[b * C + best]) best = c
      labels[t * B + b] = best
    }
    carryState(state, ws, step, 1, m)
  }
  return labels
}
