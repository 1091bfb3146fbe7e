/**
 * `npx tsx bench/kernels.ts [--quick]`: GFLOP/s of the native gemm (every ISA variant this
 * CPU runs) against the TS reference on the tagger's shapes, and ns per call of the fused step
 * kernels. One JSON line per measurement. Best of 5 repetitions (the machine is shared).
 */
import type { Kernels } from '../models/kernels'
import { tsKernels } from '../models/kernels-ts'
import { loadNativeKernels, NATIVE_ISAS } from '../engine/kernels/load'

const quick = process.argv.includes('--quick')
const native = NATIVE_ISAS.map((isa) => loadNativeKernels(isa))
const impls: Kernels[] = [...native.filter((k): k is Kernels => !(k instanceof Error)), tsKernels]

/** [what, transA, transB, M, N, K] — the products of one training step, configs A and B. */
const SHAPES: [string, boolean, boolean, number, number, number][] = [
  ['A input projection x·Wihᵀ', false, true, 6400, 256, 40],
  ['A recurrent h·Whhᵀ (B=16)', false, true, 16, 256, 64],
  ['A recurrent backward dG·Whh', false, false, 16, 64, 256],
  ['A dWih += dGᵀ·x', true, false, 256, 40, 6400],
  ['A dWhh += dGᵀ·h', true, false, 256, 64, 6400],
  ['B layer-2 input projection', false, true, 16000, 512, 256],
  ['B recurrent h·Whhᵀ (B=32)', false, true, 32, 512, 128],
  ['B recurrent backward', false, false, 32, 128, 512],
  ['B dWih (layer 2)', true, false, 512, 256, 16000],
  ['B dx = dG·Wih (layer 2)', false, false, 16000, 256, 512],
]

function rand(n: number): Float32Array {
  const a = new Float32Array(n)
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5
  return a
}

/** Best seconds per call over 5 repetitions of a loop sized to ~budget seconds. */
function time(fn: () => void, budget: number): number {
  fn()
  const t0 = performance.now()
  fn()
  const once = Math.max(1e-6, (performance.now() - t0) / 1000)
  const reps = Math.max(1, Math.round(budget / once))
  let best = Infinity
  for (let r = 0; r < 5; r++) {
    const t = performance.now()
    for (let i = 0; i < reps; i++) fn()
    best = Math.min(best, (performance.now() - t) / 1000 / reps)
  }
  return best
}

const budget = quick ? 0.01 : 0.05
for (const [what, tA, tB, M, N, K] of SHAPES) {
  const A = rand(M * K)
  const B = rand(K * N)
  const C = rand(M * N)
  const [lda, ldb] = [tA ? M : K, tB ? K : N]
  for (const k of impls) {
    if (k === tsKernels && M * N * K > 1e8 && quick) continue
    const s = time(() => k.gemm(tA, tB, M, N, K, A, 0, lda, B, 0, ldb, 1, C, 0, N), budget)
    const gflops = Number(((2 * M * N * K) / s / 1e9).toFixed(2))
    const us = Number((s * 1e6).toFixed(2))
    const row = { bench: 'gemm', what, M, N, K, tA, tB, kernels: k.name, gflops, us }
    console.log(JSON.stringify(row))
  }
}

for (const [Bn, H] of [
  [16, 64],
  [32, 128],
]) {
  const s = Bn * H
  const g = rand(4 * s)
  const [bih, bhh] = [rand(4 * H), rand(4 * H)]
  const [cp, c, h, dh, dc] = [rand(s), rand(s), rand(s), rand(s), rand(s)]
  const dg = rand(4 * s)
  const [gh, hn] = [rand(3 * s), rand(s)]
  for (const k of impls) {
    // Forward steps activate their gates in place: repeated calls see saturated values, which
    // costs the same (the native code is branch-free; Math.exp is not value-dependent here).
    const g0 = g.slice()
    const steps: [string, () => void][] = [
      ['lstmForwardStep', () => k.lstmForwardStep(Bn, H, g0, 0, bih, bhh, cp, 0, c, 0, h, 0)],
      ['lstmBackwardStep', () => k.lstmBackwardStep(Bn, H, g, 0, cp, 0, c, 0, dh, 0, dc, 0, dg, 0)],
      ['gruForwardStep', () => k.gruForwardStep(Bn, H, g0, 0, gh, 0, bih, bhh, cp, 0, hn, 0, h, 0)],
    ]
    for (const [name, fn] of steps) {
      const sec = time(fn, budget / 5)
      const us = Number((sec * 1e6).toFixed(2))
      console.log(JSON.stringify({ bench: 'step', kernel: name, B: Bn, H, kernels: k.name, us }))
    }
  }
}
