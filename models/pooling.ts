/**
 * Many-to-one heads: one label per sequence (clip / recording classification) from the states of
 * the recurrent stack, pooled over each sequence's valid frames, then a linear classifier.
 *
 * Equations, exactly as computed, for sequence b with n = lengths[b] valid frames s_0 … s_{n−1}:
 *   mean        c = (1/n) Σ_{j<n} s_j
 *   max         c_k = max_{j<n} s_{j,k}          argmax a_k = the first j attaining it
 *   attention   u_j = tanh(W s_j + b)            (A)        additive attention (Bahdanau 2015)
 *               e_j = vᵀ u_j                                 score
 *               w = softmax(e_0 … e_{n−1}),  w_j = 0 for j ≥ n   (padding keys get −∞)
 *               c = Σ_{j<n} w_j s_j
 *   logits      z = Wout c + bout                (C)
 *   loss        clip-level cross-entropy with class weights (loss.ts with T = 1):
 *               L = Σ_b w_{y_b} (−log softmax(z_b)_{y_b}) / Σ_b w_{y_b}
 * A sequence with n = 0 pools to c = 0 (and has no argmax).
 *
 * Backward (each line differentiates the forward line above it):
 *   dc = Woutᵀ dz ;  dWout += dz cᵀ ;  dbout += dz
 *   mean        ds_j += dc / n
 *   max         ds_{a_k, k} += dc_k
 *   attention   ds_j += w_j dc ;  dw_j = dcᵀ s_j
 *               de_j = w_j (dw_j − Σ_i w_i dw_i)              softmax Jacobian
 *               dv += Σ_j de_j u_j ;  du_j = de_j v
 *               da_j = du_j ⊙ (1 − u_j²) ; dW += Σ_j da_j s_jᵀ ; db += Σ_j da_j ; ds_j += Wᵀ da_j
 *
 * Shapes (legend in tensor.ts; D = width of a state, e.g. D·H of a bidirectional stack, and
 * A = attention size): s (T, B, D), W (A, D), b (A), v (A), Wout (C, D), bout (C); u (T, B, A),
 * w (T, B), c (B, D), z (B, C). Lengths may come in any order here (no packing needed).
 * The attention weights w (T, B) are what the UI draws under the waveform ("where it looked").
 *
 * Padding: state rows at t ≥ lengths[b] are read by the W projection gemm (all T·B rows at once)
 * and multiplied by zero gradients in dW, so they must be finite (the tagger writes zeros).
 *
 * Parameter names follow the PyTorch module of fixtures/make_fixtures_attention.py:
 *   pool.weight (A, D), pool.bias (A), pool_v (A), out.weight (C, D), out.bias (C)
 * (mean/max pooling have only out.*).
 */
import type { FloatArray, Kernels } from './kernels'
import {
  createModule,
  namedViews,
  packedLayout,
  type Module,
  type NamedShape,
  type ParamLayout,
} from './layout'
import { crossEntropy, type LossOptions, type LossResult } from './loss'

export type PoolingKind = 'mean' | 'max' | 'attention'

export interface PoolingConfig {
  /** How frames are pooled into one vector per sequence. */
  kind: PoolingKind
  /** D: width of the pooled states (D·H of the recurrent stack). */
  inputSize: number
  /** A: hidden size of the additive attention (ignored by mean/max). */
  attentionSize: number
  /** C: clip classes. */
  numClasses: number
}

export interface PoolingParams<A extends FloatArray> {
  W: A | null // (A, D)  attention only
  b: A | null // (A)
  v: A | null // (A)
  Wout: A // (C, D)
  bout: A // (C)
}

export type PoolingHead<A extends FloatArray> = Module<PoolingConfig, PoolingParams<A>, A>

export function poolingLayout(c: PoolingConfig): ParamLayout {
  const ok = (x: number): boolean => Number.isInteger(x) && x >= 1
  if (!['mean', 'max', 'attention'].includes(c.kind)) throw new Error(`pooling ${c.kind}`)
  if (!ok(c.inputSize) || !ok(c.numClasses) || (c.kind === 'attention' && !ok(c.attentionSize))) {
    throw new RangeError('inputSize, attentionSize and numClasses must be positive integers')
  }
  const [D, Aw, C] = [c.inputSize, c.attentionSize, c.numClasses]
  const attention: NamedShape[] = [
    ['pool.weight', [Aw, D]],
    ['pool.bias', [Aw]],
    ['pool_v', [Aw]],
  ]
  return packedLayout([
    ...(c.kind === 'attention' ? attention : []),
    ['out.weight', [C, D]],
    ['out.bias', [C]],
  ])
}

export function poolingViews<A extends FloatArray>(flat: A, c: PoolingConfig): PoolingParams<A> {
  const v = namedViews(flat, poolingLayout(c))
  return {
    W: v.get('pool.weight') ?? null,
    b: v.get('pool.bias') ?? null,
    v: v.get('pool_v') ?? null,
    Wout: v.get('out.weight')!,
    bout: v.get('out.bias')!,
  }
}

