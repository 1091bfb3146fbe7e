/**
 * Data-parallel training steps: the batch is split across `threads` model replicas (the calling
 * thread runs shard 0, worker threads the others), each computes forward + backward on its shard,
 * and the shard gradients are summed in a fixed order into one flat array. The optimiser then
 * steps once, in the calling thread, on the one parameter array every replica reads: replicas can
 * never drift apart.
 *
 * Memory: params and per-shard grads live in SharedArrayBuffers (no copies per step); each shard
 * has its own workspace sized for its part of the batch. Synchronisation is one Atomics counter
 * per step (no postMessage on the hot path).
 *
 * Shards take batch columns b ≡ s (mod threads): batches are sorted longest first, so interleaving
 * keeps every shard sorted and gives them near-equal work. The loss of each shard is normalised by
 * the whole batch's Σ w_y (a sigmoid head's: its count of valid (frame, class) entries, and its
 * targets are (T, B, C) floats instead of (T, B) labels), so the summed gradient is the
 * gradient of the whole batch; 1 and N
 * threads agree up to float32 summation order (dropout masks differ: each shard draws its own).
 *
 * `maxRowsPerPass` bounds memory: a replica's workspace (the cached activations, ~all of the
 * memory on big configs) is sized for that many rows, and a shard with more rows runs several
 * passes, accumulating gradients (exact, like the shards themselves). Fewer rows per pass make
 * the recurrent products narrower, so it trades speed for memory.
 */
import type { Worker } from 'node:worker_threads'
import { binaryCrossEntropy, validTargets, type BceOptions } from '../../models/bce'
import type { Kernels } from '../../models/kernels'
import { crossEntropy, type LossOptions } from '../../models/loss'
import { clipGradNorm, type Optimizer } from '../../models/optim'
import { paramLayout, taggerViews } from '../../models/params'
import { Rng } from '../../models/rng'
import {
  allocWorkspace,
  taggerBackward,
  taggerForward,
  type Tagger,
  type TaggerConfig,
  type TaggerWorkspace,
} from '../../models/tagger'
import { startWorker } from '../workers'
import { pickKernels, type KernelsChoice } from '../kernels/load'

/** Slots of the Int32Array control block shared with the workers. */
export const CTRL = {
  /** Step generation: bumped by the caller to start a step; −1 asks workers to exit. */
  gen: 0,
  /** Workers that finished the current generation. */
  done: 1,
  /** Sequence length T of the current step. */
  T: 2,
  /** Set to 1 by a worker that failed (its message is in the error buffer). */
  failed: 3,
  size: 4,
} as const

/** What a shard worker gets as workerData. */
export interface ShardInit {
  config: TaggerConfig
  kernels: KernelsChoice
  shard: number
  Tmax: number
  /** Rows per pass: the workspace size, and the stride of the per-pass blocks below. */
  rows: number
  /** Passes per step (blocks of x, labels, lengths). */
  passes: number
  params: SharedArrayBuffer
  grads: SharedArrayBuffer
  /** (passes, Tmax, rows, F): pass p's batch (T, B_p, F) at p·Tmax·rows·F. */
  x: SharedArrayBuffer
  /** (passes, Tmax, rows) likewise. */
  labels: SharedArrayBuffer
  /** (passes, Tmax, rows, C) multi-hot targets of a sigmoid head (else empty), likewise. */
  targets: SharedArrayBuffer
  /** (passes, rows). */
  lengths: SharedArrayBuffer
  /** Float64 [lossSum, norm, dropout seed, unused, B_0 … B_{passes−1}] (rows of each pass). */
  stats: SharedArrayBuffer
  ctrl: SharedArrayBuffer
  error: SharedArrayBuffer
  loss: TrainLoss
}

/** The loss options of either head (softmax: classWeights, ignoreLabel; sigmoid: both weights). */
export type TrainLoss = Omit<LossOptions, 'norm'> & Omit<BceOptions, 'norm'>

export interface ParallelOptions {
  /** Threads computing shards, the caller included (1 = no workers). */
  threads: number
  /** Longest sequence (T) and largest batch (B) a step may get. */
  Tmax: number
  Bmax: number
  /** Rows a replica processes at once (bounds workspace memory); default: its whole shard. */
  maxRowsPerPass?: number
  /** Which kernels the replicas use ('auto': native when built, else TS). */
  kernels?: KernelsChoice
  /** Class weights and ignore label for the loss (sigmoid head: class and positive weights). */
  loss?: TrainLoss
  /** Seed of the dropout masks (shard s of step n draws from seed + 7919·n + s). */
  seed?: number
}

