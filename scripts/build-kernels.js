// Builds the native kernel addon (native/*.cc → build/kernels/framewise_kernels.node) with the
// machine's C++ compiler and Node's own headers. Called from postinstall; it never fails the
// install: on any problem it prints a warning and the app uses the pure-TS kernels.
//
//   node scripts/build-kernels.js            build (quiet unless something goes wrong)
//   node scripts/build-kernels.js --verbose  print the compiler commands
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'build', 'kernels')
const objDir = join(outDir, 'obj')
const target = join(outDir, 'framewise_kernels.node')
const verbose = process.argv.includes('--verbose')

function warn(msg) {
  console.warn(`[build-kernels] WARNING: ${msg}`)
  console.warn('[build-kernels] Using the pure-TypeScript kernels instead (correct, much slower).')
  process.exit(0)
}

/** Directory holding node_api.h: npm's nodedir, the running Node's prefix, distro paths. */
function findNodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    resolve(process.execPath, '..', '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
    process.env.HOME &&
      join(process.env.HOME, '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ]
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h')))
}

function run(cmd, args) {
  if (verbose) console.log([cmd, ...args].join(' '))
  return new Promise((resolveRun) => {
    const p = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    p.on('error', (e) => resolveRun({ ok: false, err: String(e) }))
    p.on('close', (code) => resolveRun({ ok: code === 0, err }))
  })
}

if (process.arch !== 'x64') warn(`no native kernels for ${process.arch} (x64 only)`)
const cxx = process.env.CXX || 'g++'
if (spawnSync(cxx, ['--version']).status !== 0) warn(`C++ compiler '${cxx}' not found`)
const headers = findNodeHeaders()
if (!headers) warn('node_api.h not found (set npm_config_nodedir to a Node source/headers dir)')

mkdirSync(objDir, { recursive: true })
const common = ['-std=c++2a', '-O3', '-fPIC', '-fvisibility=hidden', '-ffp-contract=fast', '-Wall']
// One object per instruction set; binding.cc picks one at load time (see native/kernels.h).
const variants = {
  avx512: ['-DFW_ISA_AVX512', '-mavx512f', '-mavx512vl', '-mavx512dq', '-mavx2', '-mfma'],
  avx2: ['-DFW_ISA_AVX2', '-mavx2', '-mfma'],
  sse: [],
}
// Sources compiled per instruction set (the training kernels, the audio feature kernels).
const sources = ['kernels_isa', 'features', 'resample', 'flac']
const obj = (isa, src) => join(objDir, `${isa}-${src}.o`)
const jobs = Object.entries(variants).flatMap(([name, flags]) =>
  sources.map((src) =>
    run(cxx, [...common, ...flags, '-c', `native/${src}.cc`, '-o', obj(name, src)]),
  ),
)
jobs.push(
  run(cxx, [...common, `-I${headers}`, '-c', 'native/binding.cc', '-o', join(objDir, 'binding.o')]),
)
const results = await Promise.all(jobs)
const failed = results.find((r) => !r.ok)
if (failed) warn(`compiling the native kernels failed:\n${failed.err}`)

const tmp = join(outDir, `framewise_kernels.${process.pid}.tmp.node`)
const objs = [
  ...Object.keys(variants).flatMap((isa) => sources.map((src) => obj(isa, src))),
  join(objDir, 'binding.o'),
]
const link = await run(cxx, ['-shared', '-static-libstdc++', '-static-libgcc', '-o', tmp, ...objs])
if (!link.ok) warn(`linking the native kernels failed:\n${link.err}`)

// Smoke test in a child process, so a crash (e.g. an illegal instruction) cannot take us down.
const probe = `const k = require(${JSON.stringify(tmp)}); const a = new Float32Array([1, 2, 3, 4]);
const c = new Float32Array(4); k.gemm(false, false, 2, 2, 2, a, 0, 2, a, 0, 2, 0, c, 0, 2);
if (c.join() !== '7,10,15,22') throw new Error('wrong result ' + c.join());
// frame 1 of 16 ones (N = 8, hop 4, rectangular window): P_0 = 64, the rest 0 → ln 64, floor
const L = new Float64Array(2); k.logmelFrames(new Float32Array(16).fill(1), 0, 16, 1, 2, 4,
  new Float64Array(8).fill(1), Int32Array.from([0, 0, 4, 5]), new Float64Array(5), L);
const want = [Math.log(64), Math.log(1e-10)];
if (!want.every((v, i) => Math.abs(L[i] - v) < 1e-9)) throw new Error('log-mel ' + L.join());
console.log(k.name)`
const smoke = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' })
if (smoke.status !== 0) {
  rmSync(tmp, { force: true })
  warn(`the built addon failed its smoke test:\n${smoke.stderr}`)
}
renameSync(tmp, target)
console.log(`[build-kernels] built ${target} (${smoke.stdout.trim()})`)
