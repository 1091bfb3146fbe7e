// `npm run lint:electron`: Electronegativity (pinned devDependency) over the Electron main,
// preload and IPC code and the renderer's index.html (its CSP), for the Electron version in
// package.json. Fails on any HIGH or MEDIUM finding not explained in electronegativity.json.
// Works offline (the tool's release check fails quietly).
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const electronVersion = (pkg.devDependencies?.electron ?? pkg.dependencies?.electron ?? '').replace(
  /^[^\d]*/,
  '',
)
const explained = JSON.parse(readFileSync('electronegativity.json', 'utf8')).explained
const bin = path.join(
  path.dirname(require.resolve('@doyensec/electronegativity/package.json')),
  'dist/index.js',
)

// Scan a copy of exactly the Electron-facing sources (not node_modules or build output).
const work = mkdtempSync(path.join(os.tmpdir(), 'fw-electronegativity-'))
const input = path.join(work, 'app')
mkdirSync(path.join(input, 'renderer'), { recursive: true })
cpSync('electron', path.join(input, 'electron'), {
  recursive: true,
  filter: (f) => !f.endsWith('.test.ts'),
})
cpSync('renderer/index.html', path.join(input, 'renderer/index.html'))
cpSync('package.json', path.join(input, 'package.json'))
// A canary the tool must flag, so a run that silently checked nothing fails instead of passing.
const CANARY = '__canary__.js'
writeFileSync(
  path.join(input, CANARY),
  'new BrowserWindow({ webPreferences: { nodeIntegration: true } })\n',
)
const csv = path.join(work, 'findings.csv')
let text = ''
for (let attempt = 1; attempt <= 2 && !text.includes(CANARY); attempt++) {
  rmSync(csv, { force: true })
  const run = spawnSync(
    process.execPath,
    [bin, '-i', input, '-r', '-v', 'false', '-e', electronVersion, '-o', csv],
    { encoding: 'utf8' },
  )
  text = existsSync(csv) ? readFileSync(csv, 'utf8') : ''
  if (process.env.FW_DEBUG) console.log(run.stdout, run.stderr, work)
}
if (!process.env.FW_DEBUG) rmSync(work, { recursive: true, force: true })
if (!text.includes(CANARY)) {
  console.error(
    'lint:electron: electronegativity did not run properly (its canary finding is missing)',
  )
  process.exit(1)
}

/** RFC 4180-ish rows: quoted fields may hold commas and doubled quotes. */
function parseCsv(s) {
  const rows = []
  let row = []
  let field = ''
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') ((field += '"'), i++)
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') (row.push(field.trim()), (field = ''))
    else if (c === '\n') (row.push(field.trim()), rows.push(row), (row = []), (field = ''))
    else if (c !== '\r') field += c
  }
  if (field || row.length) (row.push(field.trim()), rows.push(row))
  return rows
}

const [, ...rows] = parseCsv(text)
const findings = rows
  .filter((r) => r.length >= 7 && r[3] !== CANARY)
  .map(([check, severity, confidence, file, location, , description]) => ({
    check,
    severity,
    confidence,
    file,
    location,
    description,
  }))
let unexplained = 0
for (const f of findings) {
  const why = explained.find((e) => e.check === f.check && e.file === f.file)
  const serious = f.severity === 'HIGH' || f.severity === 'MEDIUM'
  const mark = why ? 'explained' : serious ? 'UNEXPLAINED' : 'low'
  if (!why && serious) unexplained++
  console.log(
    `${mark.padEnd(11)} ${f.severity}/${f.confidence} ${f.check} ${f.file}:${f.location} — ${f.description}`,
  )
}
console.log(
  `electronegativity ${electronVersion ? `(Electron ${electronVersion})` : ''}: ${findings.length} findings, ${unexplained} high/medium unexplained`,
)
process.exit(unexplained ? 1 : 0)
