/**
 * `npm run bench:longrange`: the vanishing-gradient story measured on the copying task
 * (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016), framed as frame tagging.
 *
 *   frames 0..K−1      one of S symbols (one-hot), K = --copy (1)   labels −1 (ignored)
 *   frames K..lag−2    blank                                 labels −1
 *   frame  lag−1       delimiter ("recall now")              label  −1
 *   frames lag..lag+K−1 blank                                label  symbol[t − lag]
 * so every target sits exactly `lag` frames after its cue, and only those K frames carry loss:
 * chance is 1/S accuracy and loss ln S. Unidirectional models: the forward recurrence is the
 * long-range path being measured (a backward direction never sees the cue from a recall frame).
 *
 * Rows (each one JSON line, then a markdown table on stdout; progress on stderr):
 *   longrange   lag 50/100/200 × RNN tanh (orthogonal Whh) / ReLU (identity Whh, IRNN) / LSTM /
 *               GRU × clip off / global-norm 1, and both RNNs with PyTorch's default U(±1/√H) Whh
 *   chrono      LSTM / GRU with chrono keep-gate biases ln U(1, lag) (Tallec & Ollivier 2018)
 *   delay       the temporal skip experiment: h_t = f(W·[x_{t−d+1..t}] + U·h_{t−d}), run as d
 *               interleaved chains over windows of d frames (a data reshape, no model change)
 *   residual    4-layer stacks, plain vs residual, and 1 layer for reference, on lag 50 (gated
 *               cells with chrono biases, without which even one layer stays at chance there)
 * Each row trains from the same seed with Adam (lr 2e-3, the engine default) until its time budget
 * or step cap, then scores a held-out set of 256 sequences. Times are wall clock on a shared
 * machine: step counts, hence results near the budget, are noisy; read trends, not digits.
 *
 *   npm run bench:longrange [-- --seconds 20] [--steps 4000] [--cells rnn-tanh] [--quick]
 *                           [--only longrange,chrono,delay,residual] [--lags 50,100,200]
 *                           [--residual-lags 50] [--copy 1]
 */
import { parseArgs } from 'node:util'
import { initTagger } from '../models/init'
import type { Kernels } from '../models/kernels'
import { Rng } from '../models/rng'
import { allocWorkspace, createTagger, type TaggerConfig } from '../models/tagger'
import { loadKernels } from '../engine/kernels/load'
import { scoreRecall, trainRecall } from './recall-task'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    steps: { type: 'string', default: '4000' },
    only: { type: 'string', default: 'longrange,chrono,delay,residual' },
    quick: { type: 'boolean', default: false },
    copy: { type: 'string', default: '1' },
    /** Only rows of these cells (comma-separated), e.g. rnn-tanh. */
    cells: { type: 'string', default: '' },
    /** Lags of the longrange rows. */
    lags: { type: 'string', default: '50,100,200' },
    /** Lags of the residual rows (deep stacks need a task a single layer learns in time). */
    'residual-lags': { type: 'string', default: '50' },
  },
})

const S = 4 // symbols
const K = Number(args.copy) // symbols to copy
const F = S + 2 // one-hot: symbols, blank, delimiter
const [BLANK, DELIM] = [S, S + 1]
const H = 32
const B = 32
const TEST = 256
const LR = 2e-3

interface Row {
  group: 'longrange' | 'chrono' | 'delay' | 'residual'
  cell: TaggerConfig['cell']
  lag: number
  clip: number // 0 = off
  layers: number
  residual: boolean
  delay: number // 1 = ordinary recurrence over h_{t−1}
  /**
   * init.ts's (orthogonal Whh, identity for ReLU), PyTorch's default U(±1/√H) Whh, or chrono
   * gate biases on top of ours (Tallec & Ollivier 2018).
   */
  init: 'ours' | 'uniform' | 'chrono'
}

/** A batch of copying sequences, time-major: x (T, n, F), labels (T, n). */
function copyBatch(rng: Rng, lag: number, n: number): { x: Float32Array; labels: Int32Array } {
  const T = lag + K
  const x = new Float32Array(T * n * F)
  const labels = new Int32Array(T * n).fill(-1)
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < T; t++) x[(t * n + b) * F + BLANK] = 1
    for (let j = 0; j < K; j++) {
      const s = rng.int(S)
      x[(j * n + b) * F + BLANK] = 0
      x[(j * n + b) * F + s] = 1
      labels[(lag + j) * n + b] = s
    }
    x[((lag - 1) * n + b) * F + BLANK] = 0
    x[((lag - 1) * n + b) * F + DELIM] = 1
  }
  return { x, labels }
}