export interface StepResult {
  /** Mean loss over the batch's valid frames (weighted). */
  loss: number
  /** Valid frames in the batch. */
  count: number
  /** Global gradient norm before clipping (NaN when not clipped). */
  gradNorm: number
}

/** Shared buffers of one shard (shard 0's are used in the calling thread). */
interface ShardBuffers {
  grads: Float32Array // (P)
  x: Float32Array // (passes, Tmax, rows, F)
  labels: Int32Array // (passes, Tmax, rows)
  targets: Float32Array // (passes, Tmax, rows, C), sigmoid head only
  lengths: Int32Array // (passes, rows)
  stats: Float64Array // [lossSum, norm, seed, −, B_0 …]
}

interface Shard extends ShardBuffers {
  init: ShardInit
}

/** Typed views of a shard's shared buffers (in the caller or in a worker). */
export function shardViews(init: ShardInit): ShardBuffers {
  return {
    grads: new Float32Array(init.grads),
    x: new Float32Array(init.x),
    labels: new Int32Array(init.labels),
    targets: new Float32Array(init.targets),
    lengths: new Int32Array(init.lengths),
    stats: new Float64Array(init.stats),
  }
}

const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(8, bytes))

export class DataParallelTrainer {
  /** The model: params (shared with every replica) and the summed gradients of the last step. */
  readonly model: Tagger<Float32Array>
  readonly threads: number
  /** Passes per shard and step (> 1 when maxRowsPerPass splits a shard). */
  readonly passes: number
  private readonly shards: Shard[]
  private readonly workers: Worker[] = []
  /** Kernels each worker replica loaded (normally all equal to `kernelsName`). */
  readonly workerKernels: string[] = []
  private readonly ctrl: Int32Array
  private readonly errorText: Uint8Array
  private readonly ws: TaggerWorkspace<Float32Array>
  private readonly shard0: Tagger<Float32Array>
  private readonly k: Kernels
  private gen = 0
  private closed = false

  private constructor(
    readonly config: TaggerConfig,
    private readonly opts: ParallelOptions,
  ) {
    const threads = Math.max(1, Math.min(opts.threads, opts.Bmax))
    this.threads = threads
    this.k = pickKernels(opts.kernels ?? 'auto')
    const P = paramLayout(config).size
    const params = new Float32Array(sab(4 * P))
    const ctrlBuf = sab(4 * CTRL.size)
    const errorBuf = sab(2048)
    this.ctrl = new Int32Array(ctrlBuf)
    this.errorText = new Uint8Array(errorBuf)
    const F = config.inputSize
    const perThread = Math.ceil(opts.Bmax / threads)
    const rows = Math.max(1, Math.min(perThread, opts.maxRowsPerPass ?? perThread))
    const passes = Math.ceil(perThread / rows)
    const sigmoid = config.head === 'sigmoid'
    this.passes = passes
    this.shards = []
    for (let s = 0; s < threads; s++) {
      const init: ShardInit = {
        config,
        kernels: opts.kernels ?? 'auto',
        shard: s,
        Tmax: opts.Tmax,
        rows,
        passes,
        params: params.buffer as SharedArrayBuffer,
        grads: sab(4 * P),
        x: sab(4 * passes * opts.Tmax * rows * F),
        labels: sab(4 * passes * opts.Tmax * rows),
        targets: sab(sigmoid ? 4 * passes * opts.Tmax * rows * config.numClasses : 0),
        lengths: sab(4 * passes * rows),
        stats: sab(8 * (4 + passes)),
        ctrl: ctrlBuf,
        error: errorBuf,
        loss: opts.loss ?? {},
      }
      this.shards.push({ ...shardViews(init), init })
    }
    // The caller's replica computes shard 0; its grads array receives the sum of all shards.
    const grads0 = this.shards[0].grads
    this.shard0 = {
      config,
      layout: paramLayout(config),
      params,
      grads: grads0,
      p: taggerViews(params, config),
      g: taggerViews(grads0, config),
    }
    this.model = this.shard0
    this.ws = allocWorkspace(config, this.k, opts.Tmax, rows)
  }

