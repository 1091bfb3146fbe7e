/**
 * `npm run bench:train`: training throughput of our bidirectional taggers against Debian's
 * PyTorch on the same configs (A, B, C of /work/shared/reference/ref_train_bench.py), measured in
 * the same run. Each side runs in its own child process at 1 and at 2 threads and keeps its best;
 * peak memory is the child's maxRSS (ours: Node + worker threads; torch: ru_maxrss after training).
 * Model and protocol as the reference: x (B, T, F) ~ N(0, 1), random labels, a pool of 4 batches,
 * Adam lr 1e-3, global-norm clipping 5, 3 warm-up steps, then timed steps.
 *
 *   npm run bench:train [-- --quick] [--only A:lstm,C:gru] [--seconds 8] [--threads 1,2]
 *                       [--no-torch] [--repeat 2] [--tsx] [--verbose] [--rows 8]
 *
 * --rows N caps the rows a replica processes at once (DataParallelTrainer.maxRowsPerPass): less
 * memory, narrower recurrent products.
 *
 * Prints one JSON object per config/cell (and a `detail` line per child run with --verbose).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { initTagger } from '../models/init'
import { Adam } from '../models/optim'
import { Rng } from '../models/rng'
import type { TaggerConfig } from '../models/tagger'
import { DataParallelTrainer } from '../engine/train/parallel'

/** (F, H, L, C, B, T) as in ref_train_bench.py. */
const CONFIGS = {
  A: { F: 40, H: 64, L: 1, C: 4, B: 16, T: 400 },
  B: { F: 40, H: 128, L: 2, C: 8, B: 32, T: 500 },
  C: { F: 6, H: 32, L: 1, C: 5, B: 32, T: 200 },
} as const
type ConfigName = keyof typeof CONFIGS
type BenchCell = 'lstm' | 'gru' | 'rnn'
const SUITE: [ConfigName, BenchCell][] = [
  ['A', 'lstm'],
  ['A', 'gru'],
  ['A', 'rnn'],
  ['B', 'lstm'],
  ['B', 'gru'],
  ['C', 'gru'],
]

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const REF = resolve(root, '..', 'shared', 'reference', 'ref_train_bench.py')
const PYTHON = '/usr/bin/python3'

const { values: args } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    config: { type: 'string', default: 'A' },
    cell: { type: 'string', default: 'lstm' },
    threads: { type: 'string', default: '1,2' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: '' },
    'no-torch': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    rows: { type: 'string', default: '' },
  },
})

/** One child run of ours: the JSON it prints. */
interface OursRun {
  fps: number
  threads: number
  kernels: string
  peak_rss_mb: number
  cpu_s: number
  fps_per_cpu_s: number
  steps: number
  loss_first: number
  loss_last: number
  passes: number
}

/** The child: trains one config for `seconds` and prints an OursRun line. */
async function child(): Promise<void> {
  const name = args.config as ConfigName
  const { F, H, L, C, B, T } = CONFIGS[name]
  const cell = args.cell === 'rnn' ? 'rnn-tanh' : (args.cell as 'lstm' | 'gru')
  const threads = Number(args.threads)
  const seconds = Number(args.seconds ?? 8)
  const cfg: TaggerConfig = {
    cell,
    inputSize: F,
    hiddenSize: H,
    numLayers: L,
    numClasses: C,
    bidirectional: true,
    dropout: 0,
  }
  const maxRowsPerPass = args.rows ? Number(args.rows) : undefined
  const opts = { threads, Tmax: T, Bmax: B, maxRowsPerPass }
  const trainer = await DataParallelTrainer.create(cfg, opts)
  initTagger(trainer.model.params, cfg, new Rng(1234))
  const opt = new Adam(trainer.model.params.length, { lr: 1e-3 })
  // A pool of 4 fixed random batches, time-major (T, B, F), all sequences full length.
  const rng = new Rng(1234)
  const pool = Array.from({ length: 4 }, () => {
    const x = new Float32Array(T * B * F)
    for (let i = 0; i < x.length; i++) x[i] = rng.normal()
    const labels = new Int32Array(T * B)
    for (let i = 0; i < labels.length; i++) labels[i] = Math.floor(rng.uniform() * C)
    return { x, labels }
  })
  const lengths = new Int32Array(B).fill(T)
  const step = (i: number): number => {
    const { x, labels } = pool[i % pool.length]
    return trainer.step(x, labels, lengths, T, opt, 5).loss
  }
  let lossFirst = NaN
  for (let i = 0; i < 3; i++) lossFirst = i === 0 ? step(i) : (step(i), lossFirst) // warm-up
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let steps = 0
  let lossLast = NaN
  for (;;) {
    lossLast = step(steps++)
    if ((performance.now() - t0) / 1000 >= seconds && steps >= 3) break
  }
  const dt = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / 1e6
  await trainer.close()
  const run: OursRun = {
    fps: (B * T * steps) / dt,
    threads: trainer.threads,
    kernels: [trainer.kernelsName, ...trainer.workerKernels].join('+'),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    cpu_s: cpuS,
    fps_per_cpu_s: (B * T * steps) / cpuS,
    steps,
    loss_first: lossFirst,
    loss_last: lossLast,
    passes: trainer.passes,
  }
  console.log(JSON.stringify(run))
}

