/**
 * Elman RNN, one direction of one layer, forward and backward through time over a packed batch.
 *
 * Equations, exactly as computed (PyTorch nn.RNN, nonlinearity 'tanh' or 'relu'):
 *   a_t = x_t·Wihᵀ + bih + h_{t−1}·Whhᵀ + bhh     (B, H)
 *   h_t = tanh(a_t)        or   h_t = max(0, a_t)
 * with h_{−1} = h0. Warning: the ReLU form is unbounded — a recurrent matrix with spectral
 * radius > 1 makes h grow geometrically. Use identity init (IRNN) and gradient clipping.
 *
 * Shapes: x (T, B, In), Wih (H, In), Whh (H, H), bih/bhh (H); h (T, B, H).
 * PyTorch ↔ ONNX: ONNX RNN takes W = Wih, R = Whh, B = [bih; bhh], activations ['Tanh'|'Relu'].
 *
 * Memory: the pre-activation a_t is overwritten by h_t in place (act' needs h only), and in
 * backward dh_t is overwritten by da_t in place, so the cell needs no gate buffers.
 */
import type { FloatArray, Kernels } from './kernels'
import type { CellParams } from './params'
import { reverseRows, type SeqDims } from './tensor'

/** Cache and workspace of one RNN direction, allocated once for (Tmax, Bmax) and reused. */
export interface RnnWorkspace<A extends FloatArray> {
  h: A // (T, B, H)   the direction's output
  row: A // (H)      scratch row for the in-place time reversal
  h0: A // (B, H)     initial state
  dh: A // (T, B, H)  in: dL/dh_t from above; backward leaves dL/da_t here
  dh0: A // (B, H)    out: dL/dh0
}

/**
 * `dh` may be passed in to share one backward buffer between all (layer, direction) passes:
 * it is only live during one pass's backward.
 */
export function allocRnn<A extends FloatArray>(
  k: Pick<Kernels<A>, 'alloc'>,
  T: number,
  B: number,
  H: number,
  dh: A = k.alloc(T * B * H),
): RnnWorkspace<A> {
  return { h: k.alloc(T * B * H), row: k.alloc(H), h0: k.alloc(B * H), dh, dh0: k.alloc(B * H) }
}

export function rnnForward<A extends FloatArray>(
  ws: RnnWorkspace<A>,
  x: A, // (T, B, In)
  p: CellParams<A>,
  relu: boolean,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  const { T, B, In, H, batchSizes } = dims
  // a (T·B, H) = x (T·B, In) · Wihᵀ
  k.gemm(false, true, T * B, H, In, x, 0, In, p.Wih, 0, In, 0, ws.h, 0, H)
  if (dims.reverse) reverseRows(ws.h, dims.reverse, T, H, ws.row) // processing order
  for (let t = 0; t < T; t++) {
    const Bt = batchSizes[t]
    const ht = t * B * H // offset of step t in (T, B, H) buffers
    const hPrev: A = t === 0 ? ws.h0 : ws.h
    const hpOff = t === 0 ? 0 : (t - 1) * B * H
    // a_t (Bt, H) += h_{t−1} · Whhᵀ ; h_t = act(a_t + bih + bhh)
    k.gemm(false, true, Bt, H, H, hPrev, hpOff, H, p.Whh, 0, H, 1, ws.h, ht, H)
    k.rnnForwardStep(relu, Bt, H, ws.h, ht, p.bih, p.bhh)
    if (Bt < B) ws.h.fill(0, (t * B + Bt) * H, (t + 1) * B * H) // padding frames output 0
  }
}

/** Backward through time; see lstmBackward for the contract. */
export function rnnBackward<A extends FloatArray>(
  dx: A | null, // (T, B, In) accumulate
  g: CellParams<A>,
  ws: RnnWorkspace<A>,
  x: A, // (T, B, In)
  p: CellParams<A>,
  relu: boolean,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  const { T, B, In, H, batchSizes } = dims
  ws.dh0.fill(0)
  for (let t = T - 1; t >= 0; t--) {
    const Bt = batchSizes[t]
    const ht = t * B * H // offset of step t in (T, B, H) buffers
    // da_t = dh_t ⊙ act'(a_t), in place
    k.rnnBackwardStep(relu, Bt, H, ws.h, ht, ws.dh, ht)
    if (Bt < B) ws.dh.fill(0, (t * B + Bt) * H, (t + 1) * B * H)
    // dh_{t−1} (Bt, H) += da_t (Bt, H) · Whh (H, H)
    const dhPrev: A = t === 0 ? ws.dh0 : ws.dh
    const dpOff = t === 0 ? 0 : (t - 1) * B * H
    k.gemm(false, false, Bt, H, H, ws.dh, ht, H, p.Whh, 0, H, 1, dhPrev, dpOff, H)
  }
  const da = ws.dh // (T, B, H)
  // dWhh (H, H) += da_0ᵀ · h0 + da_{1..T−1}ᵀ · h_{0..T−2}   (processing order)
  k.gemm(true, false, H, H, B, da, 0, H, ws.h0, 0, H, 1, g.Whh, 0, H)
  k.gemm(true, false, H, H, (T - 1) * B, da, B * H, H, ws.h, 0, H, 1, g.Whh, 0, H)
  k.colSum(T * B, H, da, 0, H, g.bih, 0)
  k.colSum(T * B, H, da, 0, H, g.bhh, 0)
  if (dims.reverse) reverseRows(da, dims.reverse, T, H, ws.row) // back to x's time order
  // dWih (H, In) += daᵀ · x ; dx += da · Wih
  k.gemm(true, false, H, In, T * B, da, 0, H, x, 0, In, 1, g.Wih, 0, In)
  if (dx) k.gemm(false, false, T * B, In, H, da, 0, H, p.Wih, 0, In, 1, dx, 0, In)
}