/**
 * Frame t of sequence b → step ⌊t/d⌋ of chain (b, t mod d), whose input is the window
 * x_{t−d+1..t} (zeros before 0): (T, n, F) → (⌈T/d⌉, n·d, d·F). With d = 1 it is the identity.
 */
function delayed(
  x: Float32Array,
  labels: Int32Array,
  T: number,
  n: number,
  d: number,
): { x: Float32Array; labels: Int32Array; T: number; n: number } {
  if (d === 1) return { x, labels, T, n }
  const [Td, nd, Fd] = [Math.ceil(T / d), n * d, d * F]
  const xd = new Float32Array(Td * nd * Fd) // (T/d, n·d, d·F)
  const ld = new Int32Array(Td * nd).fill(-1) // (T/d, n·d)
  for (let t = 0; t < T; t++) {
    const [s, r] = [Math.floor(t / d), t % d]
    for (let b = 0; b < n; b++) {
      const row = s * nd + b * d + r
      ld[row] = labels[t * n + b]
      for (let w = 0; w < d; w++) {
        const src = t - d + 1 + w
        if (src >= 0) xd.set(x.subarray((src * n + b) * F, (src * n + b + 1) * F), row * Fd + w * F)
      }
    }
  }
  return { x: xd, labels: ld, T: Td, n: nd }
}

interface Result {
  steps: number
  seconds: number
  trainLoss: number // mean of the last 50 steps
  testLoss: number
  testAcc: number // over the K recall frames
  solvedAt: number | null // first step whose moving-average (50) train accuracy ≥ 0.99
  diverged: boolean
}

function runRow(row: Row, k: Kernels, budgetS: number, maxSteps: number): Result {
  const d = row.delay
  const cfg: TaggerConfig = {
    cell: row.cell,
    inputSize: d * F,
    hiddenSize: H,
    numLayers: row.layers,
    numClasses: S,
    bidirectional: false,
    dropout: 0,
    residual: row.residual,
  }
  const T = Math.ceil((row.lag + K) / d)
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, new Rng(1))
  if (row.init === 'uniform') {
    // PyTorch's nn.RNN default: spectral radius ≈ 1/√3 for tanh, so gradients vanish as 0.58^lag
    const u = new Rng(4)
    for (const layer of m.p.cells)
      for (const c of layer)
        for (let i = 0; i < c.Whh.length; i++) c.Whh[i] = u.uniform(-1, 1) / Math.sqrt(H)
  }
  if (row.init === 'chrono') {
    // keep-gate bias b = ln U(1, lag): memory timescales 1/(1 − σ(b)) spread up to the lag, where
    // the default biases (LSTM f: 1, GRU z: 0) forget within 2–4 frames. LSTM: b_i = −b_f.
    const u = new Rng(5)
    for (const layer of m.p.cells)
      for (const c of layer)
        for (let j = 0; j < H; j++) {
          const b = Math.log(u.uniform(1, row.lag))
          if (row.cell === 'lstm') [c.bih[H + j], c.bhh[H + j], c.bih[j], c.bhh[j]] = [b, 0, -b, 0]
          else [c.bih[H + j], c.bhh[H + j]] = [b, 0] // GRU (r, z, n): h = (1 − z)·n + z·h_{t−1}
        }
  }
  const setup = { m, ws: allocWorkspace(cfg, k, T, B * d), k, T, n: B * d }
  const batch = (rng: Rng) => {
    const raw = copyBatch(rng, row.lag, B)
    return delayed(raw.x, raw.labels, row.lag + K, B, d)
  }
  const run = trainRecall(setup, batch, new Rng(2), {
    lr: LR,
    clip: row.clip,
    seconds: budgetS,
    maxSteps,
  })
  // held-out sequences, scored in minibatches of B
  const test = scoreRecall(setup, batch, new Rng(3), TEST / B)
  return {
    steps: run.steps,
    seconds: run.seconds,
    trainLoss: mean(run.losses.slice(-50)),
    testLoss: run.diverged ? NaN : test.loss,
    testAcc: run.diverged ? NaN : test.acc,
    solvedAt: run.solvedAt,
    diverged: run.diverged,
  }
}

