// `npm run soak`: every fuzzer under engine/fuzz/ at FW_FUZZ_SCALE=10, plus the durability test at
// 1,000 SIGKILL cycles split over several seeds, two runs at a time (one per core); then one table
// of the figures each fuzzer reported (engine/fuzz/report.ts) and exit 1 on any failure, crash,
// hang, loss or torn file. docs/durability.md has the measured cost per cycle behind the split.
//
//   npm run soak -- [--scale N] [--cycles M] [--seeds K] [--power-cuts P] [--jobs J] [--run-minutes T]
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '10' },
    cycles: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '4' },
    'power-cuts': { type: 'string' },
    jobs: { type: 'string', default: '2' },
    'run-minutes': { type: 'string', default: '55' },
  },
})
const scale = Number(values.scale)
const cycles = Number(values.cycles)
const seeds = Math.max(1, Math.min(Number(values.seeds), cycles || 1))
const powerCuts = Number(values['power-cuts'] ?? Math.max(2, Math.round(2 * scale)))
const jobs = Math.max(1, Number(values.jobs))
/** A run still going after this long is killed (with its children) and counted as a hang. */
const runMs = Number(values['run-minutes']) * 60_000
for (const [name, v] of Object.entries({ scale, cycles, seeds, powerCuts, jobs }))
  if (!Number.isFinite(v) || v < 0) {
    console.error(`soak: --${name} must be a number >= 0`)
    process.exit(2)
  }

const outDir = path.resolve('test-results/soak')
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const reportFile = path.join(outDir, 'report.jsonl')
const vitest = path.resolve('node_modules/vitest/vitest.mjs')

/** One vitest run: a fuzz file with its environment (and a test-name filter); the longest first. */
const runs = []
const fuzzDir = 'engine/fuzz'
// The SIGKILL cycles split over seeds; the first run also does the power cuts and the lock test.
for (let i = 0; i < seeds; i++) {
  const share = Math.floor(cycles / seeds) + (i < cycles % seeds ? 1 : 0)
  runs.push({
    label: `durability seed ${7 + i}`,
    file: path.join(fuzzDir, 'durability.test.ts'),
    env: {
      FW_DURABILITY_CYCLES: String(share),
      FW_SEED: String(7 + i),
      FW_POWER_CUTS: String(powerCuts),
    },
    filter: i === 0 ? undefined : 'SIGKILL',
  })
}
for (const name of readdirSync(fuzzDir).sort()) {
  if (!name.endsWith('.test.ts') || name === 'durability.test.ts') continue
  runs.push({ label: name.replace('.test.ts', ''), file: path.join(fuzzDir, name), env: {} })
}

/** Peak resident memory of a process and its descendants (Linux /proc; 0 elsewhere). */
function treeRss(root) {
  let entries
  try {
    entries = readdirSync('/proc').filter((n) => /^\d+$/.test(n))
  } catch {
    return 0
  }
  const parent = new Map()
  const rss = new Map()
  for (const pid of entries)
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(pid), Number(fields[1]))
      rss.set(Number(pid), Number(fields[21]) * 4096)
    } catch {
      // gone meanwhile
    }
  let total = 0
  for (const [pid, bytes] of rss) {
    for (let p = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++)
      if (p === root) {
        total += bytes
        break
      }
  }
  return total
}

/** Running children: their process groups are ours to end when the soak is interrupted. */
const active = new Set()
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const pid of active) killGroup(pid)
    process.exit(130)
  })

