/**
 * `npm run bench:attention`: where self-attention between the stack and the output layer should
 * matter, measured. The task is frame tagging whose one labelled frame depends on a cue `lag`
 * frames earlier, at a random place in the chunk (the copying task of bench:longrange with the
 * cue's frame drawn from 0..J−1, so a fixed offset cannot be learnt without reading the cue):
 *
 *   frame c ∈ [0, J)        one of S symbols (one-hot)              label −1 (ignored)
 *   frame c + lag − 1       delimiter ("recall now")                label −1
 *   frame c + lag           blank                                   label  symbol
 *   other frames            blank                                   label −1
 * T = lag + J frames, chance 1/S. The tagger is small and unidirectional (GRU, H 16, default
 * init and biases, clipping 1), which bench:longrange shows sits at chance from lag 50 on: the
 * recurrence must carry the symbol over `lag` steps. With attention the recall frame can read the
 * cue frame's state directly — if its window reaches that far: rows compare no attention, global
 * attention, a window of lag/2 (cannot reach the cue: the control) and a window of lag.
 *
 * Each row trains from seeds 1..N (Adam, lr 2e-3 as the engine default) until its time budget or
 * step cap and scores 256 held-out sequences. Output: JSON lines, then a markdown table of means
 * (per-seed accuracies in brackets) and ms per step (the cost side). Progress on stderr.
 *
 *   npm run bench:attention [-- --seconds 12] [--steps 300] [--seeds 3] [--lags 50,100]
 *                           [--cell gru] [--quick]
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
    seconds: { type: 'string', default: '12' },
    steps: { type: 'string', default: '300' },
    seeds: { type: 'string', default: '3' },
    lags: { type: 'string', default: '50,100' },
    cell: { type: 'string', default: 'gru' },
    quick: { type: 'boolean', default: false },
  },
})

const S = 4 // symbols
const F = S + 2 // one-hot: symbols, blank, delimiter
const [BLANK, DELIM] = [S, S + 1]
const J = 20 // the cue's frame is drawn from 0..J−1
const H = 16
const B = 16
const TEST = 256
const LR = 2e-3
const CLIP = 1

interface Row {
  lag: number
  /** null: no attention; 0: global; r > 0: keys within r frames. */
  window: number | null
  heads: number
}

/** A batch, time-major: x (T, n, F), labels (T, n). */
function cueBatch(rng: Rng, lag: number, n: number): { x: Float32Array; labels: Int32Array } {
  const T = lag + J
  const x = new Float32Array(T * n * F)
  const labels = new Int32Array(T * n).fill(-1)
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < T; t++) x[(t * n + b) * F + BLANK] = 1
    const [c, s] = [rng.int(J), rng.int(S)]
    x[(c * n + b) * F + BLANK] = 0
    x[(c * n + b) * F + s] = 1
    x[((c + lag - 1) * n + b) * F + BLANK] = 0
    x[((c + lag - 1) * n + b) * F + DELIM] = 1
    labels[(c + lag) * n + b] = s
  }
  return { x, labels }
}

interface Result {
  steps: number
  msPerStep: number
  testAcc: number
  solvedAt: number | null // first step whose moving-average (50) train accuracy ≥ 0.99
}

function runRow(row: Row, seed: number, k: Kernels, budgetS: number, maxSteps: number): Result {
  const cfg: TaggerConfig = {
    cell: args.cell as TaggerConfig['cell'],
    inputSize: F,
    hiddenSize: H,
    numLayers: 1,
    numClasses: S,
    bidirectional: false,
    dropout: 0,
    ...(row.window !== null ? { attention: { heads: row.heads, window: row.window } } : {}),
  }
  const T = row.lag + J
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, new Rng(seed)) // the same stack and Wout with or without attention
  const setup = { m, ws: allocWorkspace(cfg, k, T, B), k, T, n: B }
  const batch = (rng: Rng) => cueBatch(rng, row.lag, B)
  const run = trainRecall(setup, batch, new Rng(1000 + seed), {
    lr: LR,
    clip: CLIP,
    seconds: budgetS,
    maxSteps,
  })
  const test = scoreRecall(setup, batch, new Rng(7), TEST / B)
  return {
    steps: run.steps,
    msPerStep: (run.seconds * 1000) / Math.max(1, run.steps),
    testAcc: test.acc,
    solvedAt: run.solvedAt,
  }
}

const mean = (a: number[]): number => a.reduce((p, q) => p + q, 0) / Math.max(1, a.length)

function main(): void {
  const k = loadKernels()
  const budget = Number(args.seconds) * (args.quick ? 0.25 : 1)
  const maxSteps = Number(args.steps)
  const seeds = args.quick ? 1 : Number(args.seeds)
  const lags = args.quick ? [50] : args.lags!.split(',').map(Number)
  const todo: Row[] = []
  for (const lag of lags)
    for (const window of [null, 0, Math.floor(lag / 2), lag]) todo.push({ lag, window, heads: 1 })
  process.stderr.write(
    `bench:attention: ${todo.length} rows × ${seeds} seeds × ≤ ${budget} s, kernels ${k.name}, ` +
      `${args.cell} uni H ${H}, B ${B}, S ${S}, cue in 0..${J - 1}; chance acc ${(1 / S).toFixed(3)}\n`,
  )
  const line = (cols: (string | number)[]): string => `| ${cols.join(' | ')} |`
  const head = ['lag', 'attention', 'steps', 'ms/step', 'test acc (seeds)', 'solved at']
  const table = [line(head), line(head.map(() => '---'))]
  for (const row of todo) {
    const rs: Result[] = []
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runRow(row, seed, k, budget, maxSteps)
      console.log(JSON.stringify({ ...row, cell: args.cell, seed, kernels: k.name, ...r }))
      rs.push(r)
    }
    const att = row.window === null ? 'none' : row.window === 0 ? 'global' : `window ${row.window}`
    const accs = rs.map((r) => r.testAcc.toFixed(2)).join(', ')
    const solved = rs.map((r) => r.solvedAt ?? '—').join(', ')
    table.push(
      line([
        row.lag,
        att,
        Math.round(mean(rs.map((r) => r.steps))),
        mean(rs.map((r) => r.msPerStep)).toFixed(1),
        `${mean(rs.map((r) => r.testAcc)).toFixed(3)} (${accs})`,
        solved,
      ]),
    )
    process.stderr.write(table[table.length - 1] + '\n')
  }
  console.log('\n' + table.join('\n'))
}

main()
