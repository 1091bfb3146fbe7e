/**
 * The tagger, and the clip classifier built on it, as plain ONNX graph descriptions
 * (onnx-types.ts), written to a file by engine/onnx/write.ts. Standard operators only, so any
 * ONNX runtime runs them:
 *
 *   features (B, T, F)
 *   → [Sub mean, Div std]                      global normalisation, when the model has one
 *   → [conv front end]                         with `frontEnd` (conv.ts), (B, T, C·F'):
 *        Reshape(0, 1, −1, F)                   (B, 1, T, F) image
 *        per block: Conv 3×3 pads 1 → BatchNormalization (running statistics, ε 1e-5)
 *                   → Relu → [MaxPool (1, p) stride (1, p)]      (B, C, T, F')
 *        Transpose(0, 2, 1, 3), Reshape(0, 0, −1)                (B, T, C·F'), channel-major
 *   → Transpose(1, 0, 2)                       (T, B, F): the recurrent ops are time-major
 *   → per layer l: LSTM | GRU | RNN            Y (T, D, B, H), direction forward | bidirectional
 *                  Transpose(0, 2, 1, 3)       (T, B, D, H)
 *                  Reshape(0, 0, −1)           (T, B, D·H) = [forward | backward], as in training
 *                  [Add h_l{l−1}]              residual (l ≥ 1): yˡ = cellsˡ(yˡ⁻¹) + yˡ⁻¹
 *   → Transpose(1, 0, 2)                       (B, T, D·H)
 *   → [self-attention z = y + Attn(y)]         with `attention`: onnx-attention.ts's fragment
 *                                              (MatMul/Softmax; no mask: one file per row)
 *   → MatMul Woutᵀ, Add bout                   logits (B, T, C)
 *   → Softmax(axis −1)                         probabilities (B, T, C), rows summing to 1
 *     | Sigmoid                                 with head 'sigmoid': each class by itself
 *
 * An output-recurrent tagger (feedback.ts) takes the previous frame's labels as a second input
 * and exposes its recurrent state, so a decoder can run it one frame (or a few) at a time:
 *   previous_labels (B, T, C)  Concat after the normalisation: [x | onehot(y_{t−1})]
 *   h0_l{l} (1, B, H) [c0_l{l} for LSTM]  initial_h / initial_c of layer l
 *   hT_l{l} (1, B, H) [cT_l{l}]           Y_h / Y_c: the state after the last frame
 * The decoding loop stays in the engine (engine/infer/feedback.ts): beam search would need
 * TopK, gathers and back-pointers inside an ONNX Loop, for a graph no other runtime calls.
 *
 * Gate order. Our weights keep PyTorch's packing; ONNX packs gates differently, and this is the
 * one place that permutes them (blocks of H rows):
 *   LSTM  PyTorch i, f, g, o  →  ONNX i, o, f, c   (blocks 0, 3, 1, 2)
 *   GRU   PyTorch r, z, n     →  ONNX z, r, h      (blocks 1, 0, 2), linear_before_reset = 1
 *   RNN   one gate, Tanh or Relu activation
 * ONNX W = [W_fwd; W_bwd] (D, G·H, In), R (D, G·H, H), B (D, 2·G·H) = [Wb | Rb] per direction,
 * which are PyTorch's bias_ih and bias_hh.
 */
import { poolingFragment, selfAttentionFragment } from './onnx-attention'
import type {
  OnnxAttribute,
  OnnxGraph,
  OnnxInitializer,
  OnnxNode,
  OnnxValueInfo,
} from './onnx-types'
import {
  attentionConfigOf,
  directionsOf,
  frontEndOf,
  gatesOf,
  paramLayout,
  stackInputSize,
  taggerViews,
  type TaggerConfig,
} from './params'
import type { PoolingConfig } from './pooling'

/** Global feature normalisation baked into the graph: x̂ = (x − mean) / std, per feature. */
export interface GraphNormalisation {
  mean: Float32Array // (F)
  std: Float32Array // (F)
}

/** PyTorch gate block order → ONNX gate block order, per cell. */
export const ONNX_GATE_BLOCKS: Record<TaggerConfig['cell'], number[]> = {
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
  'rnn-tanh': [0],
  'rnn-relu': [0],
}

