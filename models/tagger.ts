/**
 * The tagger: L stacked recurrent layers (uni- or bidirectional), dropout between layers, and a
 * per-frame linear output layer, over a padded time-major batch with per-sequence lengths.
 *
 *   y⁰ = x                                                     (T, B, F)
 *   yˡ = [ fwdˡ(ŷˡ⁻¹) | rev(bwdˡ(rev(ŷˡ⁻¹))) ]  (+ yˡ⁻¹ if residual, l ≥ 1)   (T, B, D·H)
 *   ŷˡ = yˡ ⊙ maskˡ / (1 − p)  while training, l < L − 1, else yˡ
 *   z = y^{L−1} + Attn(y^{L−1})  with attention (attention.ts), else z = y^{L−1}   (T, B, D·H)
 *   logits = z · Woutᵀ + bout                                 (T, B, C)
 *          = h_fwd · Wout[:, :H]ᵀ + rev(h_bwd · Wout[:, H:]ᵀ) + bout   (as computed when D = 2)
 *            + y^{L−2} · Woutᵀ                          (and a residual top layer's skip)
 * Residual layers add the *undropped* yˡ⁻¹: dropout regularises the branch each layer learns, and
 * the identity path carries the signal (and its gradient, dyˡ⁻¹ += dyˡ) through the stack without
 * noise; at inference dropout is off and both readings are the same graph (one Add per layer).
 * The recurrent state stays the cell's own h: the skip is between layers, never inside a cell.
 * rev() reverses time within each sequence's own length, so the backward direction starts at the
 * sequence's last valid frame (as PyTorch does with packed sequences). Frames t ≥ lengths[b]
 * output 0 in every layer and are never part of any recurrence. Batches are sorted longest first.
 *
 * Self-attention sits between the stack and the output layer and sees the concatenated top
 * output (so the top layer keeps its y then); it attends within the batch's sequences, i.e. within
 * one training chunk or TBPTT window — never across chunk boundaries — and not past each length.
 *
 * A conv front end (CRNN, conv.ts), when configured, turns x (T, B, F) into the stack's input
 * (T, B, C·F') first; layer 0 then reads it like any layer's input (in place, both directions),
 * so its dx is the front end's dy. In training it normalises with each batch's statistics and
 * leaves the running statistics (params, never trained) to engine/train/calibrate.ts; in eval
 * it uses them.
 *
 * Truncated BPTT: `forward` accepts the forward-direction state (h, and c for LSTM) carried from
 * the previous chunk; `carryState` reads it at any frame of the chunk (k1/k2 windows overlap).
 * Gradients never cross a chunk boundary. The backward direction restarts from 0 in each chunk.
 *
 * Model state = flat params + flat grads (one layout) + this workspace, reused across steps.
 * Memory and copies: the backward direction reads its input in place (only its gate projections
 * are reversed, in place); backward-only buffers (dh, GRU dGh) are shared by all passes; gate
 * gradients overwrite the gates; a plain unidirectional layer's output is its cell's h; the top
 * bidirectional layer feeds the output layer per direction, never concatenated (unless attention
 * reads the concatenation); everything is carved from one allocation so remaining row copies are
 * copyWithin. Config B (T500 B32 H128 L2, bi) needs 228 MB (LSTM) / 221 MB (GRU) of workspace;
 * PyTorch peaks at 803 / 683 MB RSS.
 */
import {
  allocAttention,
  attentionBackward,
  attentionForward,
  type AttentionLayer,
  type AttentionWorkspace,
} from './attention'
import {
  allocConvWorkspace,
  convBackward,
  convForward,
  type ConvModule,
  type ConvWorkspace,
} from './conv'
import { allocGru, gruBackward, gruForward, type GruWorkspace } from './gru'
import type { FloatArray, Kernels } from './kernels'
import { createModule, type Module } from './layout'
import { allocLstm, lstmBackward, lstmForward, type LstmWorkspace } from './lstm'
import {
  attentionConfigOf,
  directionsOf,
  frontEndOf,
  paramLayout,
  stackInputSize,
  taggerViews,
  type CellParams,
  type TaggerConfig,
  type TaggerParams,
} from './params'
import type { Rng } from './rng'
import { allocRnn, rnnBackward, rnnForward, type RnnWorkspace } from './rnn'
import { batchSizesOf, copyRows, reverseRows, type SeqDims } from './tensor'

