/**
 * The convolutional front end of a CRNN: blocks of
 *   Conv2d(Cin → Cout, 3×3, padding 1, no bias) → BatchNorm2d → ReLU → MaxPool2d((1, p))
 * over the (time × frequency) image of a sequence, pooling over frequency only so frames stay
 * frames, then each frame's (C, F') map flattened channel-major (c·F' + f, PyTorch's
 * `permute(0, 2, 1, 3).reshape(B, T, C·F')`) as the recurrent stack's input. A conv bias would
 * be cancelled by the batch norm's mean, so there is none.
 *
 * Activations are time-major and channel-last, (T, B, W, C); the tagger's input (T, B, F) is the
 * first block's (T, B, F, 1). Frames t ≥ lengths[b] are zero padding: the convolution reads
 * them as 0 (its 'same' padding in time, at each sequence's own end), the batch norm leaves them
 * out of its statistics (batchnorm.ts) and the output there is 0, so a sequence's output does not
 * depend on the batch it is in (in eval mode).
 *
 * The convolution is im2col into the kernels' GEMM: per tile of frames, cols (M, 9·Cin) holds
 * each output position's 3×3×Cin patch in the order (kt, kf, ci) — for channel-last input, three
 * contiguous runs of 3·Cin values — and Wp is W permuted to that order, then
 *   a (M, Cout) = cols · Wpᵀ,  dWp += daᵀ · cols (→ dW),  dcols = da · Wp → col2im into dx.
 * Tiles keep cols under 2²⁰ values (4 MB float32) whatever the batch.
 *
 * Receptive field: each block sees one frame each side, so the front end needs `blocks` frames
 * of context on each side (`convContext`); streaming windows must overlap by at least that.
 */
import {
  BN_EPS,
  allocBatchNormCache,
  batchNormBackward,
  batchNormForward,
  type BatchNormCache,
  type FrameRows,
} from './batchnorm'
import type { FloatArray, Kernels } from './kernels'
import { createModule, namedViews, packedLayout, type Module, type NamedShape } from './layout'
import type { ParamLayout } from './layout'

export interface ConvBlockConfig {
  /** Output channels. */
  channels: number
  /** Max-pooling width over frequency (1 = none). */
  pool: number
}

export interface ConvFrontEndConfig {
  /** F: features per frame (the image's frequency axis). */
  inputSize: number
  blocks: ConvBlockConfig[]
}

export interface ConvBlockParams<A extends FloatArray> {
  W: A // (Cout, Cin, 3, 3)
  gamma: A // (Cout)
  beta: A // (Cout)
}

export type ConvFrontEnd<A extends FloatArray> = Module<
  ConvFrontEndConfig,
  ConvBlockParams<A>[],
  A
> & {
  /** Batch norm running statistics (not trained: kept apart from params and grads). */
  stats: A
  running: { mean: A; var: A }[]
}

/** What the forward and backward read: the config, params, grads and running statistics. */
export interface ConvModule<A extends FloatArray> {
  config: ConvFrontEndConfig
  p: ConvBlockParams<A>[]
  g: ConvBlockParams<A>[]
  running: { mean: A; var: A }[]
}

/**
 * Batch statistics summed over forwards (training mode), per block: Σ N μ and Σ N (σ² + μ²)
 * per channel and Σ N, for running statistics over many batches at once (`setRunningFrom`).
 */
export interface ConvStatistics {
  sum: Float64Array[]
  sumSq: Float64Array[]
  count: number[]
}

export const allocConvStatistics = (c: ConvFrontEndConfig): ConvStatistics => ({
  sum: c.blocks.map((b) => new Float64Array(b.channels)),
  sumSq: c.blocks.map((b) => new Float64Array(b.channels)),
  count: c.blocks.map(() => 0),
})

/** running mean, var ← the population mean and variance the summed statistics give. */
export function setRunningFrom<A extends FloatArray>(
  running: { mean: A; var: A }[],
  s: ConvStatistics,
): void {
  running.forEach((r, i) => {
    const N = s.count[i]
    if (N === 0) return
    for (let c = 0; c < r.mean.length; c++) {
      const mean = s.sum[i][c] / N
      r.mean[c] = mean
      r.var[c] = Math.max(0, s.sumSq[i][c] / N - mean * mean)
    }
  })
}

/** Width (frequency bins) and channels after each block: [F, 1], then per block. */
export function convShapes(c: ConvFrontEndConfig): { W: number; C: number }[] {
  const out = [{ W: c.inputSize, C: 1 }]
  for (const b of c.blocks) out.push({ W: Math.floor(out.at(-1)!.W / b.pool), C: b.channels })
  return out
}

