/**
 * The tagger's config and the layout of its one flat parameter array (layout.ts). Names, shapes
 * and order are PyTorch's `state_dict` of `nn.LSTM/GRU/RNN(batch_first) + Linear`:
 *   rnn.weight_ih_l{l}{sfx}  (G·H, In)   In = F for l = 0, else D·H
 *   rnn.weight_hh_l{l}{sfx}  (G·H, H)
 *   rnn.bias_ih_l{l}{sfx}    (G·H)
 *   rnn.bias_hh_l{l}{sfx}    (G·H)       sfx = '' (forward) or '_reverse' (backward direction)
 *   self_attn.in_proj_weight     (3E, E)  E = D·H   only with `attention` (attention.ts)
 *   self_attn.in_proj_bias       (3E)
 *   self_attn.out_proj.weight    (E, E)
 *   self_attn.out_proj.bias      (E)
 *   out.weight               (C, D·H)
 *   out.bias                 (C)
 * so a PyTorch state dict written tensor after tensor is this flat array, byte for byte. A config
 * without attention has exactly the layout it had before attention existed (old models load).
 * With a convolutional front end (CRNN, conv.ts) its tensors come first:
 *   front.{i}.conv.weight (Cout, Cin, 3, 3), front.{i}.bn.weight, .bias, .running_mean,
 *   .running_var (Cout)      and the recurrent stack's In for l = 0 is the front end's C·F'.
 * The running statistics are buffers, not trained: their gradient is always 0 and training
 * sets them from the training data after each epoch (engine/train/calibrate.ts).
 */
import { attentionTensors, type AttentionConfig, type AttentionParams } from './attention'
import {
  checkConvConfig,
  convOutputSize,
  convShapes,
  type ConvBlockConfig,
  type ConvBlockParams,
  type ConvFrontEndConfig,
} from './conv'
import type { FloatArray } from './kernels'
import { namedViews, packedLayout, type NamedShape, type ParamLayout } from './layout'

export type CellType = 'lstm' | 'gru' | 'rnn-tanh' | 'rnn-relu'

export interface TaggerConfig {
  /** Recurrent cell. 'rnn-relu' is unbounded: use identity init (IRNN) and gradient clipping. */
  cell: CellType
  /** F: input features per frame. */
  inputSize: number
  /** H: hidden units per direction. */
  hiddenSize: number
  /** L: stacked recurrent layers, 1–4. */
  numLayers: number
  /** C: output classes. */
  numClasses: number
  /** Two directions (outputs concatenated forward | backward) or forward only. */
  bidirectional: boolean
  /** Dropout probability on the inputs of layers 2..L during training (0 = none). */
  dropout: number
  /**
   * Residual connections between stacked layers, yˡ = cellsˡ(ŷˡ⁻¹) + yˡ⁻¹ for l ≥ 1 (widths are
   * D·H on both sides); no parameters, so the layout is unchanged. Absent = false.
   */
  residual?: boolean
  /**
   * Output recurrence: the last C of the inputSize columns are onehot(y_{t−1}), the previous
   * frame's label (models/feedback.ts); forward-only, since a backward direction would need
   * labels not decoded yet. Same layout (inputSize counts them). Absent = false.
   */
  outputRecurrence?: boolean
  /**
   * Multi-head self-attention between the recurrent stack and the output layer (attention.ts),
   * with its residual: logits = (y + Attn(y)) Woutᵀ + bout, y the top layer's (T, B, D·H).
   * heads 1–4 dividing D·H; window r > 0 keeps keys within |i − j| ≤ r frames, 0 = the whole
   * sequence (in training: the whole chunk). Absent = no attention.
   */
  attention?: TaggerAttention
  /**
   * Output head: 'softmax', one class per frame (cross-entropy, loss.ts; the exclusive tiers'
   * tagger), or 'sigmoid', each class on or off by itself (binary cross-entropy, bce.ts; events
   * that overlap). No parameters of its own: the layout is the same. Absent = 'softmax'.
   */
  head?: TaggerHead
  /**
   * A convolutional front end before the recurrent stack (CRNN, conv.ts): 3×3 conv + batch norm
   * + ReLU + frequency max-pool blocks over the (T × inputSize) image. Absent = none.
   */
  frontEnd?: { blocks: ConvBlockConfig[] }
}

/** The conv front end's own config inside a tagger, or null when it has none. */
export function frontEndOf(c: TaggerConfig): ConvFrontEndConfig | null {
  return c.frontEnd ? { inputSize: c.inputSize, blocks: c.frontEnd.blocks } : null
}

/** Width of the recurrent stack's input: the features, or the conv front end's C·F'. */
export function stackInputSize(c: TaggerConfig): number {
  const f = frontEndOf(c)
  return f ? convOutputSize(f) : c.inputSize
}

/** How the tagger's per-frame logits become scores (see TaggerConfig.head). */
export type TaggerHead = 'softmax' | 'sigmoid'

export interface TaggerAttention {
  /** Heads, 1–4, dividing D·H. */
  heads: number
  /** Frames each side a query may attend to; 0 = global. */
  window: number
}

/** The attention layer's config inside a tagger, or null when it has none. */
export function attentionConfigOf(c: TaggerConfig): AttentionConfig | null {
  if (!c.attention) return null
  const { heads, window } = c.attention
  const modelSize = directionsOf(c) * c.hiddenSize
  return { modelSize, numHeads: heads, window: window > 0 ? window : null, residual: true }
}