export type { TaggerConfig } from './params'

export type Tagger<A extends FloatArray> = Module<TaggerConfig, TaggerParams<A>, A>

/** Params and grads allocated through the kernels (zeros; see init.ts for initialisation). */
export function createTagger<A extends FloatArray>(config: TaggerConfig, k: Kernels<A>): Tagger<A> {
  return createModule(config, paramLayout(config), taggerViews, (n) => k.alloc(n))
}

type CellWorkspace<A extends FloatArray> =
  | { kind: 'lstm'; ws: LstmWorkspace<A> }
  | { kind: 'gru'; ws: GruWorkspace<A> }
  | { kind: 'rnn'; ws: RnnWorkspace<A>; relu: boolean }

interface LayerWorkspace<A extends FloatArray> {
  In: number
  dirs: CellWorkspace<A>[]
  x: A | null // (T, B, In) dropped-out input (l > 0 with dropout), else null = previous y
  mask: A | null // (T, B, In) dropout scale 0 or 1/(1 − p)
  xRev: A | null // (T, B, F) layer 0 of a bidirectional tagger: x time-reversed within lengths
  y: A // (T, B, D·H) output (unidirectional plain: the cell's h itself; empty for a bi top layer)
  dy: A // (T, B, D·H) dL/dy (unidirectional plain: the cell's dh itself; empty for a bi top layer)
  residual: boolean // yˡ = cells(ŷˡ⁻¹) + yˡ⁻¹
}

export interface TaggerWorkspace<A extends FloatArray> {
  Tmax: number
  Bmax: number
  layers: LayerWorkspace<A>[]
  logits: A // (T, B, C)
  dlogits: A // (T, B, C)
  logitsRev: A // (T, B, C) backward direction's share of logits / dlogits, in its time order
  att: AttentionWorkspace<A> | null // self-attention over the top y: its y (T, B, D·H) feeds Wout
  conv: ConvWorkspace<A> | null // conv front end: its y (T, B, C·F') is layer 0's input
  batchSizes: Int32Array // (Tmax)
  dropoutOn: boolean // whether the last forward applied dropout
}

/** Forward-direction recurrent state of every layer, for TBPTT carry. */
export interface TaggerState<A extends FloatArray> {
  h: A[] // L × (B, H)
  c: A[] | null // L × (B, H), LSTM only
}

/**
 * 2²⁴ values (64 MB float32): a training batch (chunk 400, batch 16, 4 heads) keeps a windowed
 * attention's scores dense, as gemm calls; a long validation window falls back to the band.
 */
export const ATTENTION_DENSE_LIMIT = 2 ** 24

/**
 * The workspace for batches up to (Tmax, Bmax). Every buffer is carved from one `k.alloc`, so
 * rows move between buffers with copyWithin (memmove, no garbage); views start 64-byte aligned.
 */
export function allocWorkspace<A extends FloatArray>(
  cfg: TaggerConfig,
  k: Kernels<A>,
  Tmax: number,
  Bmax: number,
  /** Self-attention stores its (B, nh, T, T) probabilities dense up to this many values. */
  attentionDenseLimit = ATTENTION_DENSE_LIMIT,
): TaggerWorkspace<A> {
  const pad = (n: number): number => Math.ceil(n / 16) * 16
  let total = 0
  const empty = k.alloc(16).subarray(0, 0) as A
  buildWorkspace(cfg, { alloc: (n) => ((total += pad(n)), empty) }, Tmax, Bmax, attentionDenseLimit)
  const arena = k.alloc(total)
  let off = 0
  const carve = (n: number): A => {
    const view = arena.subarray(off, off + n) as A
    off += pad(n)
    return view
  }
  return buildWorkspace(cfg, { alloc: carve }, Tmax, Bmax, attentionDenseLimit)
}