/** Features per frame the front end gives the recurrent stack: C·F' of the last block. */
export function convOutputSize(c: ConvFrontEndConfig): number {
  const last = convShapes(c).at(-1)!
  return last.W * last.C
}

/** Frames of context each side the front end reads (one per 3×3 block). */
export const convContext = (c: ConvFrontEndConfig): number => c.blocks.length

export function checkConvConfig(c: ConvFrontEndConfig): void {
  const ok = (x: number, lo: number, hi: number) => Number.isInteger(x) && x >= lo && x <= hi
  if (!ok(c.inputSize, 1, 1e6)) throw new RangeError(`conv inputSize ${c.inputSize}`)
  if (!ok(c.blocks.length, 1, 8))
    throw new RangeError(`conv blocks ${c.blocks.length} outside 1..8`)
  for (const b of c.blocks) {
    if (!ok(b.channels, 1, 1024))
      throw new RangeError(`conv channels ${b.channels} outside 1..1024`)
    if (!ok(b.pool, 1, 64)) throw new RangeError(`conv pool ${b.pool} outside 1..64`)
  }
  const shapes = convShapes(c)
  if (shapes.some((s) => s.W < 1))
    throw new RangeError(
      `conv pooling ${c.blocks.map((b) => b.pool).join('×')} leaves no frequency bin of ${c.inputSize} features`,
    )
}

/** PyTorch state_dict names: front.{i}.conv.weight, front.{i}.bn.weight, front.{i}.bn.bias. */
export function convLayout(c: ConvFrontEndConfig): ParamLayout {
  checkConvConfig(c)
  const s = convShapes(c)
  const t: NamedShape[] = []
  c.blocks.forEach((b, i) => {
    t.push([`front.${i}.conv.weight`, [b.channels, s[i].C, 3, 3]])
    t.push([`front.${i}.bn.weight`, [b.channels]])
    t.push([`front.${i}.bn.bias`, [b.channels]])
  })
  return packedLayout(t)
}

/** The running statistics' layout: front.{i}.bn.running_mean, front.{i}.bn.running_var. */
export function convStatsLayout(c: ConvFrontEndConfig): ParamLayout {
  return packedLayout(
    c.blocks.flatMap((b, i): NamedShape[] => [
      [`front.${i}.bn.running_mean`, [b.channels]],
      [`front.${i}.bn.running_var`, [b.channels]],
    ]),
  )
}

function convViews<A extends FloatArray>(flat: A, c: ConvFrontEndConfig): ConvBlockParams<A>[] {
  const v = namedViews(flat, convLayout(c))
  return c.blocks.map((_, i) => ({
    W: v.get(`front.${i}.conv.weight`)!,
    gamma: v.get(`front.${i}.bn.weight`)!,
    beta: v.get(`front.${i}.bn.bias`)!,
  }))
}

/** Params, grads and running statistics at PyTorch's initial batch norm (γ 1, β 0, mean 0, var 1). */
export function createConvFrontEnd<A extends FloatArray>(
  c: ConvFrontEndConfig,
  k: Pick<Kernels<A>, 'alloc'>,
): ConvFrontEnd<A> {
  const m = createModule<ConvFrontEndConfig, ConvBlockParams<A>[], A>(
    c,
    convLayout(c),
    convViews,
    (n) => k.alloc(n),
  )
  const statsLayout = convStatsLayout(c)
  const stats = k.alloc(statsLayout.size)
  const sv = namedViews(stats, statsLayout)
  const running = c.blocks.map((_, i) => ({
    mean: sv.get(`front.${i}.bn.running_mean`)!,
    var: sv.get(`front.${i}.bn.running_var`)!.fill(1) as A,
  }))
  for (const p of m.p) p.gamma.fill(1)
  return { ...m, stats, running }
}

/** Kaiming-uniform conv weights as PyTorch initialises Conv2d (bound 1/√(Cin·9)). */
export function initConvFrontEnd<A extends FloatArray>(
  m: ConvFrontEnd<A>,
  rng: { uniform(lo?: number, hi?: number): number },
): void {
  const s = convShapes(m.config)
  m.p.forEach((p, i) => {
    const bound = 1 / Math.sqrt(s[i].C * 9)
    for (let q = 0; q < p.W.length; q++) p.W[q] = rng.uniform(-bound, bound)
    p.gamma.fill(1)
    p.beta.fill(0)
  })
  m.running.forEach((r) => (r.mean.fill(0), r.var.fill(1)))
}

