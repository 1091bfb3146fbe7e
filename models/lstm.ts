/**
 * LSTM, one direction of one layer, forward and backward through time over a packed batch.
 *
 * Equations, exactly as computed (PyTorch nn.LSTM), for t = 0 .. T−1 and active rows b < B_t:
 *   [ĩ f̃ g̃ õ] = x_t·Wihᵀ + bih + h_{t−1}·Whhᵀ + bhh      (B, 4H), gate blocks in order (i, f, g, o)
 *   i = σ(ĩ)   f = σ(f̃)   g = tanh(g̃)   o = σ(õ)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g
 *   h_t = o ⊙ tanh(c_t)
 * with h_{−1} = h0, c_{−1} = c0 (zeros, or the state carried from the previous TBPTT chunk).
 *
 * Shapes: x (T, B, In), Wih (4H, In), Whh (4H, H), bih/bhh (4H); h, c (T, B, H).
 * PyTorch ↔ ONNX: PyTorch stacks the gate blocks (i, f, g, o) in weight_ih_l*, weight_hh_l*,
 * bias_*; ONNX LSTM stacks (i, o, f, c) in W, R and puts [Wb; Rb] in B. The reorder lives in one
 * place, onnx-graph.ts; here everything stays in PyTorch order, so fixtures load as they are.
 *
 * Cost: one gemm for all x_t·Wihᵀ before the loop; per step one gemm (recurrent) + one fused
 * pointwise kernel; after the loop one gemm for dWih, two for dWhh (the h0 term, the rest),
 * one for dx, and a colSum per bias.
 */
import type { FloatArray, Kernels } from './kernels'
import type { CellParams } from './params'
import { reverseRows, type SeqDims } from './tensor'

/** Cache and workspace of one LSTM direction, allocated once for (Tmax, Bmax) and reused. */
export interface LstmWorkspace<A extends FloatArray> {
  gates: A // (T, B, 4H)  after forward: activated i, f, g, o
  c: A // (T, B, H)
  h: A // (T, B, H)    the direction's output
  row: A // (G·H)   scratch row for the in-place time reversal
  h0: A // (B, H)      initial state
  c0: A // (B, H)
  dh: A // (T, B, H)   in: dL/dh_t from above; consumed by backward
  dGates: A // (T, B, 4H)  pre-activation gradients; the same buffer as gates (in place)
  dc: A // (B, H)      dL/dc carried back through time
  dh0: A // (B, H)     out: dL/dh0 (gradient check of the carry; TBPTT itself truncates it)
}

/**
 * dGates shares the gates buffer: backward step t turns gates_t into dGates_t in place.
 * `dh` may be passed in to share one backward buffer between all (layer, direction) passes.
 */
export function allocLstm<A extends FloatArray>(
  k: Pick<Kernels<A>, 'alloc'>,
  T: number,
  B: number,
  H: number,
  dh: A = k.alloc(T * B * H),
): LstmWorkspace<A> {
  const gates = k.alloc(T * B * 4 * H)
  return {
    gates,
    c: k.alloc(T * B * H),
    h: k.alloc(T * B * H),
    row: k.alloc(4 * H),
    h0: k.alloc(B * H),
    c0: k.alloc(B * H),
    dh,
    dGates: gates,
    dc: k.alloc(B * H),
    dh0: k.alloc(B * H),
  }
}