function buildWorkspace<A extends FloatArray>(
  cfg: TaggerConfig,
  k: Pick<Kernels<A>, 'alloc'>,
  Tmax: number,
  Bmax: number,
  attentionDenseLimit: number,
): TaggerWorkspace<A> {
  const [H, D] = [cfg.hiddenSize, directionsOf(cfg)]
  const n = Tmax * Bmax
  const attCfg = attentionConfigOf(cfg)
  const layers: LayerWorkspace<A>[] = []
  // Backward-only buffers live during one (layer, direction) pass at a time: one of each.
  // A unidirectional layer's output is its cell's h and its dy is the cell's dh (no copies),
  // so there each layer keeps its own dh.
  const uni = D === 1
  const sharedDh = uni ? null : k.alloc(n * H) // (T, B, H)
  const dGh = cfg.cell === 'gru' ? k.alloc(n * 3 * H) : null // (T, B, 3H)
  for (let l = 0; l < cfg.numLayers; l++) {
    const In = l === 0 ? stackInputSize(cfg) : D * H
    const residual = !!cfg.residual && l > 0
    // a unidirectional residual layer's y = h + yˡ⁻¹ cannot overwrite h (backward reads h), and
    // the cell overwrites its dh in backward while dyˡ⁻¹ += dyˡ still needs dy: own y, dy
    const own = !uni || residual
    const dh = sharedDh ?? k.alloc(n * H) // (T, B, H)
    const dirs: CellWorkspace<A>[] = []
    for (let d = 0; d < D; d++) {
      if (cfg.cell === 'lstm') dirs.push({ kind: 'lstm', ws: allocLstm(k, Tmax, Bmax, H, dh) })
      else if (cfg.cell === 'gru') {
        dirs.push({ kind: 'gru', ws: allocGru(k, Tmax, Bmax, H, dh, dGh!) })
      } else {
        const relu = cfg.cell === 'rnn-relu'
        dirs.push({ kind: 'rnn', ws: allocRnn(k, Tmax, Bmax, H, dh), relu })
      }
    }
    const drop = l > 0 && cfg.dropout > 0
    layers.push({
      In,
      dirs,
      x: drop ? k.alloc(n * In) : null,
      mask: drop ? k.alloc(n * In) : null,
      // layer 0 reverses its F-wide input for the backward direction, cheaper than reversing
      // its G·H-wide projections and their gradients (and no dx is needed there)
      // (with a conv front end, layer 0 needs dx: it reads its input in place like the others)
      xRev: l === 0 && D === 2 && !cfg.frontEnd ? k.alloc(n * In) : null,
      // the top bidirectional layer feeds the output layer per direction (no y, dy: see below),
      // unless attention reads the concatenated y
      y: own ? k.alloc(uni || attCfg || l < cfg.numLayers - 1 ? n * D * H : 0) : dirs[0].ws.h,
      dy: own ? k.alloc(uni || attCfg || l < cfg.numLayers - 1 ? n * D * H : 0) : dh,
      residual,
    })
  }
  return {
    Tmax,
    Bmax,
    layers,
    logits: k.alloc(n * cfg.numClasses),
    dlogits: k.alloc(n * cfg.numClasses),
    logitsRev: k.alloc(uni || attCfg ? 0 : n * cfg.numClasses),
    att: attCfg ? allocAttention(attCfg, k, Tmax, Bmax, attentionDenseLimit) : null,
    conv: cfg.frontEnd ? allocConvWorkspace(frontEndOf(cfg)!, k, Tmax, Bmax) : null,
    batchSizes: new Int32Array(Tmax),
    dropoutOn: false,
  }
}