interface BlockWorkspace<A extends FloatArray> {
  Win: number
  Cin: number
  W: number // = Win (same padding)
  Wout: number
  C: number
  a: A // (T, B, W, C) conv output
  r: A // (T, B, W, C) BN then ReLU output
  o: A // (T, B, Wout, C) pooled output
  arg: Int32Array // (T, B, Wout, C) argmax position within the pool window
  Wp: A // (C, 3, 3, Cin) the weights in im2col's order (set by each forward)
  dWp: A // (C, 3, 3, Cin) their gradient over one backward
  bn: BatchNormCache
}

export interface ConvWorkspace<A extends FloatArray> {
  Tmax: number
  Bmax: number
  blocks: BlockWorkspace<A>[]
  cols: A // (tile, Cin·9) im2col tile
  dcols: A
  tileValues: number
  /** (T, B, C·F') the recurrent stack's input, channel-major per frame. */
  y: A
  /** (T, B, C·F') dL/dy, written by the caller before convBackward. */
  dy: A
  /** dL/d(block input) scratch, (T, B, W, C) of the largest block input. */
  dx: [A, A]
  training: boolean
}

/** Values of the im2col tile (2²⁰: 4 MB float32). */
const TILE_VALUES = 2 ** 20

export function allocConvWorkspace<A extends FloatArray>(
  c: ConvFrontEndConfig,
  k: Pick<Kernels<A>, 'alloc'>,
  Tmax: number,
  Bmax: number,
): ConvWorkspace<A> {
  const s = convShapes(c)
  const n = Tmax * Bmax
  let maxTile = 0
  let maxAct = 0
  const blocks = c.blocks.map((b, i): BlockWorkspace<A> => {
    const [Win, Cin, Wout] = [s[i].W, s[i].C, s[i + 1].W]
    maxTile = Math.max(maxTile, Cin * 9 * Win * Bmax)
    maxAct = Math.max(maxAct, n * Win * Math.max(Cin, b.channels))
    return {
      Win,
      Cin,
      W: Win,
      Wout,
      C: b.channels,
      a: k.alloc(n * Win * b.channels),
      r: k.alloc(n * Win * b.channels),
      o: k.alloc(n * Wout * b.channels),
      arg: new Int32Array(n * Wout * b.channels),
      Wp: k.alloc(b.channels * Cin * 9),
      dWp: k.alloc(b.channels * Cin * 9),
      bn: allocBatchNormCache(b.channels),
    }
  })
  // at least one frame of every block
  const tileValues = Math.max(TILE_VALUES, maxTile)
  return {
    Tmax,
    Bmax,
    blocks,
    cols: k.alloc(tileValues),
    dcols: k.alloc(tileValues),
    tileValues,
    y: k.alloc(n * convOutputSize(c)),
    dy: k.alloc(n * convOutputSize(c)),
    dx: [k.alloc(maxAct), k.alloc(maxAct)],
    training: false,
  }
}

/** Frames per im2col tile for a block: all positions of `frames` frames fit the tile. */
const tileFrames = (ws: ConvWorkspace<FloatArray>, B: number, W: number, K: number): number =>
  Math.max(1, Math.floor(ws.tileValues / (B * W * K)))

/**
 * cols (rows of frames t0..t1) ← 3×3 patches of x (T, B, W, Cin), zero outside each length, in
 * the order (kt, kf, ci): with channel-last input a patch row's three bins f−1…f+1 are 3·Cin
 * contiguous values, copied in one run (the weights are permuted to match, `permuteWeights`).
 */
function im2col<A extends FloatArray>(
  cols: A,
  x: A,
  t0: number,
  t1: number,
  B: number,
  W: number,
  Cin: number,
  lengths: Int32Array,
): void {
  const K = Cin * 9
  const run = 3 * Cin
  let o = 0
  for (let t = t0; t < t1; t++)
    for (let b = 0; b < B; b++)
      for (let f = 0; f < W; f++, o += K)
        for (let kt = 0; kt < 3; kt++) {
          const tt = t + kt - 1
          const at = o + kt * run
          if (tt < 0 || tt >= lengths[b]) {
            cols.fill(0, at, at + run)
            continue
          }
          // bins lo…hi−1 of f−1…f+1 exist; the rest is the frequency axis' zero padding
          const lo = f === 0 ? 1 : 0
          const hi = f === W - 1 ? 2 : 3
          const src = ((tt * B + b) * W + f - 1) * Cin
          for (let q = 0; q < lo * Cin; q++) cols[at + q] = 0
          for (let q = lo * Cin; q < hi * Cin; q++) cols[at + q] = x[src + q]
          for (let q = hi * Cin; q < run; q++) cols[at + q] = 0
        }
}

