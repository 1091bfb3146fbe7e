/**
 * ONNX graph fragments (nodes + initializers, onnx-types.ts) for the pooling heads (pooling.ts)
 * and the self-attention layer (attention.ts), with standard opset-17 ops.
 * Fragments are batch-major, as the tagger graph is after its final Transpose:
 *
 * Self-attention, x (B, T, E) → y (B, T, E):
 *   Q = x·Wqᵀ + bq → Reshape (B, T, nh, dk) → Transpose(0, 2, 1, 3)   (B, nh, T, dk)
 *   K likewise → Transpose(0, 2, 3, 1)                                 (B, nh, dk, T)
 *   S = MatMul(Q, K) · 1/√dk                                           (B, nh, T, T)
 *   allowed = mask[b, j] (B, 1, 1, T)  ∧  |i − j| ≤ r (T, T, from Range over Shape(x)[1])
 *   P = Softmax(Where(allowed, S, −1e9), axis −1) ; O = MatMul(P, V) → (B, T, E)
 *   a = (O·Woᵀ + bo) ⊙ mask[b, i] ;  y = x + a | a
 * Masked scores become −1e9 rather than −∞: in a row with any allowed key, e^(−1e9 − max)
 * underflows to exactly 0 in float32, as −∞ would; a padding query may have none (window),
 * and −∞ would make its row NaN, which the final ⊙ mask could not clear (NaN·0 = NaN).
 *
 * Pooling, s (B, T, D) → logits (B, C) and, for attention, weights w (B, T):
 *   attention  e = Tanh(s·Wᵀ + b)·v → Reshape (B, T) ; w = Softmax(Where(mask, e, −1e9))
 *              c = ReduceSum(s ⊙ w[..., None], axis 1)
 *   mean       c = ReduceSum(s ⊙ mask[..., None], 1) / ReduceSum(mask, 1)  (no mask: ReduceMean)
 *   max        c = ReduceMax(Where(mask[..., None], s, −1e9), 1)
 *   logits = c·Woutᵀ + bout
 * `mask` is an optional float (B, T) graph input, 1 on valid frames and 0 on padding; without it
 * every frame is valid (inference on one file at a time needs none).
 */
import { attentionViews, type AttentionConfig } from './attention'
import type { OnnxInitializer, OnnxNode } from './onnx-types'
import { poolingViews, type PoolingConfig } from './pooling'

export interface OnnxFragment {
  nodes: OnnxNode[]
  initializers: OnnxInitializer[]
}

export interface FragmentOptions {
  /** Name prefix of every node, value and initializer of the fragment. */
  prefix: string
  /** Float (B, T) graph value: 1 on valid frames, 0 on padding; omitted = all valid. */
  mask?: string
}

/** ONNX TensorProto.DataType.BOOL, for Cast. */
const BOOL = 9
const MASKED = -1e9

/** Wᵀ of a row-major (rows, cols) matrix slice starting at row r0: (cols, rows). */
function transposed(w: Float32Array, r0: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = w[(r0 + i) * cols + j]
  }
  return out
}

/** A small builder: named node/initializer helpers under one prefix. */
function builder(prefix: string) {
  const f: OnnxFragment = { nodes: [], initializers: [] }
  const name = (s: string): string => `${prefix}_${s}`
  const init = (s: string, dims: number[], data: Float32Array | number[], int = false): string => {
    f.initializers.push(
      int
        ? { name: name(s), dims, int64: data as number[] }
        : { name: name(s), dims, float: Float32Array.from(data) },
    )
    return name(s)
  }
  const node = (
    op: string,
    out: string,
    inputs: string[],
    attributes?: OnnxNode['attributes'],
  ): string => {
    f.nodes.push({ op, name: name(out), inputs, outputs: [name(out)], attributes })
    return name(out)
  }
  return { f, name, init, node }
}

/** The float (B, T) mask as bool, reshaped to `shape` (int64 dims, 0 = copy). */
function boolMask(
  b: ReturnType<typeof builder>,
  mask: string,
  shape: number[],
  tag: string,
): string {
  const m = b.node('Cast', `${tag}_bool`, [mask], { to: BOOL })
  return b.node('Reshape', `${tag}_bool_r`, [
    m,
    b.init(`${tag}_shape`, [shape.length], shape, true),
  ])
}

/**
 * Self-attention over x (B, T, E); returns the fragment and the name of y (B, T, E).
 * `params` is the flat array of attention.ts's layout.
 */
