/**
 * GRU, one direction of one layer, in the linear_before_reset form (PyTorch nn.GRU; ONNX GRU with
 * linear_before_reset = 1), forward and backward through time over a packed batch.
 *
 * Equations, exactly as computed, for t = 0 .. T−1 and active rows b < B_t:
 *   [gx_r gx_z gx_n] = x_t·Wihᵀ + bih          (B, 3H), gate blocks in order (r, z, n)
 *   [gh_r gh_z gh_n] = h_{t−1}·Whhᵀ + bhh      (B, 3H)
 *   r = σ(gx_r + gh_r)
 *   z = σ(gx_z + gh_z)
 *   n = tanh(gx_n + r ⊙ gh_n)                 (the reset gate multiplies U_n h + b_hn)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * with h_{−1} = h0 (zeros, or the state carried from the previous TBPTT chunk).
 *
 * Shapes: x (T, B, In), Wih (3H, In), Whh (3H, H), bih/bhh (3H); h (T, B, H).
 * PyTorch ↔ ONNX: PyTorch stacks (r, z, n); ONNX GRU stacks (z, r, h) in W, R, B = [Wb; Rb],
 * with linear_before_reset = 1 for this form. The reorder lives in onnx-graph.ts only.
 *
 * Backward keeps two pre-activation gradients because the reset gate sits between U_n h and n:
 *   dGx = (dr, dz, dn) for Wih, bih, x;   dGh = (dr, dz, dn ⊙ r) for Whh, bhh, h_{t−1}.
 */
import type { FloatArray, Kernels } from './kernels'
import type { CellParams } from './params'
import { reverseRows, type SeqDims } from './tensor'

/** Cache and workspace of one GRU direction, allocated once for (Tmax, Bmax) and reused. */
export interface GruWorkspace<A extends FloatArray> {
  gates: A // (T, B, 3H)  after forward: activated r, z, n
  gh: A // (B, 3H)     h_{t−1}·Whhᵀ for the current step
  hn: A // (T, B, H)   gh_n + bhh_n
  h: A // (T, B, H)    the direction's output
  row: A // (G·H)   scratch row for the in-place time reversal
  h0: A // (B, H)      initial state
  dh: A // (T, B, H)   in: dL/dh_t from above; consumed by backward
  dGx: A // (T, B, 3H)   the same buffer as gates (in place)
  dGh: A // (T, B, 3H)
  dh0: A // (B, H)     out: dL/dh0
}

/**
 * dGx shares the gates buffer: backward step t turns gates_t into dGx_t in place.
 * `dh` and `dGh` may be passed in to share them between all (layer, direction) passes: they
 * are only live during one pass's backward.
 */
export function allocGru<A extends FloatArray>(
  k: Pick<Kernels<A>, 'alloc'>,
  T: number,
  B: number,
  H: number,
  dh: A = k.alloc(T * B * H),
  dGh: A = k.alloc(T * B * 3 * H),
): GruWorkspace<A> {
  const gates = k.alloc(T * B * 3 * H)
  return {
    gates,
    gh: k.alloc(B * 3 * H),
    hn: k.alloc(T * B * H),
    h: k.alloc(T * B * H),
    row: k.alloc(3 * H),
    h0: k.alloc(B * H),
    dh,
    dGx: gates,
    dGh,
    dh0: k.alloc(B * H),
  }
}