/** Params and grads (zeros) allocated through the kernels. */
export function createPoolingHead<A extends FloatArray>(
  config: PoolingConfig,
  k: Pick<Kernels<A>, 'alloc'>,
): PoolingHead<A> {
  return createModule(config, poolingLayout(config), poolingViews, (n) => k.alloc(n))
}

export interface PoolingWorkspace<A extends FloatArray> {
  Tmax: number
  Bmax: number
  u: A // (T, B, A) tanh(W s + b); backward turns it into da in place (attention)
  w: A // (T, B)    attention weights, 0 beyond each length (mean: 1/n, max: unused)
  dw: A // (T, B)   scratch: dL/dw, then dL/de
  argmax: Int32Array // (B, D) max pooling: frame of each maximum, −1 for an empty sequence
  c: A // (B, D)    pooled vectors
  dc: A // (B, D)
  logits: A // (B, C)
  dlogits: A // (B, C) filled by the loss (clipCrossEntropy) before backward
}

export function allocPooling<A extends FloatArray>(
  cfg: PoolingConfig,
  k: Pick<Kernels<A>, 'alloc'>,
  Tmax: number,
  Bmax: number,
): PoolingWorkspace<A> {
  const [D, C] = [cfg.inputSize, cfg.numClasses]
  const Aw = cfg.kind === 'attention' ? cfg.attentionSize : 0
  return {
    Tmax,
    Bmax,
    u: k.alloc(Tmax * Bmax * Aw),
    w: k.alloc(Tmax * Bmax),
    dw: k.alloc(Tmax * Bmax),
    argmax: new Int32Array(Bmax * D),
    c: k.alloc(Bmax * D),
    dc: k.alloc(Bmax * D),
    logits: k.alloc(Bmax * C),
    dlogits: k.alloc(Bmax * C),
  }
}

function checkDims(ws: PoolingWorkspace<FloatArray>, lengths: Int32Array, T: number): void {
  const B = lengths.length
  if (T > ws.Tmax || B > ws.Bmax) throw new RangeError(`batch (${T}, ${B}) exceeds the workspace`)
  for (let b = 0; b < B; b++) {
    if (!(lengths[b] >= 0 && lengths[b] <= T)) throw new RangeError(`length ${lengths[b]} of ${b}`)
  }
}

/** Pools s (T, B, D) into ws.c (B, D) and classifies into ws.logits (B, C). */
export function poolingForward<A extends FloatArray>(
  ws: PoolingWorkspace<A>,
  s: A, // (T, B, D)
  lengths: Int32Array, // (B)
  T: number,
  m: PoolingHead<A>,
  k: Kernels<A>,
): void {
  checkDims(ws, lengths, T)
  const { kind, inputSize: D, attentionSize: Aw, numClasses: C } = m.config
  const B = lengths.length
  const { c, w } = ws
  c.fill(0, 0, B * D)
  w.fill(0, 0, T * B)
  if (kind === 'mean') {
    for (let b = 0; b < B; b++) {
      const n = lengths[b]
      for (let t = 0; t < n; t++) w[t * B + b] = 1 / n
    }
  }
  if (kind === 'attention') {
    const { W, b: bias, v } = m.p as Required<{ [K in keyof PoolingParams<A>]: A }>
    // u (T·B, A) = tanh(s (T·B, D) · Wᵀ + b)
    k.gemm(false, true, T * B, Aw, D, s, 0, D, W, 0, D, 0, ws.u, 0, Aw)
    for (let b = 0; b < B; b++) {
      const n = lengths[b]
      if (n === 0) continue
      let mx = -Infinity
      for (let t = 0; t < n; t++) {
        const r = (t * B + b) * Aw
        let e = 0
        for (let a = 0; a < Aw; a++) {
          const ua = (ws.u[r + a] = Math.tanh(ws.u[r + a] + bias[a]))
          e += v[a] * ua
        }
        w[t * B + b] = e // e_t, softmaxed below
        mx = Math.max(mx, e)
      }
      let sum = 0
      for (let t = 0; t < n; t++) sum += w[t * B + b] = Math.exp(w[t * B + b] - mx)
      for (let t = 0; t < n; t++) w[t * B + b] /= sum
    }
  }
  if (kind === 'max') {
    ws.argmax.fill(-1, 0, B * D)
    for (let b = 0; b < B; b++) {
      const n = lengths[b]
      for (let t = 0; t < n; t++) {
        const r = (t * B + b) * D
        for (let j = 0; j < D; j++) {
          const q = b * D + j
          if (t === 0 || s[r + j] > c[q]) {
            c[q] = s[r + j]
            ws.argmax[q] = t
          }
        }
      }
    }
  } else {
    // c_b = Σ_t w_{t,b} s_{t,b}   (mean: w = 1/n)
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const wt = w[t * B + b]
        if (wt === 0) continue
        const r = (t * B + b) * D
        for (let j = 0; j < D; j++) c[b * D + j] += wt * s[r + j]
      }
    }
  }
  // z (B, C) = c · Woutᵀ + bout
  k.gemm(false, true, B, C, D, c, 0, D, m.p.Wout, 0, D, 0, ws.logits, 0, C)
  for (let b = 0; b < B; b++) for (let j = 0; j < C; j++) ws.logits[b * C + j] += m.p.bout[j]
}

