/**
 * Multi-head scaled dot-product self-attention over a padded time-major batch, for between the
 * recurrent stack and the output layer (Vaswani et al. 2017; PyTorch nn.MultiheadAttention).
 *
 * Equations, exactly as computed, for sequence b with n = lengths[b], head h of nh, dk = E / nh:
 *   [Q | K | V] = x W_inᵀ + b_in                      (T, B, 3E)   W_in = [Wq; Wk; Wv] (3E, E)
 *   q_i, k_j, v_j = head h's dk columns of Q, K, V at frames i, j
 *   S_ij = q_i · k_j / √dk        for j ∈ N(i) = { j < n : |i − j| ≤ r }   (no window: all j < n)
 *   S_ij = −∞                     otherwise (padding keys; keys outside the window)
 *   P_i· = softmax_j(S_i·) ;  o_i = Σ_j P_ij v_j       heads concatenated: o (T, B, E)
 *   a = o Woᵀ + bo                                      (T, B, E)
 *   y = x + a  (residual)   or   y = a
 * Queries at padding frames (i ≥ n) are not computed: a = 0 there (y = x with the residual).
 * Every valid query has at least one key (itself), so no softmax row is empty.
 *
 * Backward (following the lines above):
 *   dx += dy (residual) ;  dWo += daᵀ o ;  dbo += Σ da ;  do = da Wo
 *   dP_ij = do_i · v_j ;  dv_j += P_ij do_i
 *   dS_ij = P_ij (dP_ij − Σ_l P_il dP_il)
 *   dq_i += Σ_j dS_ij k_j / √dk ;  dk_j += dS_ij q_i / √dk
 *   dW_in += d[Q|K|V]ᵀ x ;  db_in += Σ d[Q|K|V] ;  dx += d[Q|K|V] W_in
 *
 * Shapes (legend in tensor.ts; E = model width, the recurrent stack's D·H): x, y (T, B, E);
 * QKV (T, B, 3E); P (B, nh, T, Wn): dense, Wn = Tmax (column j holds key j), or banded when
 * 2r + 1 < Tmax (and dense would be large, see isBanded), Wn = 2r + 1 (column m holds key
 * j = i − r + m), so a windowed layer on a long file stores O(T·r), not O(T²).
 * The projections (O(T·E²)) are Kernels gemm calls, and so are the dense scores and their
 * gradients (per sequence and head, row stride B·3E: S = Q Kᵀ, O = P V, dP = dO Vᵀ, dV = Pᵀ dO,
 * dQ = dS K, dK = dSᵀ Q); the banded window's O(T·r·E) scores are plain loops.
 *
 * PyTorch ↔ here: nn.MultiheadAttention(E, nh) with batch_first=False takes (T, B, E) as we do;
 * in_proj_weight = [Wq; Wk; Wv], in_proj_bias, out_proj.weight = Wo, out_proj.bias = bo;
 * key_padding_mask[b, j] = (j ≥ n); attn_mask[i, j] = (|i − j| > r). Our names carry the
 * prefix 'self_attn.' (as in nn.TransformerEncoderLayer).
 *
 * Padding: x rows at t ≥ lengths[b] go through the projection gemm and meet zero gradients in
 * dW_in, so they must be finite (the tagger writes zeros there).
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

export interface AttentionConfig {
  /** E: model width (input = output), e.g. D·H of the recurrent stack. */
  modelSize: number
  /** nh: heads, 1–4, dividing E. */
  numHeads: number
  /** r: keys within |i − j| ≤ r only; null = the whole sequence. */
  window: number | null
  /** y = x + Attn(x) when true, else y = Attn(x). */
  residual: boolean
}

export interface AttentionParams<A extends FloatArray> {
  Win: A // (3E, E) [Wq; Wk; Wv]
  bin: A // (3E)
  Wo: A // (E, E)
  bo: A // (E)
}

