/**
 * `npm run bench:batch`: `framewise predict` over a folder tree of FW_BATCH_FILES short files
 * (default 10,000 WAVs of FW_BATCH_SECONDS = 3 s, 16 kHz mono, in 100 subfolders; written once
 * into FRAMEWISE_BENCH_CACHE, default /tmp/framewise-bench, and reused), with a BiGRU 2 × 64 at
 * the product's feature defaults (weights at init). Three CLI runs, each a child under
 * /usr/bin/time -v: uninterrupted; interrupted with SIGKILL once half the outputs exist; then
 * --resume. Prints one JSON line: wall seconds, files/s and peak RSS of each run, how many files
 * the resume skipped (must be all those finished before the kill) and redid, and whether every
 * output equals the uninterrupted run's.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { Rng } from '../models/rng'
import { parseFeatureSpec } from '../engine/features/spec'
import { makeWav } from '../engine/media/audio/testing'
import { exportTagger } from '../engine/onnx/export'
import { randomParams } from '../engine/onnx/testing'

const files = Number(process.env.FW_BATCH_FILES ?? 10_000)
const seconds = Number(process.env.FW_BATCH_SECONDS ?? 3)
const cache = process.env.FRAMEWISE_BENCH_CACHE ?? '/tmp/framewise-bench'
const tree = path.join(cache, `batch-${files}x${seconds}s`)
const cli = path.join(import.meta.dirname, '..', 'engine', 'cli.ts')
const rel = (i: number) =>
  path.join(`d${String(i % 100).padStart(2, '0')}`, `f${String(i).padStart(5, '0')}`)

/** Noise with a tone burst at a place that moves from file to file. */
function writeTree(): void {
  const done = path.join(tree, '.complete')
  if (existsSync(done)) return
  const rate = 16000
  const rng = new Rng(9)
  for (let i = 0; i < files; i++) {
    const x = new Float64Array(seconds * rate)
    const at = Math.floor(((i % 11) / 11) * (seconds - 0.5) * rate)
    for (let k = 0; k < x.length; k++) x[k] = 0.01 * rng.normal()
    for (let k = 0; k < rate / 2; k++) x[at + k] += 0.4 * Math.sin((2 * Math.PI * 700 * k) / rate)
    const file = path.join(tree, `${rel(i)}.wav`)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, makeWav({ bits: 16, rate, channels: [x] }))
  }
  writeFileSync(done, '')
}

async function benchModel(): Promise<string> {
  const model = path.join(cache, 'long-bigru-2x64.onnx') // the same model as bench:longfile
  if (existsSync(model)) return model
  const config = {
    cell: 'gru' as const,
    inputSize: 39,
    hiddenSize: 64,
    numLayers: 2,
    numClasses: 3,
    bidirectional: true,
    dropout: 0,
  }
  await exportTagger(model, {
    config,
    params: randomParams(config, 1),
    spec: parseFeatureSpec({ kind: 'audio' }),
    classes: ['background', 'a', 'b'],
  })
  return model
}

/** /usr/bin/time -v's report → wall seconds and peak RSS (MB). */
function timeReport(stderr: string): { wall_s: number; peak_rss_mb: number } {
  const field = (name: string) => {
    const m = new RegExp(`${name}: (.*)`).exec(stderr)
    if (!m) throw new Error(`/usr/bin/time printed no "${name}"`)
    return m[1].trim()
  }
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
    .split(':')
    .reduce((s, part) => s * 60 + Number(part), 0)
  const rss = Number(field('Maximum resident set size \\(kbytes\\)')) / 1024
  return { wall_s: +wall.toFixed(1), peak_rss_mb: Math.round(rss) }
}

const predictArgs = (model: string, out: string, more: string[] = []) => [
  '-v',
  process.execPath,
  '--import',
  'tsx',
  cli,
  'predict',
  model,
  tree,
  '--out',
  out,
  ...more,
]

function run(model: string, out: string, more: string[] = []) {
  // the counts come from the manifest; stdout (2 MB of JSON for 10,000 files) is not needed
  const r = spawnSync('/usr/bin/time', predictArgs(model, out, more), {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 28,
  })
  if (r.status !== 0)
    throw new Error(`framewise predict failed (${r.status}): ${r.stderr.slice(-2000)}`)
  const manifest = JSON.parse(readFileSync(path.join(out, 'framewise-manifest.json'), 'utf8')) as {
    files: { status: string }[]
  }
  const count = (s: string) => manifest.files.filter((f) => f.status === s).length
  const [done, skipped, failed] = [count('done'), count('skipped'), count('failed')]
  const t = timeReport(r.stderr)
  return { ...t, files_per_s: Math.round((done + skipped) / t.wall_s), done, skipped, failed }
}

const outputs = (out: string) =>
  Array.from({ length: files }, (_, i) => path.join(out, `${rel(i)}.txt`))
const countOutputs = (out: string) =>
  existsSync(out)
    ? readdirSync(out, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .reduce(
          (n, d) =>
            n + readdirSync(path.join(out, d.name)).filter((f) => f.endsWith('.txt')).length,
          0,
        )
    : 0

const t0 = performance.now()
writeTree()
const writeS = (performance.now() - t0) / 1000
const model = await benchModel()

const full = path.join(cache, `batch-out-full`)
rmSync(full, { recursive: true, force: true })
const uninterrupted = run(model, full)

// SIGKILL once half the outputs exist
const part = path.join(cache, `batch-out-resumed`)
rmSync(part, { recursive: true, force: true })
// predictArgs without /usr/bin/time's -v and the node binary
const child = spawn(process.execPath, predictArgs(model, part).slice(2), { stdio: 'ignore' })
const exited = new Promise((r) => child.once('exit', r))
const killedAt = await new Promise<number>((resolve) => {
  const poll = setInterval(() => {
    const n = countOutputs(part)
    if (n >= files / 2 || child.exitCode !== null) {
      clearInterval(poll)
      child.kill('SIGKILL')
      resolve(n)
    }
  }, 200)
})
await exited
const beforeResume = countOutputs(part)
const resumed = run(model, part, ['--resume'])
const resumedOutputs = outputs(part)
const same = outputs(full).every(
  (f, i) => readFileSync(f, 'utf8') === readFileSync(resumedOutputs[i], 'utf8'),
)

console.log(
  JSON.stringify({
    bench: 'batch',
    files,
    file_s: seconds,
    input: '16 kHz mono 16-bit WAV in 100 folders',
    model: 'BiGRU 2×64 at init, mfcc13+Δ+ΔΔ, per-file CMVN',
    write_tree_s: +writeS.toFixed(1),
    uninterrupted,
    killed_with_outputs: killedAt,
    outputs_before_resume: beforeResume,
    resumed,
    resume_skipped_all_finished: resumed.skipped === beforeResume,
    outputs_equal_uninterrupted: same,
    load_avg_1m: Number(loadavg()[0].toFixed(1)),
  }),
)