export function selfAttentionFragment(
  config: AttentionConfig,
  params: Float32Array,
  x: string,
  opts: FragmentOptions,
): OnnxFragment & { output: string } {
  const { modelSize: E, numHeads: nh, window: r, residual } = config
  const dk = E / nh
  const p = attentionViews(params, config)
  const b = builder(opts.prefix)
  const { init, node } = b
  const headsShape = init('heads_shape', [4], [0, 0, nh, dk], true)
  const proj = (tag: string, block: number): string => {
    const w = init(`w${tag}_t`, [E, E], transposed(p.Win, block * E, E, E))
    const bias = init(`b${tag}`, [E], p.bin.subarray(block * E, (block + 1) * E))
    const mm = node('MatMul', `${tag}_mm`, [x, w])
    const added = node('Add', tag, [mm, bias])
    return node('Reshape', `${tag}_heads`, [added, headsShape]) // (B, T, nh, dk)
  }
  const q = node('Transpose', 'q_bhtd', [proj('q', 0)], { perm: [0, 2, 1, 3] })
  const k = node('Transpose', 'k_bhdt', [proj('k', 1)], { perm: [0, 2, 3, 1] })
  const v = node('Transpose', 'v_bhtd', [proj('v', 2)], { perm: [0, 2, 1, 3] })
  const scores = node('MatMul', 'scores', [q, k]) // (B, nh, T, T)
  let s = node('Mul', 'scores_scaled', [scores, init('scale', [], [1 / Math.sqrt(dk)])])

  let allowed: string | null = null
  if (opts.mask) allowed = boolMask(b, opts.mask, [0, 1, 1, -1], 'key_mask') // (B, 1, 1, T)
  if (r !== null) {
    // |i − j| ≤ r over i, j < T, with T read from x at run time
    const shape = node('Shape', 'x_shape', [x])
    const T = node('Gather', 'time', [shape, init('time_axis', [], [1], true)], { axis: 0 })
    const idx = node('Range', 'idx', [init('zero', [], [0], true), T, init('one', [], [1], true)])
    const i = node('Unsqueeze', 'idx_i', [idx, init('axis1', [1], [1], true)]) // (T, 1)
    const j = node('Unsqueeze', 'idx_j', [idx, init('axis0', [1], [0], true)]) // (1, T)
    const dist = node('Abs', 'dist', [node('Sub', 'diff', [i, j])])
    const win = node('LessOrEqual', 'window', [dist, init('radius', [], [r], true)])
    allowed = allowed ? node('And', 'allowed', [allowed, win]) : win
  }
  if (allowed) s = node('Where', 'scores_masked', [allowed, s, init('masked', [], [MASKED])])
  const P = node('Softmax', 'probs', [s], { axis: -1 })
  const o = node('MatMul', 'o_bhtd', [P, v]) // (B, nh, T, dk)
  const oT = node('Transpose', 'o_bthd', [o], { perm: [0, 2, 1, 3] })
  const oM = node('Reshape', 'o', [oT, init('merge_shape', [3], [0, 0, E], true)])
  const wo = init('wo_t', [E, E], transposed(p.Wo, 0, E, E))
  let a = node('Add', 'a', [node('MatMul', 'a_mm', [oM, wo]), init('bo', [E], p.bo)]) // (B, T, E)
  if (opts.mask) {
    const m3 = node('Unsqueeze', 'query_mask', [opts.mask, init('axis2', [1], [2], true)])
    a = node('Mul', 'a_masked', [a, m3]) // padding queries output 0, as in attention.ts
  }
  const output = residual ? node('Add', 'y', [x, a]) : a
  return { ...b.f, output }
}

/**
 * Pooling + classifier over s (B, T, D); returns the fragment, the logits (B, C) name and, for
 * attention pooling, the weights (B, T) name (the "where the model looked" strip).
 * `params` is the flat array of pooling.ts's layout.
 */
export function poolingFragment(
  config: PoolingConfig,
  params: Float32Array,
  s: string,
  opts: FragmentOptions,
): OnnxFragment & { logits: string; weights: string | null } {
  const { kind, inputSize: D, attentionSize: Aw, numClasses: C } = config
  const p = poolingViews(params, config)
  const b = builder(opts.prefix)
  const { init, node } = b
  const axis1 = init('axis1', [1], [1], true)
  const axis2 = init('axis2', [1], [2], true)
  let c: string
  let weights: string | null = null
  if (kind === 'attention') {
    const W = init('w_t', [D, Aw], transposed(p.W!, 0, Aw, D))
    const pre = node('Add', 'u_pre', [node('MatMul', 'u_mm', [s, W]), init('b', [Aw], p.b!)])
    const u = node('Tanh', 'u', [pre]) // (B, T, A)
    const e3 = node('MatMul', 'e3', [u, init('v', [Aw, 1], p.v!)]) // (B, T, 1)
    let e = node('Reshape', 'e', [e3, init('bt_shape', [2], [0, -1], true)]) // (B, T)
    if (opts.mask) {
      const m = node('Cast', 'mask_bool', [opts.mask], { to: BOOL })
      e = node('Where', 'e_masked', [m, e, init('masked', [], [MASKED])])
    }
    weights = node('Softmax', 'weights', [e], { axis: -1 })
    const ws = node('Mul', 'weighted', [s, node('Unsqueeze', 'w3', [weights, axis2])])
    c = node('ReduceSum', 'c', [ws, axis1], { keepdims: 0 })
  } else if (kind === 'mean') {
    if (opts.mask) {
      const m3 = node('Unsqueeze', 'mask3', [opts.mask, axis2])
      const sum = node('ReduceSum', 'sum', [node('Mul', 'masked', [s, m3]), axis1], { keepdims: 0 })
      const n = node('ReduceSum', 'count', [opts.mask, axis1], { keepdims: 1 }) // (B, 1)
      c = node('Div', 'c', [sum, n])
    } else {
      c = node('ReduceMean', 'c', [s], { axes: [1], keepdims: 0 })
    }
  } else {
    let sm = s
    if (opts.mask) {
      const m3 = boolMask(b, opts.mask, [0, -1, 1], 'mask3') // (B, T, 1)
      sm = node('Where', 'masked', [m3, s, init('masked_value', [], [MASKED])])
    }
    c = node('ReduceMax', 'c', [sm], { axes: [1], keepdims: 0 })
  }
  const Wout = init('out_w_t', [D, C], transposed(p.Wout, 0, C, D))
  const mm = node('MatMul', 'out_mm', [c, Wout])
  const logits = node('Add', 'logits', [mm, init('out_b', [C], p.bout)])
  return { ...b.f, logits, weights }
}