/** Views of one (layer, direction) of a flat params or grads array. */
export interface CellParams<A extends FloatArray> {
  Wih: A // (G·H, In)
  Whh: A // (G·H, H)
  bih: A // (G·H)
  bhh: A // (G·H)
}

export interface TaggerParams<A extends FloatArray> {
  /** Conv front end blocks (views into the same flat array), or null without one. */
  front: (ConvBlockParams<A> & { mean: A; var: A })[] | null
  /** cells[l][d]: layer l, direction d (0 forward, 1 backward). */
  cells: CellParams<A>[][]
  /** Self-attention params (views into the same flat array), or null without attention. */
  attn: AttentionParams<A> | null
  Wout: A // (C, D·H)
  bout: A // (C)
}

export const gatesOf = (cell: CellType): number => (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1)
export const directionsOf = (c: TaggerConfig): number => (c.bidirectional ? 2 : 1)

export function checkConfig(c: TaggerConfig): void {
  const ok = (x: number, lo: number, hi = Infinity): boolean =>
    Number.isInteger(x) && x >= lo && x <= hi
  if (!['lstm', 'gru', 'rnn-tanh', 'rnn-relu'].includes(c.cell)) throw new Error(`cell ${c.cell}`)
  if (!ok(c.inputSize, 1) || !ok(c.hiddenSize, 1) || !ok(c.numClasses, 1)) {
    throw new RangeError('inputSize, hiddenSize and numClasses must be positive integers')
  }
  if (!ok(c.numLayers, 1, 4)) throw new RangeError(`numLayers ${c.numLayers} is outside 1..4`)
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`dropout ${c.dropout}`)
  if (c.outputRecurrence && c.bidirectional)
    throw new RangeError(
      'output recurrence needs a unidirectional tagger: labels are decoded left to right, so a backward direction cannot read them',
    )
  if (c.outputRecurrence && c.inputSize <= c.numClasses)
    throw new RangeError(`output recurrence: inputSize ${c.inputSize} must be F + C > C`)
  if (c.outputRecurrence && c.attention)
    throw new RangeError(
      'output recurrence cannot take self-attention: attention reads later frames',
    )
  if (c.frontEnd) {
    if (c.outputRecurrence)
      throw new RangeError(
        'output recurrence cannot take a conv front end: it would convolve the fed-back labels',
      )
    checkConvConfig(frontEndOf(c)!)
  }
  if (c.attention) {
    const { heads, window } = c.attention
    if (!ok(heads, 1, 4)) throw new RangeError(`attention heads ${heads} is outside 1..4`)
    const E = directionsOf(c) * c.hiddenSize
    if (E % heads !== 0)
      throw new RangeError(`attention heads ${heads} do not divide the stack's width ${E}`)
    if (!ok(window, 0)) throw new RangeError(`attention window ${window} must be an integer ≥ 0`)
  }
}

export function paramLayout(c: TaggerConfig): ParamLayout {
  checkConfig(c)
  const [G, H, D] = [gatesOf(c.cell), c.hiddenSize, directionsOf(c)]
  const tensors: NamedShape[] = []
  const add = (name: string, shape: number[]): void => void tensors.push([name, shape])
  const front = frontEndOf(c)
  if (front) {
    const shapes = convShapes(front)
    front.blocks.forEach((b, i) => {
      add(`front.${i}.conv.weight`, [b.channels, shapes[i].C, 3, 3])
      for (const t of ['weight', 'bias', 'running_mean', 'running_var'])
        add(`front.${i}.bn.${t}`, [b.channels])
    })
  }
  for (let l = 0; l < c.numLayers; l++) {
    const In = l === 0 ? stackInputSize(c) : D * H
    for (let d = 0; d < D; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`
      add(`rnn.weight_ih${sfx}`, [G * H, In])
      add(`rnn.weight_hh${sfx}`, [G * H, H])
      add(`rnn.bias_ih${sfx}`, [G * H])
      add(`rnn.bias_hh${sfx}`, [G * H])
    }
  }
  if (c.attention) tensors.push(...attentionTensors(D * H))
  add('out.weight', [c.numClasses, D * H])
  add('out.bias', [c.numClasses])
  return packedLayout(tensors)
}

/** Structured views for the cells and the output layer. */
export function taggerViews<A extends FloatArray>(flat: A, c: TaggerConfig): TaggerParams<A> {
  const v = namedViews(flat, paramLayout(c))
  const get = (n: string): A => v.get(n)!
  const cells: CellParams<A>[][] = []
  for (let l = 0; l < c.numLayers; l++) {
    cells.push([])
    for (let d = 0; d < directionsOf(c); d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`
      cells[l].push({
        Wih: get(`rnn.weight_ih${sfx}`),
        Whh: get(`rnn.weight_hh${sfx}`),
        bih: get(`rnn.bias_ih${sfx}`),
        bhh: get(`rnn.bias_hh${sfx}`),
      })
    }
  }
  const attn = c.attention
    ? {
        Win: get('self_attn.in_proj_weight'),
        bin: get('self_attn.in_proj_bias'),
        Wo: get('self_attn.out_proj.weight'),
        bo: get('self_attn.out_proj.bias'),
      }
    : null
  const front = c.frontEnd
    ? c.frontEnd.blocks.map((_, i) => ({
        W: get(`front.${i}.conv.weight`),
        gamma: get(`front.${i}.bn.weight`),
        beta: get(`front.${i}.bn.bias`),
        mean: get(`front.${i}.bn.running_mean`),
        var: get(`front.${i}.bn.running_var`),
      }))
    : null
  return { front, cells, attn, Wout: get('out.weight'), bout: get('out.bias') }
}