export type AttentionLayer<A extends FloatArray> = Module<AttentionConfig, AttentionParams<A>, A>

/**
 * The self-attention layer's tensors over width E, named as PyTorch's
 * nn.MultiheadAttention under 'self_attn.': one list for the layer alone and inside the tagger.
 */
export function attentionTensors(E: number): NamedShape[] {
  return [
    ['self_attn.in_proj_weight', [3 * E, E]],
    ['self_attn.in_proj_bias', [3 * E]],
    ['self_attn.out_proj.weight', [E, E]],
    ['self_attn.out_proj.bias', [E]],
  ]
}

export function attentionLayout(c: AttentionConfig): ParamLayout {
  const E = c.modelSize
  if (!(Number.isInteger(E) && E >= 1)) throw new RangeError(`modelSize ${E}`)
  if (!(Number.isInteger(c.numHeads) && c.numHeads >= 1 && c.numHeads <= 4)) {
    throw new RangeError(`numHeads ${c.numHeads} is outside 1..4`)
  }
  if (E % c.numHeads !== 0) throw new RangeError(`numHeads ${c.numHeads} does not divide ${E}`)
  if (c.window !== null && !(Number.isInteger(c.window) && c.window >= 0)) {
    throw new RangeError(`window ${c.window}`)
  }
  return packedLayout(attentionTensors(E))
}

export function attentionViews<A extends FloatArray>(
  flat: A,
  c: AttentionConfig,
): AttentionParams<A> {
  const v = namedViews(flat, attentionLayout(c))
  return {
    Win: v.get('self_attn.in_proj_weight')!,
    bin: v.get('self_attn.in_proj_bias')!,
    Wo: v.get('self_attn.out_proj.weight')!,
    bo: v.get('self_attn.out_proj.bias')!,
  }
}

export function createAttention<A extends FloatArray>(
  config: AttentionConfig,
  k: Pick<Kernels<A>, 'alloc'>,
): AttentionLayer<A> {
  return createModule(config, attentionLayout(config), attentionViews, (n) => k.alloc(n))
}

export interface AttentionWorkspace<A extends FloatArray> {
  Tmax: number
  Bmax: number
  Wn: number // key columns per query row of P: 2r + 1 (banded) or Tmax
  banded: boolean // column m of query i holds key i − r + m (banded) or key m
  qkv: A // (T, B, 3E)
  P: A // (B, nh, T, Wn) attention probabilities, 0 outside N(i)
  o: A // (T, B, E) heads concatenated
  y: A // (T, B, E) output
  dy: A // (T, B, E) dL/dy, filled by the caller before backward
  da: A // (T, B, E) dy with padding rows zeroed
  do: A // (T, B, E)
  dqkv: A // (T, B, 3E)
  dP: A // (Tmax, Tmax) dense scratch: dP, then dS in place; banded: one (Wn) row
}

/**
 * P is banded (2r + 1 columns around the diagonal) when the window is narrower than Tmax and
 * the dense P (Bmax·nh·Tmax² values) would exceed `denseLimit`. Below it a windowed layer is
 * stored dense and masked: its scores run as gemm calls, several times faster than the banded
 * loops even where they compute more (training chunks); above it only the band fits (long files).
 */
const isBanded = (c: AttentionConfig, Tmax: number, Bmax: number, denseLimit: number): boolean =>
  c.window !== null && 2 * c.window + 1 < Tmax && Bmax * c.numHeads * Tmax * Tmax > denseLimit