  /** Starts the worker replicas; resolves when every one has loaded its kernels. */
  static async create(config: TaggerConfig, opts: ParallelOptions): Promise<DataParallelTrainer> {
    const t = new DataParallelTrainer(config, opts)
    try {
      await Promise.all(t.shards.slice(1).map((s) => t.spawn(s.init)))
    } catch (e) {
      await t.close()
      throw e
    }
    return t
  }

  private spawn(init: ShardInit): Promise<void> {
    const w = startWorker('train-shard', { workerData: init })
    this.workers.push(w)
    return new Promise((resolve, reject) => {
      w.once('message', (m: { ready?: string } | string) => {
        if (typeof m === 'object' && m.ready) {
          this.workerKernels[init.shard - 1] = m.ready
          resolve()
        } else reject(new Error(`shard worker: ${String(m)}`))
      })
      w.once('error', reject)
      w.once('exit', (code) => reject(new Error(`shard worker exited (${code}) before ready`)))
    })
  }

  /** Name of the kernels the replicas use. */
  get kernelsName(): string {
    return this.k.name
  }

  /**
   * Forward + backward over the batch on all shards; leaves Σ gradients in model.grads.
   * x (T, B, F), labels (T, B) — a sigmoid head's targets (T, B, C), −1 = masked — and lengths
   * (B) sorted longest first (time-major, as models/).
   */
  gradients(
    x: Float32Array,
    labels: Int32Array | Float32Array,
    lengths: Int32Array,
    T: number,
  ): StepResult {
    if (this.closed) throw new Error('trainer is closed')
    const { threads, shards } = this
    const B = lengths.length
    const F = this.config.inputSize
    if (T > this.opts.Tmax || B > this.opts.Bmax) throw new RangeError(`batch (${T}, ${B}) too big`)
    const C = this.config.numClasses
    const sigmoid = this.config.head === 'sigmoid'
    if (sigmoid !== labels instanceof Float32Array)
      throw new TypeError(
        sigmoid ? 'a sigmoid head takes (T, B, C) float targets' : 'labels must be an Int32Array',
      )
    // Global normaliser (Σ w_y over valid frames; sigmoid: valid entries): every shard divides by it.
    const { classWeights: w, ignoreLabel = -1 } = this.opts.loss ?? {}
    let norm = 0
    let count = 0
    if (sigmoid) norm = count = validTargets(labels, lengths, T, B, C)
    else
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++) {
          const y = labels[t * B + b]
          if (t < lengths[b] && y !== ignoreLabel) {
            norm += w ? w[y] : 1
            count++
          }
        }
    // Units u = s + threads·p (thread s, pass p) take batch columns b ≡ u (mod U): every unit
    // stays sorted longest first and gets a near-equal share.
    const U = threads * this.passes
    for (let u = 0; u < U; u++) {
      const sh = shards[u % threads]
      const p = Math.floor(u / threads)
      const rows = sh.init.rows
      const Bu = u < B ? Math.ceil((B - u) / U) : 0
      const x0 = p * this.opts.Tmax * rows
      sh.stats[4 + p] = Bu
      for (let i = 0; i < Bu; i++) sh.lengths[p * rows + i] = lengths[u + i * U]
      // Plain loops: a subarray per row costs more than the copy itself for small F.
      const xs = sh.x
      for (let t = 0; t < T; t++)
        for (let i = 0; i < Bu; i++) {
          const b = u + i * U
          if (sigmoid) {
            const [src, dst] = [(t * B + b) * C, (x0 + t * Bu + i) * C]
            for (let c = 0; c < C; c++) sh.targets[dst + c] = labels[src + c]
          } else sh.labels[x0 + t * Bu + i] = labels[t * B + b]
          const src = (t * B + b) * F
          const dst = (x0 + t * Bu + i) * F
          for (let f = 0; f < F; f++) xs[dst + f] = x[src + f]
        }
    }
    for (let s = 0; s < threads; s++) {
      shards[s].stats[1] = norm
      shards[s].stats[2] = (this.opts.seed ?? 1) + 7919 * this.gen + s
    }
    // Start the workers, compute shard 0 here, then wait for the others.
    Atomics.store(this.ctrl, CTRL.T, T)
    Atomics.store(this.ctrl, CTRL.done, 0)
    this.gen++
    Atomics.store(this.ctrl, CTRL.gen, this.gen)
    Atomics.notify(this.ctrl, CTRL.gen)
    runShard(this.k, this.shard0, this.ws, shards[0], shards[0].init, T)
    while (Atomics.load(this.ctrl, CTRL.done) < threads - 1) {
      if (Atomics.load(this.ctrl, CTRL.failed)) throw new Error(this.workerError())
      const seen = Atomics.load(this.ctrl, CTRL.done)
      if (seen < threads - 1) Atomics.wait(this.ctrl, CTRL.done, seen, 1000)
    }
    if (Atomics.load(this.ctrl, CTRL.failed)) throw new Error(this.workerError())
    // Σ gradients in shard order (fixed order: deterministic for a given thread count).
    let lossSum = shards[0].stats[0]
    const g = shards[0].grads
    for (let s = 1; s < threads; s++) {
      const gs = shards[s].grads
      for (let i = 0; i < g.length; i++) g[i] += gs[i]
      lossSum += shards[s].stats[0]
    }
    return { loss: norm > 0 ? lossSum / norm : 0, count, gradNorm: NaN }
  }

  /** One training step: gradients, global-norm clipping (if clip > 0), one optimiser update. */
  step(
    x: Float32Array,
    labels: Int32Array | Float32Array,
    lengths: Int32Array,
    T: number,
    optimizer: Optimizer,
    clip = 0,
  ): StepResult {
    const r = this.gradients(x, labels, lengths, T)
    if (clip > 0) r.gradNorm = clipGradNorm(this.model.grads, clip)
    optimizer.step(this.model.params, this.model.grads)
    return r
  }

  private workerError(): string {
    const end = this.errorText.indexOf(0)
    const text = new TextDecoder().decode(this.errorText.slice(0, end < 0 ? undefined : end))
    return `shard worker failed: ${text}`
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    Atomics.store(this.ctrl, CTRL.gen, -1)
    Atomics.notify(this.ctrl, CTRL.gen)
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2000)
            w.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
          }),
      ),
    )
  }
}