/**
 * Backward from ws.dlogits (B, C): accumulates param grads into m.grads and, when ds is given,
 * dL/ds into ds (T, B, D). Overwrites ws.u with da (attention), so run forward again before a
 * second backward.
 */
export function poolingBackward<A extends FloatArray>(
  ds: A | null, // (T, B, D) accumulate
  ws: PoolingWorkspace<A>,
  s: A, // (T, B, D)
  lengths: Int32Array, // (B)
  T: number,
  m: PoolingHead<A>,
  k: Kernels<A>,
): void {
  const { kind, inputSize: D, attentionSize: Aw, numClasses: C } = m.config
  const B = lengths.length
  const { c, dc, w, dw } = ws
  // dWout (C, D) += dzᵀ · c ; dbout += Σ_b dz ; dc (B, D) = dz · Wout
  k.gemm(true, false, C, D, B, ws.dlogits, 0, C, c, 0, D, 1, m.g.Wout, 0, D)
  k.colSum(B, C, ws.dlogits, 0, C, m.g.bout, 0)
  k.gemm(false, false, B, D, C, ws.dlogits, 0, C, m.p.Wout, 0, D, 0, dc, 0, D)
  if (kind === 'max') {
    if (!ds) return
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < D; j++) {
        const t = ws.argmax[b * D + j]
        if (t >= 0) ds[(t * B + b) * D + j] += dc[b * D + j]
      }
    }
    return
  }
  // ds_t += w_t dc
  if (ds) {
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const wt = w[t * B + b]
        if (wt === 0) continue
        const r = (t * B + b) * D
        for (let j = 0; j < D; j++) ds[r + j] += wt * dc[b * D + j]
      }
    }
  }
  if (kind === 'mean') return
  const { W, v } = m.p as Required<{ [K in keyof PoolingParams<A>]: A }>
  const gv = m.g.v!
  const u = ws.u
  for (let b = 0; b < B; b++) {
    const n = lengths[b]
    // dw_t = dcᵀ s_t ; de_t = w_t (dw_t − Σ_i w_i dw_i)
    let dot = 0
    for (let t = 0; t < n; t++) {
      const r = (t * B + b) * D
      let d = 0
      for (let j = 0; j < D; j++) d += dc[b * D + j] * s[r + j]
      dw[t * B + b] = d
      dot += w[t * B + b] * d
    }
    for (let t = 0; t < n; t++) dw[t * B + b] = w[t * B + b] * (dw[t * B + b] - dot)
    // dv += de_t u_t ; da_t = de_t v ⊙ (1 − u_t²), in place over u
    for (let t = 0; t < n; t++) {
      const de = dw[t * B + b]
      const r = (t * B + b) * Aw
      for (let a = 0; a < Aw; a++) {
        const ua = u[r + a]
        gv[a] += de * ua
        u[r + a] = de * v[a] * (1 - ua * ua)
      }
    }
    for (let t = n; t < T; t++) u.fill(0, (t * B + b) * Aw, (t * B + b + 1) * Aw)
  }
  // dW (A, D) += daᵀ · s ; db += Σ da ; ds += da · W
  k.gemm(true, false, Aw, D, T * B, u, 0, Aw, s, 0, D, 1, m.g.W!, 0, D)
  k.colSum(T * B, Aw, u, 0, Aw, m.g.b!, 0)
  if (ds) k.gemm(false, false, T * B, D, Aw, u, 0, Aw, W, 0, D, 1, ds, 0, D)
}

/**
 * Clip-level cross-entropy over ws.logits (B, C), writing ws.dlogits: loss.ts with T = 1, so
 * class weights, the ignore label (clips without a file-level class) and data-parallel `norm`
 * behave exactly as for frames (PyTorch CrossEntropyLoss(weight, ignore_index), mean).
 */
export function clipCrossEntropy<A extends FloatArray>(
  ws: PoolingWorkspace<A>,
  labels: Int32Array, // (B)
  C: number,
  opts: LossOptions = {},
): LossResult {
  const B = labels.length
  const ones = new Int32Array(B).fill(1)
  return crossEntropy(ws.dlogits, ws.logits, labels, ones, 1, B, C, opts)
}