/** Runs a command, returns the last JSON line of its stdout (or an error record). */
function runJson(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<any> {
  return new Promise((res) => {
    const p = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (err += d))
    p.on('close', (code) => {
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'))
      if (code === 0 && line) res(JSON.parse(line))
      else res({ error: `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` })
    })
  })
}

/**
 * Our child runs as the app ships it: bundled JS (esbuild, which tsx brings along) with the shard
 * worker next to it, where engine/workers.ts looks for bundled workers. Running the TypeScript
 * through tsx instead costs ~35 MB of RSS per thread for the compiler hooks (--tsx to measure).
 */
async function oursEntry(): Promise<string[]> {
  const self = fileURLToPath(import.meta.url)
  if (args.tsx) return ['--import', 'tsx', self]
  try {
    const esbuild = await import('esbuild')
    const outdir = join(root, 'build', 'bench')
    await esbuild.build({
      entryPoints: {
        'train-bench': self,
        'train-shard-worker': join(root, 'engine', 'train', 'parallel-worker.ts'),
      },
      outdir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    })
    return [join(outdir, 'train-bench.js')]
  } catch (e) {
    console.error(`[bench:train] bundling failed, running through tsx: ${(e as Error).message}`)
    return ['--import', 'tsx', self]
  }
}

let entry: string[] = []

function runOurs(config: ConfigName, cell: BenchCell, threads: number, seconds: number) {
  const argv = [...entry, '--child']
  argv.push('--config', config, '--cell', cell, '--threads', String(threads))
  argv.push('--seconds', String(seconds))
  if (args.rows) argv.push('--rows', args.rows)
  const env = { ...process.env }
  return runJson(process.execPath, argv, env) as Promise<OursRun & { error?: string }>
}

function runTorch(config: ConfigName, cell: BenchCell, threads: number, seconds: number) {
  const argv = [REF, '--config', config, '--cell', cell, '--threads', String(threads)]
  argv.push('--seconds', String(seconds), '--infer-seconds', '0', '--infer-T', '200')
  const t = String(threads)
  return runJson(PYTHON, argv, { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t })
}

async function torchAvailable(): Promise<boolean> {
  if (args['no-torch'] || !existsSync(PYTHON) || !existsSync(REF)) return false
  const r = await runJson(PYTHON, ['-c', 'import torch, json; print(json.dumps({"ok": 1}))'], {
    ...process.env,
  })
  return r.ok === 1
}

const round = (x: number, d = 1): number => (Number.isFinite(x) ? Number(x.toFixed(d)) : x)

async function parent(): Promise<void> {
  const quick = args.quick
  const seconds = Number(args.seconds ?? (quick ? 2 : 8))
  const threadList = args.threads.split(',').map(Number)
  const repeat = Number(args.repeat)
  const only = args.only ? args.only.split(',') : null
  entry = await oursEntry()
  const withTorch = await torchAvailable()
  if (!withTorch) console.error('[bench:train] PyTorch not available: reporting ours only')
  for (const [config, cell] of SUITE) {
    if (only && !only.includes(`${config}:${cell}`)) continue
    let best: OursRun | null = null
    let bestTorch: any = null
    // Interleave ours and torch per thread count, so slow drifts in machine load hit both.
    for (let r = 0; r < repeat; r++)
      for (const th of threadList) {
        const o = await runOurs(config, cell, th, seconds)
        if (args.verbose) console.error(JSON.stringify({ detail: 'ours', config, cell, ...o }))
        if (!o.error && (!best || o.fps > best.fps)) best = o
        if (o.error) console.error(`[bench:train] ours ${config}/${cell}/${th}: ${o.error}`)
        if (withTorch) {
          const t = await runTorch(config, cell, th, seconds)
          if (args.verbose) console.error(JSON.stringify({ detail: 'torch', config, cell, ...t }))
          if (!t.error && (!bestTorch || t.train_fps > bestTorch.train_fps)) bestTorch = t
          if (t.error) console.error(`[bench:train] torch ${config}/${cell}/${th}: ${t.error}`)
        }
      }
    const row = {
      bench: 'train',
      config,
      cell,
      ours_fps: round(best?.fps ?? NaN),
      ours_threads: best?.threads ?? null,
      torch_fps: bestTorch ? round(bestTorch.train_fps) : null,
      torch_threads: bestTorch ? Number(bestTorch.threads_requested) : null,
      ratio: best && bestTorch ? round(best.fps / bestTorch.train_fps, 2) : null,
      ours_peak_rss_mb: round(best?.peak_rss_mb ?? NaN),
      torch_peak_rss_mb: bestTorch ? round(bestTorch.peak_rss_mb_after_train) : null,
      kernels: best?.kernels ?? null,
      ours_fps_per_cpu_s: round(best?.fps_per_cpu_s ?? NaN),
      torch_fps_per_cpu_s: bestTorch ? round(bestTorch.train_fps_per_cpu_s) : null,
      torch_other_cpu_s: bestTorch ? bestTorch.other_cpu_s : null,
      seconds,
    }
    console.log(JSON.stringify(row))
  }
}

if (args.child) await child()
else await parent()
