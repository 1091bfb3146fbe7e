// `npm run dist:check`: packs the app for this platform as an unpacked folder (electron-builder
// --dir) without downloading Electron — a stand-in Electron distribution takes its place — and
// checks the result: the built app inside app.asar, no sources, and onnxruntime's binary for
// this platform/arch plus the native kernels (when built) unpacked beside it. What it cannot
// check: that the real Electron binary starts the app, installers (AppImage/deb/dmg/nsis).
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const electronVersion = JSON.parse(readFileSync('package.json', 'utf8')).devDependencies.electron
const work = mkdtempSync(path.join(os.tmpdir(), 'fw-package-'))
const fakeDist = path.join(work, 'electron-dist')
mkdirSync(path.join(fakeDist, 'resources'), { recursive: true })
const exe = process.platform === 'win32' ? 'electron.exe' : 'electron'
writeFileSync(path.join(fakeDist, exe), '#!/bin/sh\necho "stand-in for the Electron binary"\n')
chmodSync(path.join(fakeDist, exe), 0o755)
writeFileSync(path.join(fakeDist, 'LICENSE'), 'stand-in')
const out = path.join(work, 'dist')
const platformFlag = { linux: '--linux', darwin: '--mac', win32: '--win' }[process.platform]
const builder = spawnSync(
  'npx',
  [
    'electron-builder',
    platformFlag,
    'dir',
    '--config',
    'electron-builder.yml',
    `-c.electronDist=${fakeDist}`,
    `-c.electronVersion=${electronVersion}`,
    `-c.directories.output=${out}`,
  ],
  { stdio: 'inherit', shell: process.platform === 'win32' },
)
if (builder.status !== 0) process.exit(builder.status ?? 1)

const unpackedDir = readdirSync(out).find((d) => d.endsWith('-unpacked') || d === 'mac')
const resources =
  process.platform === 'darwin'
    ? path.join(out, unpackedDir, 'Framewise.app/Contents/Resources')
    : path.join(out, unpackedDir, 'resources')
const list = spawnSync(
  process.execPath,
  ['node_modules/@electron/asar/bin/asar.js', 'list', path.join(resources, 'app.asar')],
  { encoding: 'utf8' },
)
const inAsar = new Set(list.stdout.split('\n').map((l) => l.trim().replaceAll('\\', '/')))
const unpacked = (rel) => existsSync(path.join(resources, 'app.asar.unpacked', rel))
const ortDir = `node_modules/onnxruntime-node/bin/napi-v6`
const checks = [
  ['the Electron main is in app.asar', inAsar.has('/out/main/main.js')],
  ['the preload is in app.asar', inAsar.has('/out/preload/preload.cjs')],
  ['the renderer is in app.asar', inAsar.has('/out/renderer/index.html')],
  [
    'no sources or tests are packed',
    ![...inAsar].some((f) => /^\/(engine|electron|renderer|e2e|models|native|scripts)\//.test(f)),
  ],
  [
    `onnxruntime for ${process.platform}/${process.arch} is unpacked`,
    unpacked(`${ortDir}/${process.platform}/${process.arch}/onnxruntime_binding.node`),
  ],
  [
    'no other platform’s onnxruntime is shipped',
    readdirSync(path.join(resources, 'app.asar.unpacked', ortDir)).every(
      (p) => p === process.platform,
    ),
  ],
  [
    'the native kernels are unpacked (when built)',
    !existsSync('build/kernels/framewise_kernels.node') ||
      unpacked('build/kernels/framewise_kernels.node'),
  ],
]
let failed = 0
for (const [what, ok] of checks) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failed++
}
rmSync(work, { recursive: true, force: true })
console.log(`package check: ${checks.length - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