export function allocState<A extends FloatArray>(
  cfg: TaggerConfig,
  k: Kernels<A>,
  B: number,
): TaggerState<A> {
  const mk = (): A[] => Array.from({ length: cfg.numLayers }, () => k.alloc(B * cfg.hiddenSize))
  return { h: mk(), c: cfg.cell === 'lstm' ? mk() : null }
}

export interface ForwardOptions<A extends FloatArray> {
  /** Apply dropout between layers (needs rng). */
  training?: boolean
  /** Source of dropout masks. */
  rng?: Rng
  /** Forward-direction initial state per layer (TBPTT carry); zeros when omitted. */
  state?: TaggerState<A> | null
}

function layerInput<A extends FloatArray>(ws: TaggerWorkspace<A>, x: A, l: number): A {
  if (l === 0) return ws.conv ? ws.conv.y : x
  return ws.dropoutOn && ws.layers[l].x ? ws.layers[l].x! : ws.layers[l - 1].y
}

function cellForward<A extends FloatArray>(
  c: CellWorkspace<A>,
  x: A,
  p: CellParams<A>,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  if (c.kind === 'lstm') lstmForward(c.ws, x, p, dims, k)
  else if (c.kind === 'gru') gruForward(c.ws, x, p, dims, k)
  else rnnForward(c.ws, x, p, c.relu, dims, k)
}

function cellBackward<A extends FloatArray>(
  dx: A | null,
  g: CellParams<A>,
  c: CellWorkspace<A>,
  x: A,
  p: CellParams<A>,
  dims: SeqDims,
  k: Kernels<A>,
): void {
  if (c.kind === 'lstm') lstmBackward(dx, g, c.ws, x, p, dims, k)
  else if (c.kind === 'gru') gruBackward(dx, g, c.ws, x, p, dims, k)
  else rnnBackward(dx, g, c.ws, x, p, c.relu, dims, k)
}