/** Copy the gate blocks of `src` ((G·H) rows of `cols`) into `dst` at `offset`, in ONNX order. */
function permuteGates(
  src: Float32Array,
  blocks: number[],
  H: number,
  cols: number,
  dst: Float32Array,
  offset: number,
): void {
  blocks.forEach((from, to) => {
    dst.set(src.subarray(from * H * cols, (from + 1) * H * cols), offset + to * H * cols)
  })
}

/** The ONNX graph of a tagger with flat parameters `params` (layout of params.ts). */
export function taggerGraph(
  config: TaggerConfig,
  params: Float32Array,
  norm?: GraphNormalisation,
): OnnxGraph {
  const { inputSize: F, hiddenSize: H, numLayers: L, numClasses: C } = config
  const [G, D] = [gatesOf(config.cell), directionsOf(config)]
  const blocks = ONNX_GATE_BLOCKS[config.cell]
  const p = taggerViews(params, config)
  const nodes: OnnxNode[] = []
  const initializers: OnnxInitializer[] = []

  let x = 'features'
  const fed = !!config.outputRecurrence
  const Fx = fed ? F - C : F // feature columns (the rest are fed-back labels)
  if (norm) {
    if (norm.mean.length !== Fx || norm.std.length !== Fx)
      throw new RangeError('normalisation must have F entries')
    initializers.push({ name: 'norm_mean', dims: [Fx], float: Float32Array.from(norm.mean) })
    initializers.push({ name: 'norm_std', dims: [Fx], float: Float32Array.from(norm.std) })
    nodes.push({ op: 'Sub', name: 'normalise_sub', inputs: [x, 'norm_mean'], outputs: ['centred'] })
    nodes.push({
      op: 'Div',
      name: 'normalise_div',
      inputs: ['centred', 'norm_std'],
      outputs: ['normalised'],
    })
    x = 'normalised'
  }
  if (fed) {
    nodes.push({
      op: 'Concat',
      name: 'label_feedback',
      inputs: [x, 'previous_labels'],
      outputs: ['x_fed'],
      attributes: { axis: 2 },
    })
    x = 'x_fed'
  }
  const front = frontEndOf(config)
  if (front && p.front) {
    initializers.push({ name: 'conv_image_shape', dims: [4], int64: [0, 1, -1, F] })
    nodes.push({
      op: 'Reshape',
      name: 'conv_to_image',
      inputs: [x, 'conv_image_shape'],
      outputs: ['conv_in'],
    })
    let z = 'conv_in'
    let Cin = 1
    front.blocks.forEach((b, i) => {
      const f = p.front![i]
      const init = (name: string, dims: number[], v: ArrayLike<number>) =>
        initializers.push({ name, dims, float: Float32Array.from(v) })
      init(`conv_w_${i}`, [b.channels, Cin, 3, 3], f.W)
      init(`bn_scale_${i}`, [b.channels], f.gamma)
      init(`bn_bias_${i}`, [b.channels], f.beta)
      init(`bn_mean_${i}`, [b.channels], f.mean)
      init(`bn_var_${i}`, [b.channels], f.var)
      nodes.push({
        op: 'Conv',
        name: `conv_${i}`,
        inputs: [z, `conv_w_${i}`],
        outputs: [`conv_${i}`],
        attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      })
      nodes.push({
        op: 'BatchNormalization',
        name: `bn_${i}`,
        inputs: [`conv_${i}`, `bn_scale_${i}`, `bn_bias_${i}`, `bn_mean_${i}`, `bn_var_${i}`],
        outputs: [`bn_${i}`],
        attributes: { epsilon: 1e-5 },
      })
      nodes.push({ op: 'Relu', name: `relu_${i}`, inputs: [`bn_${i}`], outputs: [`relu_${i}`] })
      z = `relu_${i}`
      if (b.pool > 1) {
        nodes.push({
          op: 'MaxPool',
          name: `pool_${i}`,
          inputs: [z],
          outputs: [`pool_${i}`],
          attributes: { kernel_shape: [1, b.pool], strides: [1, b.pool] },
        })
        z = `pool_${i}`
      }
      Cin = b.channels
    })
    nodes.push({
      op: 'Transpose',
      name: 'conv_frames',
      inputs: [z],
      outputs: ['conv_btcf'],
      attributes: { perm: [0, 2, 1, 3] },
    })
    initializers.push({ name: 'conv_flat_shape', dims: [3], int64: [0, 0, -1] })
    nodes.push({
      op: 'Reshape',
      name: 'conv_flatten',
      inputs: ['conv_btcf', 'conv_flat_shape'],
      outputs: ['conv_out'],
    })
    x = 'conv_out'
  }
  nodes.push({
    op: 'Transpose',
    name: 'to_time_major',
    inputs: [x],
    outputs: ['x_tbf'],
    attributes: { perm: [1, 0, 2] },
  })
  x = 'x_tbf'
  initializers.push({ name: 'shape_tb_flat', dims: [3], int64: [0, 0, -1] })

  for (let l = 0; l < L; l++) {
    const In = l === 0 ? stackInputSize(config) : D * H
    const W = new Float32Array(D * G * H * In)
    const R = new Float32Array(D * G * H * H)
    const B = new Float32Array(D * 2 * G * H)
    for (let d = 0; d < D; d++) {
      const cell = p.cells[l][d]
      permuteGates(cell.Wih as Float32Array, blocks, H, In, W, d * G * H * In)
      permuteGates(cell.Whh as Float32Array, blocks, H, H, R, d * G * H * H)
      permuteGates(cell.bih as Float32Array, blocks, H, 1, B, d * 2 * G * H)
      permuteGates(cell.bhh as Float32Array, blocks, H, 1, B, d * 2 * G * H + G * H)
    }
    initializers.push({ name: `W_l${l}`, dims: [D, G * H, In], float: W })
    initializers.push({ name: `R_l${l}`, dims: [D, G * H, H], float: R })
    initializers.push({ name: `B_l${l}`, dims: [D, 2 * G * H], float: B })
    const attributes: Record<string, OnnxAttribute> = {
      hidden_size: H,
      direction: D === 2 ? 'bidirectional' : 'forward',
    }
    if (config.cell === 'gru') attributes.linear_before_reset = 1
    if (config.cell === 'rnn-tanh') attributes.activations = D === 2 ? ['Tanh', 'Tanh'] : ['Tanh']
    if (config.cell === 'rnn-relu') attributes.activations = D === 2 ? ['Relu', 'Relu'] : ['Relu']
    const op = config.cell === 'lstm' ? 'LSTM' : config.cell === 'gru' ? 'GRU' : 'RNN'
    const lstm = config.cell === 'lstm'
    // output recurrence: initial state in, final state out (sequence_lens '' = every row full)
    const stateIn = fed ? ['', `h0_l${l}`, ...(lstm ? [`c0_l${l}`] : [])] : []
    const stateOut = fed ? [`hT_l${l}`, ...(lstm ? [`cT_l${l}`] : [])] : []
    nodes.push({
      op,
      name: `${op.toLowerCase()}_l${l}`,
      inputs: [x, `W_l${l}`, `R_l${l}`, `B_l${l}`, ...stateIn],
      outputs: [`Y_l${l}`, ...stateOut],
      attributes,
    })
    nodes.push({
      op: 'Transpose',
      name: `merge_dirs_l${l}`,
      inputs: [`Y_l${l}`],
      outputs: [`Y_tbdh_l${l}`],
      attributes: { perm: [0, 2, 1, 3] },
    })
    nodes.push({
      op: 'Reshape',
      name: `flatten_dirs_l${l}`,
      inputs: [`Y_tbdh_l${l}`, 'shape_tb_flat'],
      outputs: [`h_l${l}`],
    })
    if (config.residual && l > 0) {
      // dropout is off at inference, so the skip adds yˡ⁻¹ as training's undropped path does
      nodes.push({
        op: 'Add',
        name: `residual_l${l}`,
        inputs: [`h_l${l}`, x],
        outputs: [`y_l${l}`],
      })
      x = `y_l${l}`
    } else x = `h_l${l}`
  }

  // Output layer: logits = y · Woutᵀ + bout, with Woutᵀ stored as (D·H, C).
  const WoutT = new Float32Array(D * H * C)
  for (let c = 0; c < C; c++)
    for (let j = 0; j < D * H; j++) WoutT[j * C + c] = p.Wout[c * D * H + j]
  initializers.push({ name: 'out_weight_t', dims: [D * H, C], float: WoutT })
  initializers.push({ name: 'out_bias', dims: [C], float: Float32Array.from(p.bout) })
  nodes.push({
    op: 'Transpose',
    name: 'to_batch_major',
    inputs: [x],
    outputs: ['h_btk'],
    attributes: { perm: [1, 0, 2] },
  })
  let top = 'h_btk'
  const attCfg = attentionConfigOf(config)
  if (attCfg) {
    // the attention tensors are contiguous in the flat array, in attention.ts's own layout
    const entries = paramLayout(config).entries.filter((e) => e.name.startsWith('self_attn.'))
    const from = entries[0].offset
    const last = entries[entries.length - 1]
    const att = selfAttentionFragment(
      attCfg,
      params.subarray(from, last.offset + last.length),
      top,
      { prefix: 'self_attn' },
    )
    nodes.push(...att.nodes)
    initializers.push(...att.initializers)
    top = att.output
  }
  nodes.push({
    op: 'MatMul',
    name: 'out_matmul',
    inputs: [top, 'out_weight_t'],
    outputs: ['out_mm'],
  })
  nodes.push({ op: 'Add', name: 'out_add', inputs: ['out_mm', 'out_bias'], outputs: ['logits'] })
  // softmax head: one distribution per frame; sigmoid head: one probability per class and frame
  nodes.push(
    config.head === 'sigmoid'
      ? { op: 'Sigmoid', name: 'sigmoid', inputs: ['logits'], outputs: ['probabilities'] }
      : {
          op: 'Softmax',
          name: 'softmax',
          inputs: ['logits'],
          outputs: ['probabilities'],
          attributes: { axis: -1 },
        },
  )

  const states = (pre: string): OnnxValueInfo[] =>
    !fed
      ? []
      : Array.from({ length: L }, (_, l) =>
          (config.cell === 'lstm' ? ['h', 'c'] : ['h']).map((v) => ({
            name: `${v}${pre}_l${l}`,
            dims: [1, 'batch', H],
          })),
        ).flat()
  return {
    name: 'framewise_tagger',
    inputs: [
      { name: 'features', dims: ['batch', 'time', Fx] },
      ...(fed ? [{ name: 'previous_labels', dims: ['batch', 'time', C] }] : []),
      ...states('0'),
    ],
    outputs: [{ name: 'probabilities', dims: ['batch', 'time', C] }, ...states('T')],
    nodes,
    initializers,
  }
}

