/**
 * One flat array per model for parameters, one with the same layout for gradients (llm.c):
 * save/load, averaging across workers and optimiser steps are single loops over it.
 *
 * Names, shapes and order are PyTorch's `state_dict` of `nn.LSTM/GRU/RNN(batch_first) + Linear`:
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
 */
import type { AttentionConfig, AttentionParams } from './attention'
import type { FloatArray } from './kernels'

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
}

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

export interface ParamEntry {
  /** PyTorch state_dict name. */
  name: string
  /** Row-major shape. */
  shape: number[]
  /** Offset in elements into the flat array. */
  offset: number
  /** Element count. */
  length: number
}

export interface ParamLayout {
  entries: ParamEntry[]
  /** Total element count of the flat array. */
  size: number
}

/** Views of one (layer, direction) of a flat params or grads array. */
export interface CellParams<A extends FloatArray> {
  Wih: A // (G·H, In)
  Whh: A // (G·H, H)
  bih: A // (G·H)
  bhh: A // (G·H)
}

export interface TaggerParams<A extends FloatArray> {
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
    throw new RangeError('output recurrence cannot take self-attention: attention reads later frames')
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
  for (let l = 0; l < c.numLayers; l++) {
    const In = l === 0 ? c.inputSize : D * H
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

/** A tensor's name and shape, before it is given an offset. */
export type NamedShape = [name: string, shape: number[]]

/** The layout of `tensors` packed one after another in the order given. */
export function packedLayout(tensors: NamedShape[]): ParamLayout {
  const entries: ParamEntry[] = []
  let offset = 0
  for (const [name, shape] of tensors) {
    const length = shape.reduce((p, q) => p * q, 1)
    entries.push({ name, shape, offset, length })
    offset += length
  }
  return { entries, size: offset }
}

/**
 * The self-attention layer's tensors over width E (attention.ts), named as PyTorch's
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

/**
 * A trainable module: its config, one flat params array and one flat grads array with the same
 * layout, and structured views of each (the tagger, pooling heads and attention layers alike).
 */
export interface Module<Config, Views, A extends FloatArray> {
  config: Config
  layout: ParamLayout
  params: A // (P) flat
  grads: A // (P) same layout
  p: Views
  g: Views
}

/** Params and grads (zeros) allocated through `alloc`, with their views. */
export function createModule<Config, Views, A extends FloatArray>(
  config: Config,
  layout: ParamLayout,
  views: (flat: A, c: Config) => Views,
  alloc: (n: number) => A,
): Module<Config, Views, A> {
  const params = alloc(layout.size)
  const grads = alloc(layout.size)
  return { config, layout, params, grads, p: views(params, config), g: views(grads, config) }
}

/** Named views (no copies) of a flat array laid out by `layout`. */
export function namedViews<A extends FloatArray>(flat: A, layout: ParamLayout): Map<string, A> {
  if (flat.length < layout.size) throw new RangeError(`flat array ${flat.length} < ${layout.size}`)
  const m = new Map<string, A>()
  for (const e of layout.entries) m.set(e.name, flat.subarray(e.offset, e.offset + e.length) as A)
  return m
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
  return { cells, attn, Wout: get('out.weight'), bout: get('out.bias') }
}