const mean = (a: number[]): number => a.reduce((p, q) => p + q, 0) / Math.max(1, a.length)

function rows(groups: Set<string>, quick: boolean): Row[] {
  const out: Row[] = []
  const lags = quick ? [50] : args.lags!.split(',').map(Number)
  const cells: TaggerConfig['cell'][] = ['rnn-tanh', 'rnn-relu', 'lstm', 'gru']
  const base = { layers: 1, residual: false, delay: 1, init: 'ours' as const }
  if (groups.has('longrange'))
    for (const lag of lags) {
      for (const cell of cells)
        for (const clip of [0, 1]) out.push({ group: 'longrange', cell, lag, clip, ...base })
      for (const cell of ['rnn-tanh', 'rnn-relu'] as const)
        out.push({ group: 'longrange', cell, lag, clip: 1, ...base, init: 'uniform' })
    }
  if (groups.has('chrono'))
    for (const lag of lags)
      for (const cell of ['lstm', 'gru'] as const)
        out.push({ group: 'chrono', cell, lag, clip: 1, ...base, init: 'chrono' })
  if (groups.has('delay'))
    for (const cell of ['rnn-tanh', 'lstm', 'gru'] as const)
      out.push({ group: 'delay', cell, lag: quick ? 50 : 200, clip: 1, ...base, delay: 4 })
  if (groups.has('residual'))
    for (const lag of args['residual-lags']!.split(',').map(Number))
      for (const cell of ['rnn-tanh', 'lstm', 'gru'] as const)
        for (const [layers, residual] of [
          [1, false],
          [4, false],
          [4, true],
        ] as const)
          out.push({
            group: 'residual',
            cell,
            lag,
            clip: 1,
            ...base,
            init: cell === 'rnn-tanh' ? 'ours' : 'chrono', // gated cells: as they learn the task
            layers,
            residual,
          })
  return out
}

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : 'NaN')

function main(): void {
  const k = loadKernels()
  const budget = Number(args.seconds) * (args.quick ? 0.2 : 1)
  const maxSteps = Number(args.steps)
  const only = args.cells ? new Set(args.cells.split(',')) : null
  const todo = rows(new Set(args.only!.split(',')), !!args.quick).filter(
    (r) => !only || only.has(r.cell),
  )
  process.stderr.write(
    `bench:longrange: ${todo.length} rows × ≤ ${budget} s, kernels ${k.name}, H ${H}, B ${B}, ` +
      `S ${S}, K ${K}; chance: acc ${fmt(1 / S)}, loss ${fmt(Math.log(S))}\n`,
  )
  const line = (cols: (string | number)[]): string => `| ${cols.join(' | ')} |`
  const head = ['group', 'cell', 'Whh init', 'lag', 'layers', 'residual', 'delay', 'clip']
  head.push('steps', 's', 'train loss', 'test loss', 'test acc', 'solved at')
  const table: string[] = [line(head), line(head.map(() => '---'))]
  for (const row of todo) {
    const r = runRow(row, k, budget, maxSteps)
    const init =
      row.init === 'uniform'
        ? 'U(±1/√H)'
        : row.cell === 'rnn-relu'
          ? 'identity'
          : `orthogonal${row.init === 'chrono' ? ', chrono bias' : ''}`
    console.log(JSON.stringify({ ...row, init, copy: K, kernels: k.name, ...r }))
    const [res, clip] = [row.residual ? 'yes' : 'no', row.clip || 'off']
    const solved = r.diverged ? 'diverged' : (r.solvedAt ?? '—')
    const cols = [row.group, row.cell, init, row.lag, row.layers, res, row.delay, clip, r.steps]
    cols.push(r.seconds.toFixed(0), fmt(r.trainLoss), fmt(r.testLoss), fmt(r.testAcc), solved)
    table.push(line(cols))
    process.stderr.write(table[table.length - 1] + '\n')
  }
  console.log('\n' + table.join('\n'))
}

main()