/**
 * The clip classifier as one graph: the tagger graph above with its output layer as a
 * K-wide per-frame projection (K = tagger numClasses), its per-frame Softmax dropped, then
 * pooling over those (B, T, K) states → probabilities (B, C) and, for attention pooling,
 * weights (B, T). Input: features (B, T, F), one file per row and no padding (the tagger
 * graph's recurrent ops take no sequence lengths, as for the frame tagger).
 */
export function clipClassifierGraph(
  tagger: TaggerConfig,
  taggerParams: Float32Array,
  pooling: PoolingConfig,
  poolingParams: Float32Array,
  norm?: GraphNormalisation,
): OnnxGraph {
  if (pooling.inputSize !== tagger.numClasses) {
    throw new RangeError(
      `pooling inputSize ${pooling.inputSize} ≠ tagger width ${tagger.numClasses}`,
    )
  }
  const g = taggerGraph(tagger, taggerParams, norm)
  const nodes = g.nodes.filter((n) => n.op !== 'Softmax' || n.outputs[0] !== 'probabilities')
  const p = poolingFragment(pooling, poolingParams, 'logits', { prefix: 'pool' })
  nodes.push(...p.nodes)
  nodes.push({
    op: 'Softmax',
    name: 'clip_softmax',
    inputs: [p.logits],
    outputs: ['probabilities'],
    attributes: { axis: -1 },
  })
  const outputs = [{ name: 'probabilities', dims: ['batch', pooling.numClasses] }]
  if (p.weights) {
    nodes.push({
      op: 'Identity',
      name: 'attention_weights',
      inputs: [p.weights],
      outputs: ['weights'],
    })
    outputs.push({ name: 'weights', dims: ['batch', 'time'] })
  }
  return {
    name: 'framewise_clip_classifier',
    inputs: g.inputs,
    outputs,
    nodes,
    initializers: [...g.initializers, ...p.initializers],
  }
}