/** dx (T, B, W, Cin) += the patches of dcols (the transpose of im2col). */
function col2im<A extends FloatArray>(
  dx: A,
  dcols: A,
  t0: number,
  t1: number,
  B: number,
  W: number,
  Cin: number,
  lengths: Int32Array,
): void {
  const K = Cin * 9
  const run = 3 * Cin
  let o = 0
  for (let t = t0; t < t1; t++)
    for (let b = 0; b < B; b++)
      for (let f = 0; f < W; f++, o += K)
        for (let kt = 0; kt < 3; kt++) {
          const tt = t + kt - 1
          if (tt < 0 || tt >= lengths[b]) continue
          const at = o + kt * run
          const lo = f === 0 ? 1 : 0
          const hi = f === W - 1 ? 2 : 3
          const dst = ((tt * B + b) * W + f - 1) * Cin
          for (let q = lo * Cin; q < hi * Cin; q++) dx[dst + q] += dcols[at + q]
        }
}

/** Wp (Cout, 3, 3, Cin) ← W (Cout, Cin, 3, 3): PyTorch's order to im2col's. */
function permuteWeights(Wp: FloatArray, W: FloatArray, Cout: number, Cin: number): void {
  for (let co = 0; co < Cout; co++)
    for (let ci = 0; ci < Cin; ci++)
      for (let j = 0; j < 9; j++) Wp[co * 9 * Cin + j * Cin + ci] = W[(co * Cin + ci) * 9 + j]
}

/** dW (Cout, Cin, 3, 3) += dWp (Cout, 3, 3, Cin): the inverse of permuteWeights, accumulated. */
function addPermutedBack(dW: FloatArray, dWp: FloatArray, Cout: number, Cin: number): void {
  for (let co = 0; co < Cout; co++)
    for (let ci = 0; ci < Cin; ci++)
      for (let j = 0; j < 9; j++) dW[(co * Cin + ci) * 9 + j] += dWp[co * 9 * Cin + j * Cin + ci]
}

/**
 * Forward over x (T, B, F) with per-sequence lengths; leaves the recurrent stack's input in
 * ws.y (T, B, C·F'), 0 on padding frames. Training uses batch statistics and updates the
 * running ones; eval uses the running ones.
 */
export function convForward<A extends FloatArray>(
  ws: ConvWorkspace<A>,
  x: A,
  lengths: Int32Array,
  T: number,
  m: ConvModule<A>,
  k: Kernels<A>,
  training: boolean,
  opts: {
    /** Update the running statistics by momentum (PyTorch's training step); default true. */
    updateRunning?: boolean
    /** Add each block's batch statistics here (training mode). */
    statistics?: ConvStatistics
  } = {},
): void {
  const B = lengths.length
  if (T > ws.Tmax || B > ws.Bmax) throw new RangeError(`batch (${T}, ${B}) exceeds conv workspace`)
  ws.training = training
  let input: A = x
  ws.blocks.forEach((blk, i) => {
    const { W, Cin, C, Wout } = blk
    const K = Cin * 9
    const p = m.p[i]
    permuteWeights(blk.Wp, p.W, C, Cin)
    const step = tileFrames(ws, B, W, K)
    for (let t0 = 0; t0 < T; t0 += step) {
      const t1 = Math.min(T, t0 + step)
      const M = (t1 - t0) * B * W
      im2col(ws.cols, input, t0, t1, B, W, Cin, lengths)
      k.gemm(false, true, M, C, K, ws.cols, 0, K, blk.Wp, 0, K, 0, blk.a, t0 * B * W * C, C)
    }
    const rows: FrameRows = { T, B, W, lengths }
    const running =
      training && opts.updateRunning === false
        ? { mean: new Float64Array(C), var: new Float64Array(C) } // updated, then dropped
        : m.running[i]
    batchNormForward(blk.r, blk.a, rows, C, p.gamma, p.beta, running, blk.bn, training)
    if (training && opts.statistics) {
      const st = opts.statistics
      const N = blk.bn.count
      for (let c = 0; c < C; c++) {
        const mu = blk.bn.mean[c]
        const v = 1 / blk.bn.invStd[c] ** 2 - BN_EPS
        st.sum[i][c] += N * mu
        st.sumSq[i][c] += N * (v + mu * mu)
      }
      st.count[i] += N
    }
    const n = T * B * W * C
    for (let q = 0; q < n; q++) if (!(blk.r[q] > 0)) blk.r[q] = 0
    // max over each pool window of frequency bins, per channel (bins past Wout·pool dropped)
    const pool = m.config.blocks[i].pool
    for (let fr = 0; fr < T * B; fr++)
      for (let g = 0; g < Wout; g++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity
          let at = 0
          for (let j = 0; j < pool; j++) {
            const v = blk.r[(fr * W + g * pool + j) * C + c]
            if (v > best) {
              best = v
              at = j
            }
          }
          blk.o[(fr * Wout + g) * C + c] = best
          blk.arg[(fr * Wout + g) * C + c] = at
        }
    input = blk.o
  })
  // y[t, b, c·F' + f] = o[t, b, f, c]
  const last = ws.blocks.at(-1)!
  const [Fo, C] = [last.Wout, last.C]
  for (let fr = 0; fr < T * B; fr++)
    for (let f = 0; f < Fo; f++)
      for (let c = 0; c < C; c++) ws.y[fr * C * Fo + c * Fo + f] = last.o[(fr * Fo + f) * C + c]
}

