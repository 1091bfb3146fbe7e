// `npm test`: typecheck (tsc + svelte-check), lint (the import boundaries of ARCHITECTURE.md), formatting (Prettier),
// Electron security lint, build, unit tests (vitest), e2e (Playwright), the SLURM job array on a single-node cluster
// started here (scripts/test-slurm.sh), then one closing line with the totals. Exits
// non-zero if any stage fails.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

const stages = [
  ['typecheck', 'npm', ['run', 'typecheck']],
  // ESLint: who may import whom (eslint.config.js); a boundary violation fails the run.
  ['lint', 'npm', ['run', 'lint']],
  // Prettier: an unformatted file fails the run (`npm run format` fixes it).
  ['format:check', 'npm', ['run', 'format:check']],
  // Electronegativity over electron/ and the renderer's CSP: no unexplained high/medium findings.
  ['lint:electron', 'npm', ['run', 'lint:electron']],
  ['build', 'npx', ['electron-vite', 'build']],
  [
    'unit',
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=test-results/unit.json',
    ],
  ],
  ['e2e', 'npx', ['playwright', 'test']],
  // recipes/slurm on real munged/slurmctld/slurmd (about a minute; needs root or passwordless sudo)
  ['slurm', 'bash', ['scripts/test-slurm.sh']],
]

rmSync('test-results/unit.json', { force: true })
rmSync('test-results/e2e.json', { force: true })
const failedStages = []
for (const [name, cmd, args] of stages) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.status !== 0) {
    failedStages.push(name)
    if (name === 'typecheck' || name === 'build') break // later stages would test stale code
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 }
if (existsSync('test-results/unit.json')) {
  const unit = JSON.parse(readFileSync('test-results/unit.json', 'utf8'))
  totals.passed += unit.numPassedTests
  totals.failed += unit.numFailedTests
  totals.skipped += unit.numPendingTests + unit.numTodoTests
}
if (existsSync('test-results/e2e.json')) {
  const e2e = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'))
  totals.passed += e2e.stats.expected + e2e.stats.flaky
  totals.failed += e2e.stats.unexpected
  totals.skipped += e2e.stats.skipped
}
if (failedStages.length) console.log(`\nFailed stages: ${failedStages.join(', ')}`)
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(failedStages.length ? 1 : 0)