/** Forward pass; leaves the logits (T, B, C) in ws.logits. */
export function taggerForward<A extends FloatArray>(
  ws: TaggerWorkspace<A>,
  x: A, // (T, B, F)
  lengths: Int32Array, // (B), longest first, each in 0..T (0: a finished sequence in a TBPTT chunk)
  T: number,
  m: Tagger<A>,
  k: Kernels<A>,
  opts: ForwardOptions<A> = {},
): void {
  const cfg = m.config
  const B = lengths.length
  const [H, D, C] = [cfg.hiddenSize, directionsOf(cfg), cfg.numClasses]
  if (T > ws.Tmax || B > ws.Bmax) throw new RangeError(`batch (${T}, ${B}) exceeds workspace`)
  batchSizesOf(lengths, T, ws.batchSizes)
  ws.dropoutOn = !!opts.training && cfg.dropout > 0
  if (ws.dropoutOn && !opts.rng) throw new Error('training with dropout needs an rng')
  if (ws.conv)
    convForward(ws.conv, x, lengths, T, convOf(m)!, k, !!opts.training, { updateRunning: false })
  for (let l = 0; l < cfg.numLayers; l++) {
    const L = ws.layers[l]
    if (l > 0 && ws.dropoutOn) {
      // ŷ = y ⊙ mask / (1 − p)
      const keep = 1 / (1 - cfg.dropout)
      const [y, xd, mask] = [ws.layers[l - 1].y, L.x!, L.mask!]
      for (let q = 0; q < T * B * L.In; q++) {
        mask[q] = opts.rng!.uniform() < cfg.dropout ? 0 : keep
        xd[q] = y[q] * mask[q]
      }
    }
    const input = layerInput(ws, x, l)
    const dims: SeqDims = { T, B, In: L.In, H, batchSizes: ws.batchSizes, reverse: null }
    for (let d = 0; d < D; d++) {
      const c = L.dirs[d]
      c.ws.h0.fill(0)
      if (c.kind === 'lstm') c.ws.c0.fill(0)
      if (d === 0 && opts.state) {
        c.ws.h0.set(opts.state.h[l].subarray(0, B * H))
        if (c.kind === 'lstm') c.ws.c0.set(opts.state.c![l].subarray(0, B * H))
      }
      // the backward direction reads x in place and reverses its projections, except in layer
      // 0, which reads a reversed copy of x
      if (d === 1 && L.xRev) copyRows(L.xRev, L.In, 0, x, L.In, 0, lengths, T, L.In, true)
      const [xd, reverse] = d === 1 && L.xRev ? [L.xRev, null] : [input, d === 1 ? lengths : null]
      cellForward(c, xd, m.p.cells[l][d], { ...dims, reverse }, k)
      // y[:, :, dH : (d+1)H] = h (time-reversed back for the backward direction)
      if (L.y.length > 0 && L.y !== c.ws.h && !(L.residual && D === 1)) {
        copyRows(L.y, D * H, d * H, c.ws.h, H, 0, lengths, T, H, d === 1)
      }
    }
    if (L.residual && L.y.length > 0) {
      // yˡ = h + yˡ⁻¹ (uni, one pass: row copies cost more than the add at small H) or
      // yˡ += yˡ⁻¹ (bi, after the concatenation); undropped yˡ⁻¹; padding rows stay 0 + 0
      const [y, prev] = [L.y, ws.layers[l - 1].y]
      const h: A = L.dirs[0].ws.h // (T, B, H)
      if (D === 1) for (let q = 0; q < T * B * H; q++) y[q] = h[q] + prev[q]
      else for (let q = 0; q < T * B * D * H; q++) y[q] += prev[q]
    }
  }
  const top = ws.layers[cfg.numLayers - 1]
  const logits: A = ws.logits // (T, B, C)
  if (ws.att) {
    // z = y + Attn(y) ; logits (T·B, C) = z (T·B, D·H) · Woutᵀ + bout
    const att = attentionOf(m)!
    attentionForward(ws.att, top.y, lengths, T, att, k)
    k.gemm(false, true, T * B, C, D * H, ws.att.y, 0, D * H, m.p.Wout, 0, D * H, 0, logits, 0, C)
  } else if (D === 1) {
    // logits (T·B, C) = y (T·B, H) · Woutᵀ + bout
    k.gemm(false, true, T * B, C, H, top.y, 0, H, m.p.Wout, 0, H, 0, logits, 0, C)
  } else {
    // logits = h_fwd · Wout[:, :H]ᵀ + rev(h_bwd · Wout[:, H:]ᵀ) + bout: the top layer's outputs
    // are never concatenated, only the C-wide backward share is time-reversed
    const hf: A = top.dirs[0].ws.h // (T, B, H)
    const hb: A = top.dirs[1].ws.h // (T, B, H)
    k.gemm(false, true, T * B, C, H, hf, 0, H, m.p.Wout, 0, D * H, 0, logits, 0, C)
    k.gemm(false, true, T * B, C, H, hb, 0, H, m.p.Wout, H, D * H, 0, ws.logitsRev, 0, C)
    reverseRows(ws.logitsRev, lengths, T, C)
    for (let r = 0; r < T * B * C; r++) logits[r] += ws.logitsRev[r]
    if (top.residual) {
      // the top layer's skip goes straight to the output layer: logits += y^{L−2} · Woutᵀ
      const prev: A = ws.layers[cfg.numLayers - 2].y // (T, B, D·H)
      k.gemm(false, true, T * B, C, D * H, prev, 0, D * H, m.p.Wout, 0, D * H, 1, logits, 0, C)
    }
  }
  const bout = m.p.bout
  for (let r = 0; r < T * B * C; r += C) for (let j = 0; j < C; j++) logits[r + j] += bout[j]
}