/**
 * Forward + loss + backward of one shard, pass by pass, into its own grads (zeroed first);
 * stats[0] = Σ loss. Shared by the calling thread (shard 0) and the workers.
 */
export function runShard(
  k: Kernels,
  m: Tagger<Float32Array>,
  ws: TaggerWorkspace<Float32Array>,
  sh: ShardBuffers,
  init: Pick<ShardInit, 'Tmax' | 'rows' | 'passes' | 'loss'>,
  T: number,
): void {
  sh.grads.fill(0)
  const { Tmax, rows, passes } = init
  const { inputSize: F, numClasses: C, dropout } = m.config
  let lossSum = 0
  for (let p = 0; p < passes; p++) {
    const B = sh.stats[4 + p]
    if (B === 0) continue
    const x0 = p * Tmax * rows
    const x = sh.x.subarray(x0 * F, (x0 + T * B) * F)
    const labels = sh.labels.subarray(x0, x0 + T * B)
    const lengths = sh.lengths.subarray(p * rows, p * rows + B)
    const rng = new Rng(sh.stats[2] * 131 + p)
    taggerForward(ws, x, lengths, T, m, k, { training: dropout > 0, rng })
    const opts = { ...init.loss, norm: sh.stats[1] }
    const r =
      m.config.head === 'sigmoid'
        ? binaryCrossEntropy(
            ws.dlogits,
            ws.logits,
            targetsOf(sh, p, init, T, B, C),
            lengths,
            T,
            B,
            C,
            opts,
          )
        : crossEntropy(ws.dlogits, ws.logits, labels, lengths, T, B, C, opts)
    lossSum += r.sum
    taggerBackward(ws, x, lengths, T, m, k) // accumulates into m.grads
  }
  sh.stats[0] = lossSum
}

/** Pass p's (T, B, C) targets in a shard's buffers. */
function targetsOf(
  sh: ShardBuffers,
  p: number,
  init: Pick<ShardInit, 'Tmax' | 'rows'>,
  T: number,
  B: number,
  C: number,
): Float32Array {
  const x0 = p * init.Tmax * init.rows
  return sh.targets.subarray(x0 * C, (x0 + T * B) * C)
}