export function allocAttention<A extends FloatArray>(
  c: AttentionConfig,
  k: Pick<Kernels<A>, 'alloc'>,
  Tmax: number,
  Bmax: number,
  /** Dense P up to this many values (see isBanded); 0 = banded whenever the window is narrower. */
  denseLimit = 0,
): AttentionWorkspace<A> {
  const E = c.modelSize
  const banded = isBanded(c, Tmax, Bmax, denseLimit)
  const Wn = banded ? 2 * c.window! + 1 : Tmax
  const n = Tmax * Bmax * E
  return {
    Tmax,
    Bmax,
    Wn,
    banded,
    qkv: k.alloc(3 * n),
    P: k.alloc(Bmax * c.numHeads * Tmax * Wn),
    o: k.alloc(n),
    y: k.alloc(n),
    dy: k.alloc(n),
    da: k.alloc(n),
    do: k.alloc(n),
    dqkv: k.alloc(3 * n),
    dP: k.alloc(banded ? Wn : Tmax * Tmax),
  }
}

/** Keys of query i in a sequence of n frames: [lo, hi), and the key of P's column 0. */
function keyRange(
  r: number | null,
  banded: boolean,
  i: number,
  n: number,
): [lo: number, hi: number, base: number] {
  if (r === null) return [0, n, 0]
  return [Math.max(0, i - r), Math.min(n, i + r + 1), banded ? i - r : 0]
}

/** P[row + j] = softmax_j(scale · P[row + j]) over j ∈ [lo, hi); 0 for the other j < n. */
function softmaxRow(P: FloatArray, row: number, lo: number, hi: number, n: number, scale: number) {
  let mx = -Infinity
  for (let j = lo; j < hi; j++) mx = Math.max(mx, (P[row + j] *= scale))
  let sum = 0
  for (let j = lo; j < hi; j++) sum += P[row + j] = Math.exp(P[row + j] - mx)
  for (let j = lo; j < hi; j++) P[row + j] /= sum
  P.fill(0, row, row + lo)
  P.fill(0, row + hi, row + n)
}

export function attentionForward<A extends FloatArray>(
  ws: AttentionWorkspace<A>,
  x: A, // (T, B, E)
  lengths: Int32Array, // (B)
  T: number,
  m: AttentionLayer<A>,
  k: Kernels<A>,
): void {
  const B = lengths.length
  if (T > ws.Tmax || B > ws.Bmax) throw new RangeError(`batch (${T}, ${B}) exceeds the workspace`)
  const { modelSize: E, numHeads: nh, window: r, residual } = m.config
  const [dk, E3, Wn] = [E / nh, 3 * E, ws.Wn]
  const scale = 1 / Math.sqrt(dk)
  const { qkv, P, o, y } = ws
  // [Q | K | V] (T·B, 3E) = x (T·B, E) · W_inᵀ + b_in
  k.gemm(false, true, T * B, E3, E, x, 0, E, m.p.Win, 0, E, 0, qkv, 0, E3)
  for (let row = 0; row < T * B; row++) {
    for (let j = 0; j < E3; j++) qkv[row * E3 + j] += m.p.bin[j]
  }
  o.fill(0, 0, T * B * E)
  for (let b = 0; b < B; b++) {
    const n = lengths[b]
    if (!(n >= 0 && n <= T)) throw new RangeError(`length ${n} of sequence ${b}`)
    for (let h = 0; h < nh; h++) {
      const [qOff, kOff, vOff] = [b * E3 + h * dk, b * E3 + E + h * dk, b * E3 + 2 * E + h * dk]
      if (!ws.banded) {
        // dense: S (n, n) = Q_bh · K_bhᵀ into P's (b, h) block, row softmax, O_bh = P · V_bh
        const pb = (b * nh + h) * ws.Tmax * Wn
        k.gemm(false, true, n, n, dk, qkv, qOff, B * E3, qkv, kOff, B * E3, 0, P, pb, Wn)
        for (let i = 0; i < n; i++) {
          const [lo, hi] = keyRange(r, false, i, n)
          softmaxRow(P, pb + i * Wn, lo, hi, n, scale)
        }
        k.gemm(false, false, n, dk, n, P, pb, Wn, qkv, vOff, B * E3, 0, o, b * E + h * dk, B * E)
        continue
      }
      for (let i = 0; i < n; i++) {
        const [lo, hi, base] = keyRange(r, ws.banded, i, n)
        const pr = ((b * nh + h) * ws.Tmax + i) * Wn - base // P row, indexed by key j
        P.fill(0, pr + base, pr + base + Wn)
        const qi = (i * B + b) * E3 + h * dk
        // S_ij = q_i · k_j / √dk, then the softmax over j ∈ [lo, hi)
        let mx = -Infinity
        for (let j = lo; j < hi; j++) {
          const kj = (j * B + b) * E3 + E + h * dk
          let s = 0
          for (let d = 0; d < dk; d++) s += qkv[qi + d] * qkv[kj + d]
          P[pr + j] = s * scale
          mx = Math.max(mx, P[pr + j])
        }
        let sum = 0
        for (let j = lo; j < hi; j++) sum += P[pr + j] = Math.exp(P[pr + j] - mx)
        // o_i = Σ_j P_ij v_j
        const oi = (i * B + b) * E + h * dk
        for (let j = lo; j < hi; j++) {
          const pij = (P[pr + j] /= sum)
          const vj = (j * B + b) * E3 + 2 * E + h * dk
          for (let d = 0; d < dk; d++) o[oi + d] += pij * qkv[vj + d]
        }
      }
    }
  }
  // a (T·B, E) = o · Woᵀ + bo on valid rows, 0 on padding ; y = x + a | a
  k.gemm(false, true, T * B, E, E, o, 0, E, m.p.Wo, 0, E, 0, y, 0, E)
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * E
      const valid = t < lengths[b]
      for (let j = 0; j < E; j++) {
        y[row + j] = (valid ? y[row + j] + m.p.bo[j] : 0) + (residual ? x[row + j] : 0)
      }
    }
  }
}