/**
 * Backward pass from ws.dlogits (T, B, C) (e.g. written by crossEntropy), for the batch of the
 * last forward. Accumulates into m.grads (zero them once per optimiser step).
 */
export function taggerBackward<A extends FloatArray>(
  ws: TaggerWorkspace<A>,
  x: A, // (T, B, F)
  lengths: Int32Array, // (B)
  T: number,
  m: Tagger<A>,
  k: Kernels<A>,
): void {
  const cfg = m.config
  const B = lengths.length
  const [H, D, C, Lc] = [cfg.hiddenSize, directionsOf(cfg), cfg.numClasses, cfg.numLayers]
  const DH = D * H
  const top = ws.layers[Lc - 1]
  const dlogits: A = ws.dlogits // (T, B, C)
  k.colSum(T * B, C, dlogits, 0, C, m.g.bout, 0) // dbout += Σ dlogits
  if (ws.att) {
    // dWout += dlogitsᵀ · z ; dz = dlogits · Wout ; dy = dz + Attn's share (attentionBackward)
    const z: A = ws.att.y // (T, B, D·H)
    k.gemm(true, false, C, DH, T * B, dlogits, 0, C, z, 0, DH, 1, m.g.Wout, 0, DH)
    k.gemm(false, false, T * B, DH, C, dlogits, 0, C, m.p.Wout, 0, DH, 0, ws.att.dy, 0, DH)
    top.dy.fill(0, 0, T * B * DH)
    attentionBackward(top.dy, ws.att, top.y, lengths, T, attentionOf(m)!, k)
  } else if (D === 1) {
    // dWout (C, H) += dlogitsᵀ · y ; dy = dlogits · Wout
    k.gemm(true, false, C, H, T * B, dlogits, 0, C, top.y, 0, H, 1, m.g.Wout, 0, H)
    k.gemm(false, false, T * B, H, C, dlogits, 0, C, m.p.Wout, 0, H, 0, top.dy, 0, H)
  } else {
    // dWout[:, :H] += dlogitsᵀ · h_fwd ; dWout[:, H:] += rev(dlogits)ᵀ · h_bwd
    const hf: A = top.dirs[0].ws.h // (T, B, H)
    const hb: A = top.dirs[1].ws.h // (T, B, H)
    copyRows(ws.logitsRev, C, 0, dlogits, C, 0, lengths, T, C, true)
    k.gemm(true, false, C, H, T * B, dlogits, 0, C, hf, 0, H, 1, m.g.Wout, 0, DH)
    k.gemm(true, false, C, H, T * B, ws.logitsRev, 0, C, hb, 0, H, 1, m.g.Wout, H, DH)
    if (top.residual) {
      // dWout += dlogitsᵀ · y^{L−2} (its dy^{L−2} share is added after the top layer's backward)
      const prev: A = ws.layers[Lc - 2].y // (T, B, D·H)
      k.gemm(true, false, C, DH, T * B, dlogits, 0, C, prev, 0, DH, 1, m.g.Wout, 0, DH)
    }
  }
  for (let l = Lc - 1; l >= 0; l--) {
    const L = ws.layers[l]
    const input = layerInput(ws, x, l)
    const dims: SeqDims = { T, B, In: L.In, H, batchSizes: ws.batchSizes, reverse: null }
    // dL/d(input of layer l) goes straight into dy of layer l − 1 (layer 0: the conv front end's)
    const dx = l > 0 ? ws.layers[l - 1].dy : ws.conv ? ws.conv.dy : null
    if (dx) dx.fill(0, 0, T * B * L.In)
    for (let d = 0; d < D; d++) {
      const c = L.dirs[d]
      if (L.dy.length === 0) {
        // bi top layer: dh = dlogits · Wout[:, dH : (d+1)H], in the direction's time order
        const dl: A = d === 0 ? dlogits : ws.logitsRev
        k.gemm(false, false, T * B, H, C, dl, 0, C, m.p.Wout, d * H, DH, 0, c.ws.dh, 0, H)
      } else if (D === 1 && c.ws.dh !== L.dy) {
        c.ws.dh.set(L.dy.subarray(0, T * B * H)) // uni residual: dh = dy (0 on padding rows)
      } else if (c.ws.dh !== L.dy) {
        copyRows(c.ws.dh, H, 0, L.dy, D * H, d * H, lengths, T, H, d === 1)
      }
      const [xd, reverse] = d === 1 && L.xRev ? [L.xRev, null] : [input, d === 1 ? lengths : null]
      cellBackward(dx, m.g.cells[l][d], c, xd, m.p.cells[l][d], { ...dims, reverse }, k)
    }
    if (dx && ws.dropoutOn && L.mask) for (let q = 0; q < T * B * L.In; q++) dx[q] *= L.mask[q]
    if (dx && L.residual) {
      // dyˡ⁻¹ += dyˡ through the skip (after the mask: the skip carries the undropped yˡ⁻¹)
      if (L.dy.length > 0) for (let q = 0; q < T * B * DH; q++) dx[q] += L.dy[q]
      else k.gemm(false, false, T * B, DH, C, dlogits, 0, C, m.p.Wout, 0, DH, 1, dx, 0, DH)
    }
  }
  if (ws.conv) convBackward(ws.conv, x, lengths, T, convOf(m)!, k)
}