function execute(run) {
  return new Promise((resolve) => {
    const log = path.join(outDir, `${run.label.replace(/\W+/g, '-')}.log`)
    const out = createWriteStream(log)
    const args = [vitest, 'run', run.file, ...(run.filter ? ['-t', run.filter] : [])]
    const started = Date.now()
    const child = spawn(process.execPath, args, {
      env: { ...process.env, FW_FUZZ_SCALE: String(scale), FW_FUZZ_REPORT: reportFile, ...run.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a stuck run is killed with the servers it started
    })
    active.add(child.pid)
    let timedOut = false
    const limit = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
    }, runMs)
    child.stdout.pipe(out, { end: false })
    child.stderr.pipe(out, { end: false })
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid))), 500)
    child.on('exit', (code, signal) => {
      clearInterval(sampler)
      clearTimeout(limit)
      active.delete(child.pid)
      out.end()
      const seconds = (Date.now() - started) / 1000
      const ok = code === 0
      const why = timedOut
        ? `still running after ${values['run-minutes']} min`
        : (signal ?? `exit ${code}`)
      console.log(
        `soak: ${run.label}: ${ok ? 'passed' : `FAILED (${why}), see ${log}`} in ${seconds.toFixed(0)} s`,
      )
      resolve({ ...run, ok, seconds, treeMB: Math.round(peak / 2 ** 20), log })
    })
  })
}

console.log(
  `soak: ${runs.length} runs at FW_FUZZ_SCALE=${scale}, ${cycles} SIGKILL cycles over ${seeds} seeds, ${powerCuts} power cuts, ${jobs} at a time; logs in ${outDir}`,
)
const started = Date.now()
const queue = [...runs]
const done = []
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let run; (run = queue.shift());) done.push(await execute(run))
  }),
)

const reports = (() => {
  try {
    return readFileSync(reportFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  } catch {
    return [] // no fuzzer got as far as reporting
  }
})()
const num = (r, ...keys) => {
  for (const k of keys) if (typeof r[k] === 'number') return r[k]
  return undefined
}
const bad = (v) => typeof v === 'number' && v > 0
const rows = []
const failedRuns = done.filter((r) => !r.ok).length
let badReports = 0
for (const r of reports) {
  const row = {
    fuzzer:
      r.fuzzer +
      (typeof r.seed === 'number' && r.fuzzer.startsWith('durability') ? ` (seed ${r.seed})` : ''),
    cases: num(r, 'cases', 'cycles', 'jobs', 'messages', 'requests', 'rounds'),
    crashes: num(r, 'crashes', 'failures'),
    hangs: num(r, 'hangs'),
    losses: r.fuzzer.includes('control') ? undefined : num(r, 'losses'),
    torn: r.fuzzer.includes('control') ? undefined : num(r, 'torn'),
    peakMB: num(r, 'peakMB', 'peakRssMB', 'peakMemoryMB'),
    seconds: num(r, 'seconds'),
  }
  // The controls must lose edits (that shows the power cut bites); their losses are not failures.
  if (bad(row.crashes) || bad(row.hangs) || bad(row.losses) || bad(row.torn)) {
    row.result = 'FAIL'
    badReports++
  } else row.result = 'ok'
  rows.push(row)
}
for (const r of done)
  rows.push({
    fuzzer: `run: ${r.label}`,
    peakMB: r.treeMB,
    seconds: Math.round(r.seconds),
    result: r.ok ? 'ok' : 'FAIL',
  })

const columns = [
  'fuzzer',
  'cases',
  'crashes',
  'hangs',
  'losses',
  'torn',
  'peakMB',
  'seconds',
  'result',
]
const cell = (v) => (v === undefined ? '-' : String(v))
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
const line = (values) =>
  values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')
console.log(`\n${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}`)
for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))))
const minutes = (Date.now() - started) / 60_000
const sigkill = reports.filter((r) => r.fuzzer === 'durability-sigkill')
const sum = (list, key) => list.reduce((s, r) => s + (r[key] ?? 0), 0)
console.log(
  `\nsoak: ${done.length} runs in ${minutes.toFixed(1)} min on ${os.cpus().length} cores; ${sum(sigkill, 'cycles')} SIGKILL cycles, ` +
    `${sum(sigkill, 'acknowledged')} edits acknowledged, ${sum(sigkill, 'losses')} lost; all figures: ${reportFile}`,
)
const failed = failedRuns + badReports
console.log(
  failed
    ? `soak: ${failedRuns} runs failed, ${badReports} reports show crashes, hangs, losses or torn files`
    : 'soak: all passed',
)
process.exit(failed ? 1 : 0)
