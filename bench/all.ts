/**
 * `npm run bench [-- --quick]`: every benchmark in turn (train, io, features, infer), each in its
 * own process so one's memory does not colour another's. Each prints JSON lines; this prints them
 * through and ends with one summary line of the ratios against the peers.
 */
import { spawnSync } from 'node:child_process'

const BENCHES = ['train', 'io', 'features', 'infer'] as const
const passThrough = process.argv.slice(2)
const lines: Record<string, unknown>[] = []
let failed = 0

for (const name of BENCHES) {
  process.stderr.write(`\n=== bench:${name}\n`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...passThrough], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  process.stdout.write(r.stdout)
  if (r.status !== 0) failed++
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      lines.push(JSON.parse(line))
    } catch {
      // not a result line
    }
  }
}

const ratios = lines
  .filter((l) => typeof l.ratio === 'number')
  .map(
    (l) =>
      `${String(l.bench)}:${String(l.config ?? '')}${l.cell ? ':' + String(l.cell) : ''}=${(l.ratio as number).toFixed(2)}`,
  )
process.stdout.write(
  JSON.stringify({ bench: 'summary', results: lines.length, failed, ratios }) + '\n',
)
process.exit(failed ? 1 : 0)