/**
 * The tagger's conv front end as conv.ts's module: views into the tagger's own flat params and
 * grads (running statistics included), or null without one.
 */
export function convOf<A extends FloatArray>(m: Tagger<A>): ConvModule<A> | null {
  const config = frontEndOf(m.config)
  if (!config || !m.p.front || !m.g.front) return null
  return {
    config,
    p: m.p.front,
    g: m.g.front,
    running: m.p.front.map((f) => ({ mean: f.mean, var: f.var })),
  }
}

/**
 * The tagger's attention layer as attention.ts's module: its config and views into the tagger's
 * own flat params and grads (no copies), or null without attention.
 */
export function attentionOf<A extends FloatArray>(m: Tagger<A>): AttentionLayer<A> | null {
  const config = attentionConfigOf(m.config)
  if (!config || !m.p.attn || !m.g.attn) return null
  const entries = m.layout.entries.filter((e) => e.name.startsWith('self_attn.'))
  const [from, to] = [entries[0].offset, entries[3].offset + entries[3].length]
  return {
    config,
    layout: { entries: entries.map((e) => ({ ...e, offset: e.offset - from })), size: to - from },
    params: m.params.subarray(from, to) as A,
    grads: m.grads.subarray(from, to) as A,
    p: m.p.attn,
    g: m.g.attn,
  }
}

/**
 * Reads the forward-direction state after frame `at − 1` of each sequence (at most its length;
 * a sequence of length 0 keeps the state it started with) into `out`, for the next TBPTT window.
 */
export function carryState<A extends FloatArray>(
  out: TaggerState<A>,
  ws: TaggerWorkspace<A>,
  lengths: Int32Array,
  at: number,
  m: Tagger<A>,
): void {
  const B = lengths.length
  const H = m.config.hiddenSize
  for (let l = 0; l < m.config.numLayers; l++) {
    const c = ws.layers[l].dirs[0]
    for (let b = 0; b < B; b++) {
      const t = Math.min(at, lengths[b]) - 1
      const src = t < 0 ? c.ws.h0 : c.ws.h
      const o = t < 0 ? b * H : (t * B + b) * H
      out.h[l].set(src.subarray(o, o + H), b * H)
      if (c.kind === 'lstm') {
        const cs = t < 0 ? c.ws.c0 : c.ws.c
        out.c![l].set(cs.subarray(o, o + H), b * H)
      }
    }
  }
}