export function lstmForward<A extends FloatArray>(
  ws: LstmWorkspace<A>,
  x: A, // (T, B, In)
  p: CellParams<A>,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  const { T, B, In, H, batchSizes } = dims
  const G = 4 * H
  // gates (T·B, 4H) = x (T·B, In) · Wihᵀ
  k.gemm(false, true, T * B, G, In, x, 0, In, p.Wih, 0, In, 0, ws.gates, 0, G)
  if (dims.reverse) reverseRows(ws.gates, dims.reverse, T, G, ws.row) // processing order
  for (let t = 0; t < T; t++) {
    const Bt = batchSizes[t]
    const ht = t * B * H // offset of step t in (T, B, H) buffers
    const gt = t * B * G // offset of step t in (T, B, G·H) buffers
    const hPrev: A = t === 0 ? ws.h0 : ws.h
    const hpOff = t === 0 ? 0 : (t - 1) * B * H
    const cPrev: A = t === 0 ? ws.c0 : ws.c
    const cpOff = t === 0 ? 0 : (t - 1) * B * H
    // gates_t (Bt, 4H) += h_{t−1} (Bt, H) · Whhᵀ
    k.gemm(false, true, Bt, G, H, hPrev, hpOff, H, p.Whh, 0, H, 1, ws.gates, gt, G)
    // i, f, g, o ; c_t = f ⊙ c_{t−1} + i ⊙ g ; h_t = o ⊙ tanh(c_t)
    k.lstmForwardStep(Bt, H, ws.gates, gt, p.bih, p.bhh, cPrev, cpOff, ws.c, ht, ws.h, ht)
    if (Bt < B) ws.h.fill(0, (t * B + Bt) * H, (t + 1) * B * H) // padding frames output 0
  }
}

/**
 * Backward through time. Reads ws.dh (consumed), accumulates into g (param grads) and, when dx
 * is given, into dx (T, B, In). Writes ws.dh0.
 */
export function lstmBackward<A extends FloatArray>(
  dx: A | null, // (T, B, In) accumulate
  g: CellParams<A>,
  ws: LstmWorkspace<A>,
  x: A, // (T, B, In)
  p: CellParams<A>,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  const { T, B, In, H, batchSizes } = dims
  const G = 4 * H
  ws.dc.fill(0)
  ws.dh0.fill(0)
  for (let t = T - 1; t >= 0; t--) {
    const Bt = batchSizes[t]
    const ht = t * B * H // offset of step t in (T, B, H) buffers
    const gt = t * B * G // offset of step t in (T, B, G·H) buffers
    const cPrev: A = t === 0 ? ws.c0 : ws.c
    const cpOff = t === 0 ? 0 : (t - 1) * B * H
    // dGates_t, dc ← dc ⊙ f  (dh_t complete: from above + recurrent from t+1)
    k.lstmBackwardStep(
      Bt,
      H,
      ws.gates,
      gt,
      cPrev,
      cpOff,
      ws.c,
      ht,
      ws.dh,
      ht,
      ws.dc,
      0,
      ws.dGates,
      gt,
    )
    if (Bt < B) ws.dGates.fill(0, (t * B + Bt) * G, (t + 1) * B * G)
    // dh_{t−1} (Bt, H) += dGates_t (Bt, 4H) · Whh (4H, H)
    const dhPrev: A = t === 0 ? ws.dh0 : ws.dh
    const dpOff = t === 0 ? 0 : (t - 1) * B * H
    k.gemm(false, false, Bt, H, G, ws.dGates, gt, G, p.Whh, 0, H, 1, dhPrev, dpOff, H)
  }
  // dWhh (4H, H) += dGates_0ᵀ · h0 + dGates_{1..T−1}ᵀ · h_{0..T−2}   (processing order)
  k.gemm(true, false, G, H, B, ws.dGates, 0, G, ws.h0, 0, H, 1, g.Whh, 0, H)
  k.gemm(true, false, G, H, (T - 1) * B, ws.dGates, B * G, G, ws.h, 0, H, 1, g.Whh, 0, H)
  // dbih = dbhh += Σ_{t,b} dGates
  k.colSum(T * B, G, ws.dGates, 0, G, g.bih, 0)
  k.colSum(T * B, G, ws.dGates, 0, G, g.bhh, 0)
  if (dims.reverse) reverseRows(ws.dGates, dims.reverse, T, G, ws.row) // back to x's time order
  // dWih (4H, In) += dGatesᵀ (4H, T·B) · x (T·B, In)
  k.gemm(true, false, G, In, T * B, ws.dGates, 0, G, x, 0, In, 1, g.Wih, 0, In)
  // dx (T·B, In) += dGates (T·B, 4H) · Wih (4H, In)
  if (dx) k.gemm(false, false, T * B, In, G, ws.dGates, 0, G, p.Wih, 0, In, 1, dx, 0, In)
}