/**
 * Backward from ws.dy (T, B, E): accumulates param grads into m.grads and, when dx is given,
 * dL/dx into dx (T, B, E).
 */
export function attentionBackward<A extends FloatArray>(
  dx: A | null, // (T, B, E) accumulate
  ws: AttentionWorkspace<A>,
  x: A, // (T, B, E)
  lengths: Int32Array, // (B)
  T: number,
  m: AttentionLayer<A>,
  k: Kernels<A>,
): void {
  const B = lengths.length
  const { modelSize: E, numHeads: nh, window: r, residual } = m.config
  const [dk, E3, Wn] = [E / nh, 3 * E, ws.Wn]
  const scale = 1 / Math.sqrt(dk)
  const { qkv, P, o, dy, da, dqkv, dP } = ws
  const dO = ws.do
  // dx += dy (residual) ; da = dy on valid rows, 0 on padding
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * E
      if (dx && residual) for (let j = 0; j < E; j++) dx[row + j] += dy[row + j]
      if (t < lengths[b]) da.set(dy.subarray(row, row + E), row)
      else da.fill(0, row, row + E)
    }
  }
  // dWo (E, E) += daᵀ · o ; dbo += Σ da ; do (T·B, E) = da · Wo
  k.gemm(true, false, E, E, T * B, da, 0, E, o, 0, E, 1, m.g.Wo, 0, E)
  k.colSum(T * B, E, da, 0, E, m.g.bo, 0)
  k.gemm(false, false, T * B, E, E, da, 0, E, m.p.Wo, 0, E, 0, dO, 0, E)
  dqkv.fill(0, 0, T * B * E3)
  for (let b = 0; b < B; b++) {
    const n = lengths[b]
    for (let h = 0; h < nh; h++) {
      const [qOff, kOff, vOff] = [b * E3 + h * dk, b * E3 + E + h * dk, b * E3 + 2 * E + h * dk]
      const oOff = b * E + h * dk
      if (!ws.banded) {
        // dense: dP (n, n) = dO_bh · V_bhᵀ ; dV_bh += P_bhᵀ · dO_bh
        const pb = (b * nh + h) * ws.Tmax * Wn
        k.gemm(false, true, n, n, dk, dO, oOff, B * E, qkv, vOff, B * E3, 0, dP, 0, Wn)
        k.gemm(true, false, n, dk, n, P, pb, Wn, dO, oOff, B * E, 1, dqkv, vOff, B * E3)
        // dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √dk, in place over dP; P = 0 outside the window,
        // so only its keys are computed and the rest of the row is 0
        for (let i = 0; i < n; i++) {
          const [lo, hi] = keyRange(r, false, i, n)
          const row = i * Wn
          let dot = 0
          for (let j = lo; j < hi; j++) dot += P[pb + row + j] * dP[row + j]
          for (let j = lo; j < hi; j++) dP[row + j] = P[pb + row + j] * (dP[row + j] - dot) * scale
          dP.fill(0, row, row + lo)
          dP.fill(0, row + hi, row + n)
        }
        // dQ_bh += dS · K_bh ; dK_bh += dSᵀ · Q_bh
        k.gemm(false, false, n, dk, n, dP, 0, Wn, qkv, kOff, B * E3, 1, dqkv, qOff, B * E3)
        k.gemm(true, false, n, dk, n, dP, 0, Wn, qkv, qOff, B * E3, 1, dqkv, kOff, B * E3)
        continue
      }
      for (let i = 0; i < n; i++) {
        const [lo, hi, base] = keyRange(r, ws.banded, i, n)
        const pr = ((b * nh + h) * ws.Tmax + i) * Wn - base
        const oi = (i * B + b) * E + h * dk
        const qi = (i * B + b) * E3 + h * dk
        // dP_ij = do_i · v_j ; dv_j += P_ij do_i
        let dot = 0
        for (let j = lo; j < hi; j++) {
          const vj = (j * B + b) * E3 + 2 * E + h * dk
          const pij = P[pr + j]
          let s = 0
          for (let d = 0; d < dk; d++) {
            s += dO[oi + d] * qkv[vj + d]
            dqkv[vj + d] += pij * dO[oi + d]
          }
          dP[j - lo] = s
          dot += pij * s
        }
        // dS_ij = P_ij (dP_ij − Σ_l P_il dP_il) ; dq_i += dS_ij k_j / √dk ; dk_j += dS_ij q_i / √dk
        for (let j = lo; j < hi; j++) {
          const dS = P[pr + j] * (dP[j - lo] - dot) * scale
          const kj = (j * B + b) * E3 + E + h * dk
          for (let d = 0; d < dk; d++) {
            dqkv[qi + d] += dS * qkv[kj + d]
            dqkv[kj + d] += dS * qkv[qi + d]
          }
        }
      }
    }
  }
  // dW_in (3E, E) += dqkvᵀ · x ; db_in += Σ dqkv ; dx += dqkv · W_in
  k.gemm(true, false, E3, E, T * B, dqkv, 0, E3, x, 0, E, 1, m.g.Win, 0, E)
  k.colSum(T * B, E3, dqkv, 0, E3, m.g.bin, 0)
  if (dx) k.gemm(false, false, T * B, E, E3, dqkv, 0, E3, m.p.Win, 0, E, 1, dx, 0, E)
}

/**
 * The attention map of one sequence and head as a dense (n, n) row-major array (0 outside each
 * query's keys), for display and tests.
 */
export function attentionMap<A extends FloatArray>(
  ws: AttentionWorkspace<A>,
  m: AttentionLayer<A>,
  b: number,
  h: number,
  n: number,
): Float32Array {
  const out = new Float32Array(n * n)
  const { numHeads: nh, window: r } = m.config
  for (let i = 0; i < n; i++) {
    const [lo, hi, base] = keyRange(r, ws.banded, i, n)
    const pr = ((b * nh + h) * ws.Tmax + i) * ws.Wn - base
    for (let j = lo; j < hi; j++) out[i * n + j] = ws.P[pr + j]
  }
  return out
}