export function gruForward<A extends FloatArray>(
  ws: GruWorkspace<A>,
  x: A, // (T, B, In)
  p: CellParams<A>,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  const { T, B, In, H, batchSizes } = dims
  const G = 3 * H
  // gates (T·B, 3H) = x (T·B, In) · Wihᵀ
  k.gemm(false, true, T * B, G, In, x, 0, In, p.Wih, 0, In, 0, ws.gates, 0, G)
  if (dims.reverse) reverseRows(ws.gates, dims.reverse, T, G, ws.row) // processing order
  for (let t = 0; t < T; t++) {
    const Bt = batchSizes[t]
    const ht = t * B * H // offset of step t in (T, B, H) buffers
    const gt = t * B * G // offset of step t in (T, B, G·H) buffers
    const hPrev: A = t === 0 ? ws.h0 : ws.h
    const hpOff = t === 0 ? 0 : (t - 1) * B * H
    // gh (Bt, 3H) = h_{t−1} (Bt, H) · Whhᵀ
    k.gemm(false, true, Bt, G, H, hPrev, hpOff, H, p.Whh, 0, H, 0, ws.gh, 0, G)
    // r, z, n ; h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
    k.gruForwardStep(Bt, H, ws.gates, gt, ws.gh, 0, p.bih, p.bhh, hPrev, hpOff, ws.hn, ht, ws.h, ht)
    if (Bt < B) ws.h.fill(0, (t * B + Bt) * H, (t + 1) * B * H) // padding frames output 0
  }
}

/**
 * Backward through time. Reads ws.dh (consumed: dh_{t−1} accumulates the recurrent terms),
 * accumulates into g and, when given, into dx (T, B, In). Writes ws.dh0.
 */
export function gruBackward<A extends FloatArray>(
  dx: A | null, // (T, B, In) accumulate
  g: CellParams<A>,
  ws: GruWorkspace<A>,
  x: A, // (T, B, In)
  p: CellParams<A>,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  const { T, B, In, H, batchSizes } = dims
  const G = 3 * H
  ws.dh0.fill(0)
  for (let t = T - 1; t >= 0; t--) {
    const Bt = batchSizes[t]
    const ht = t * B * H // offset of step t in (T, B, H) buffers
    const gt = t * B * G // offset of step t in (T, B, G·H) buffers
    const hPrev: A = t === 0 ? ws.h0 : ws.h
    const hpOff = t === 0 ? 0 : (t - 1) * B * H
    const dhPrev: A = t === 0 ? ws.dh0 : ws.dh
    const dpOff = t === 0 ? 0 : (t - 1) * B * H
    // dGx_t, dGh_t ; dh_{t−1} += dh_t ⊙ z
    k.gruBackwardStep(
      Bt,
      H,
      ws.gates,
      gt,
      ws.hn,
      ht,
      hPrev,
      hpOff,
      ws.dh,
      ht,
      ws.dGx,
      gt,
      ws.dGh,
      gt,
      dhPrev,
      dpOff,
    )
    if (Bt < B) {
      ws.dGx.fill(0, (t * B + Bt) * G, (t + 1) * B * G)
      ws.dGh.fill(0, (t * B + Bt) * G, (t + 1) * B * G)
    }
    // dh_{t−1} (Bt, H) += dGh_t (Bt, 3H) · Whh (3H, H)
    k.gemm(false, false, Bt, H, G, ws.dGh, gt, G, p.Whh, 0, H, 1, dhPrev, dpOff, H)
  }
  // dWhh (3H, H) += dGh_0ᵀ · h0 + dGh_{1..T−1}ᵀ · h_{0..T−2}   (processing order)
  k.gemm(true, false, G, H, B, ws.dGh, 0, G, ws.h0, 0, H, 1, g.Whh, 0, H)
  k.gemm(true, false, G, H, (T - 1) * B, ws.dGh, B * G, G, ws.h, 0, H, 1, g.Whh, 0, H)
  k.colSum(T * B, G, ws.dGx, 0, G, g.bih, 0)
  k.colSum(T * B, G, ws.dGh, 0, G, g.bhh, 0)
  if (dims.reverse) reverseRows(ws.dGx, dims.reverse, T, G, ws.row) // back to x's time order
  // dWih (3H, In) += dGxᵀ · x
  k.gemm(true, false, G, In, T * B, ws.dGx, 0, G, x, 0, In, 1, g.Wih, 0, In)
  // dx (T·B, In) += dGx · Wih
  if (dx) k.gemm(false, false, T * B, In, G, ws.dGx, 0, G, p.Wih, 0, In, 1, dx, 0, In)
}