/**
 * Backward from ws.dy (T, B, C·F') for the batch of the last forward; accumulates into m.grads.
 * The input's gradient is not needed (features are data), so block 0 computes none.
 */
export function convBackward<A extends FloatArray>(
  ws: ConvWorkspace<A>,
  x: A,
  lengths: Int32Array,
  T: number,
  m: ConvModule<A>,
  k: Kernels<A>,
): void {
  const B = lengths.length
  const last = ws.blocks.at(-1)!
  let dOut: A = ws.dx[0]
  {
    const [Fo, C] = [last.Wout, last.C]
    for (let fr = 0; fr < T * B; fr++)
      for (let f = 0; f < Fo; f++)
        for (let c = 0; c < C; c++) dOut[(fr * Fo + f) * C + c] = ws.dy[fr * C * Fo + c * Fo + f]
  }
  for (let i = ws.blocks.length - 1; i >= 0; i--) {
    const blk = ws.blocks[i]
    const { W, Cin, C, Wout } = blk
    const K = Cin * 9
    const p = m.p[i]
    const g = m.g[i]
    const pool = m.config.blocks[i].pool
    // dr (T, B, W, C) in the other scratch buffer: the pooled gradient routed to each window's
    // maximum, through the ReLU (0 where its output was 0, padding included)
    const dr = ws.dx[1].subarray(0, T * B * W * C) as A
    dr.fill(0)
    for (let fr = 0; fr < T * B; fr++)
      for (let gq = 0; gq < Wout; gq++)
        for (let c = 0; c < C; c++) {
          const q = (fr * Wout + gq) * C + c
          const at = (fr * W + gq * pool + blk.arg[q]) * C + c
          if (blk.r[at] > 0) dr[at] = dOut[q]
        }
    const rows: FrameRows = { T, B, W, lengths }
    // da overwrites dr (batchNormBackward allows dx = dy)
    batchNormBackward(dr, g.gamma, g.beta, dr, blk.a, rows, C, p.gamma, blk.bn)
    const da = dr
    const input: A = i === 0 ? x : ws.blocks[i - 1].o
    const dIn: A | null = i === 0 ? null : (ws.dx[0].subarray(0, T * B * W * Cin) as A)
    dIn?.fill(0)
    blk.dWp.fill(0)
    const step = tileFrames(ws, B, W, K)
    for (let t0 = 0; t0 < T; t0 += step) {
      const t1 = Math.min(T, t0 + step)
      const M = (t1 - t0) * B * W
      const off = t0 * B * W * C
      im2col(ws.cols, input, t0, t1, B, W, Cin, lengths)
      k.gemm(true, false, C, K, M, da, off, C, ws.cols, 0, K, 1, blk.dWp, 0, K)
      if (dIn) {
        k.gemm(false, false, M, K, C, da, off, C, blk.Wp, 0, K, 0, ws.dcols, 0, K)
        col2im(dIn, ws.dcols, t0, t1, B, W, Cin, lengths)
      }
    }
    addPermutedBack(g.W, blk.dWp, C, Cin)
    if (dIn) dOut = dIn
  }
}
