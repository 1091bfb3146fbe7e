// Every native kernel, for every ISA variant this CPU runs, against the TS reference (models/).
import { describe, expect, it } from 'vitest'
import type { Kernels } from '../../models/kernels'
import { tsKernels, tsKernels64 } from '../../models/kernels-ts'
import { Rng } from '../../models/rng'
import { loadNativeKernels, NATIVE_ISAS } from './load'
import { requireUnderCi } from '../testing/tools'

const variants = NATIVE_ISAS.map((isa) => loadNativeKernels(isa)).filter(
  (k): k is Kernels => !(k instanceof Error),
)
const haveNative = requireUnderCi(
  !(loadNativeKernels() instanceof Error),
  'the native kernel addon',
  'g++ and node-gyp build it in npm ci',
)

/** Seeded uniform [lo, hi) floats (the project's one PRNG), so failures reproduce. */
function rng(seed: number): (lo?: number, hi?: number) => number {
  const r = new Rng(seed)
  return (lo = -1, hi = 1) => r.uniform(lo, hi)
}

function randArray(n: number, r: (lo?: number, hi?: number) => number, lo = -1, hi = 1) {
  const a = new Float32Array(n)
  for (let i = 0; i < n; i++) a[i] = r(lo, hi)
  return a
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i])
    if (!(d <= m)) m = d // NaN propagates as the max
  }
  return m
}

/**
 * max |a − b| / (|b| + floor): relative error for |b| ≫ floor, absolute below. Step outputs
 * near zero come from cancelling sums (f·c + i·g, or x + b near a zero of tanh), where float32
 * rounding of the inputs, not the kernel, sets the relative error; hence floor 1 for those.
 */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  let m = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor)
    if (!(d <= m)) m = d
  }
  return m
}

interface GemmCase {
  tA: boolean
  tB: boolean
  M: number
  N: number
  K: number
  beta: 0 | 1
}

/** Runs one gemm case with offsets and padded strides; returns max error vs a float64 product. */
function checkGemm(k: Kernels, c: GemmCase, seed: number): { err: number; tsErr: number } {
  const r = rng(seed)
  const { tA, tB, M, N, K, beta } = c
  const pad = 1 + (seed % 5)
  const [ar, ac] = tA ? [K, M] : [M, K]
  const [br, bc] = tB ? [N, K] : [K, N]
  const lda = ac + pad
  const ldb = bc + 2 * pad
  const ldc = N + 3
  const aOff = 7
  const bOff = 3
  const cOff = 5
  const A = randArray(aOff + ar * lda, r)
  const B = randArray(bOff + br * ldb, r)
  const C0 = randArray(cOff + M * ldc + 4, r)
  if (beta === 0) for (let i = 0; i < M; i++) C0.fill(NaN, cOff + i * ldc, cOff + i * ldc + N)
  const C = C0.slice()
  const Cts = C0.slice()
  const C64 = Float64Array.from(C0)
  k.gemm(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)
  tsKernels.gemm(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, Cts, cOff, ldc)
  tsKernels64.gemm(
    tA,
    tB,
    M,
    N,
    K,
    Float64Array.from(A),
    aOff,
    lda,
    Float64Array.from(B),
    bOff,
    ldb,
    beta,
    C64,
    cOff,
    ldc,
  )
  // Elements outside the M×N window (stride padding, before/after) must be untouched.
  for (let i = 0; i < C.length; i++) {
    const row = Math.floor((i - cOff) / ldc)
    const col = (i - cOff) % ldc
    const inside = i >= cOff && row < M && col < N
    if (!inside) expect(Object.is(C[i], C0[i])).toBe(true)
  }
  return { err: maxAbsDiff(C, C64), tsErr: maxAbsDiff(Cts, C64) }
}

describe.skipIf(!haveNative)('native kernels', () => {
  it('builds at least the SSE2 variant, and the widest is the default', () => {
    expect(variants.map((v) => v.name)).toContain('native-sse2')
    const def = loadNativeKernels() as Kernels
    expect(def.name).toBe(variants[0].name)
  })

  for (const k of variants) {
    describe(k.name, () => {
      it('gemm matches a float64 product on odd shapes, all transposes, offsets, beta 0/1', () => {
        const dims = [1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 33, 64, 65]
        let seed = 1
        let worst = 0
        let worstTs = 0
        for (const tA of [false, true])
          for (const tB of [false, true])
            for (const beta of [0, 1] as const)
              for (let rep = 0; rep < 12; rep++) {
                const M = dims[(seed * 7) % dims.length]
                const N = dims[(seed * 11 + 3) % dims.length]
                const K = dims[(seed * 5 + rep) % dims.length]
                const { err, tsErr } = checkGemm(k, { tA, tB, M, N, K, beta }, seed++)
                // float32 rounding of a K-term dot product of values in [−1, 1]: ≲ K·2^-24
                expect(err, `${tA} ${tB} ${M}x${N}x${K} beta ${beta}`).toBeLessThan(1e-6 * (K + 2))
                worst = Math.max(worst, err)
                worstTs = Math.max(worstTs, tsErr)
              }
        expect(worst).toBeGreaterThan(0) // the comparison really saw float32 rounding
        // float32 accumulation (ours) vs the TS loops' float64 partial sums: same order of error
        expect(worst).toBeLessThan(8 * worstTs + 1e-6)
      })

      it('gemm crosses every cache block (M > MC, N > NC, K > KC) and the small-M path', () => {
        const cases: GemmCase[] = [
          { tA: false, tB: false, M: 203, N: 530, K: 261, beta: 0 },
          { tA: true, tB: false, M: 150, N: 45, K: 1300, beta: 1 },
          { tA: false, tB: true, M: 300, N: 257, K: 140, beta: 1 },
          { tA: true, tB: true, M: 131, N: 520, K: 129, beta: 0 },
          { tA: true, tB: false, M: 150, N: 13, K: 700, beta: 1 }, // narrow dW: via Cᵀ
          { tA: true, tB: false, M: 96, N: 6, K: 300, beta: 0 },
          { tA: false, tB: false, M: 16, N: 256, K: 64, beta: 1 }, // recurrent step, B in place
          { tA: false, tB: false, M: 9, N: 100, K: 33, beta: 1 }, // ragged last panel
          { tA: false, tB: true, M: 32, N: 384, K: 128, beta: 0 },
          { tA: false, tB: false, M: 0, N: 5, K: 5, beta: 0 },
          { tA: false, tB: false, M: 4, N: 6, K: 0, beta: 0 }, // K = 0, beta 0 writes zeros
        ]
        cases.forEach((c, i) => {
          const { err } = checkGemm(k, c, 100 + i)
          expect(err, JSON.stringify(c)).toBeLessThan(2e-7 * (c.K + 2) + 1e-7)
        })
      })

      it('colSum is bit-identical to the reference (same summation order)', () => {
        const r = rng(5)
        const shapes = [
          [1, 1, 1],
          [37, 5, 9],
          [400, 256, 256],
          [33, 100, 131],
        ]
        for (const [M, N, ldx] of shapes) {
          const X = randArray(3 + M * ldx, r)
          const y = randArray(N + 4, r)
          const yts = y.slice()
          k.colSum(M, N, X, 3, ldx, y, 2)
          tsKernels.colSum(M, N, X, 3, ldx, yts, 2)
          expect(maxAbsDiff(y, yts)).toBe(0)
        }
      })

      it('sigmoid and tanh: relative error ≤ 5e-7 vs Math.exp/Math.tanh over [−30, 30]', () => {
        const n = 6001
        const xs = new Float32Array(n)
        for (let i = 0; i < n; i++) xs[i] = -30 + (60 * i) / (n - 1)
        // tanh through the RNN step (biases 0), σ through the LSTM i gate (gates row of 4H = 4n)
        const a = xs.slice()
        const zeros = new Float32Array(4 * n)
        k.rnnForwardStep(false, 1, n, a, 0, zeros, zeros)
        let tanhErr = 0
        let sigErr = 0
        for (let i = 0; i < n; i++) {
          const t = Math.tanh(xs[i])
          tanhErr = Math.max(tanhErr, Math.abs(a[i] - t) / Math.max(Math.abs(t), 1e-30))
        }
        const g = new Float32Array(4 * n)
        g.set(xs, 0)
        const c = new Float32Array(n)
        const h = new Float32Array(n)
        k.lstmForwardStep(1, n, g, 0, zeros, zeros, zeros, 0, c, 0, h, 0)
        for (let i = 0; i < n; i++) {
          const s = 1 / (1 + Math.exp(-xs[i]))
          sigErr = Math.max(sigErr, Math.abs(g[i] - s) / s)
        }
        expect(tanhErr).toBeLessThan(5e-7)
        expect(sigErr).toBeLessThan(5e-7)
        // tiny arguments: tanh(x) ≈ x must keep full relative precision (no 1 − e cancellation)
        const tiny = Float32Array.from([1e-8, -3e-6, 1e-3, -0.3])
        k.rnnForwardStep(false, 1, 4, tiny, 0, zeros, zeros)
        const tinyRef = [1e-8, -3e-6, Math.tanh(1e-3), Math.tanh(-0.3)].map(Math.fround)
        expect(maxRelDiff(tiny, tinyRef, 1e-30)).toBeLessThan(3e-7)
        // saturation: no NaN/Inf at ±100
        const sat = Float32Array.from([100, -100, 1e30, -1e30])
        k.rnnForwardStep(false, 1, 4, sat, 0, zeros, zeros)
        expect(Array.from(sat)).toEqual([1, -1, 1, -1])
      })

      for (const [B, H] of [
        [1, 1],
        [3, 5],
        [8, 16],
        [16, 64],
        [5, 37],
        [32, 128],
      ]) {
        it(`step kernels match the reference: B=${B} H=${H}`, () => {
          const r = rng(B * 1000 + H)
          const s = B * H
          const off = 3 // every buffer at an offset into a larger view
          const mk = (n: number, lo = -3, hi = 3) => randArray(off + n + 2, r, lo, hi)
          const both = (f: (k: Kernels, bufs: Float32Array[]) => void, bufs: Float32Array[]) => {
            const mine = bufs.map((b) => b.slice())
            const ref = bufs.map((b) => b.slice())
            f(k, mine)
            f(tsKernels, ref)
            return mine.map((m, i) => maxRelDiff(m, ref[i]))
          }
          // LSTM forward: gates, bih, bhh, cPrev, c, h
          const lf = both(
            (kk, [g, bi, bh, cp, c, h]) =>
              kk.lstmForwardStep(
                B,
                H,
                g,
                off,
                bi.subarray(off),
                bh.subarray(off),
                cp,
                off,
                c,
                off,
                h,
                off,
              ),
            [mk(4 * s), mk(4 * H, -0.5, 0.5), mk(4 * H, -0.5, 0.5), mk(s), mk(s), mk(s)],
          )
          expect(Math.max(...lf), `lstm fwd ${lf}`).toBeLessThan(1e-6)
          // LSTM backward: activated gates in (0,1) / (−1,1)
          const ga = mk(4 * s, 0.01, 0.99)
          const lb = both(
            (kk, [g, cp, c, dh, dc, dg]) =>
              kk.lstmBackwardStep(B, H, g, off, cp, off, c, off, dh, off, dc, off, dg, off),
            [ga, mk(s), mk(s), mk(s), mk(s), mk(4 * s)],
          )
          expect(Math.max(...lb), `lstm bwd ${lb}`).toBeLessThan(1e-6)
          // GRU forward: gates, gh, bih, bhh, hPrev, hn, h
          const gf = both(
            (kk, [g, gh, bi, bh, hp, hn, h]) =>
              kk.gruForwardStep(
                B,
                H,
                g,
                off,
                gh,
                off,
                bi.subarray(off),
                bh.subarray(off),
                hp,
                off,
                hn,
                off,
                h,
                off,
              ),
            [
              mk(3 * s),
              mk(3 * s),
              mk(3 * H, -0.5, 0.5),
              mk(3 * H, -0.5, 0.5),
              mk(s, -1, 1),
              mk(s),
              mk(s),
            ],
          )
          expect(Math.max(...gf), `gru fwd ${gf}`).toBeLessThan(1e-6)
          // GRU backward: gates, hn, hPrev, dh, dGx, dGh, dhPrev
          const gb = both(
            (kk, [g, hn, hp, dh, dx, dq, dp]) =>
              kk.gruBackwardStep(
                B,
                H,
                g,
                off,
                hn,
                off,
                hp,
                off,
                dh,
                off,
                dx,
                off,
                dq,
                off,
                dp,
                off,
              ),
            [mk(3 * s, 0.01, 0.99), mk(s), mk(s, -1, 1), mk(s), mk(3 * s), mk(3 * s), mk(s)],
          )
          expect(Math.max(...gb), `gru bwd ${gb}`).toBeLessThan(1e-6)
          // RNN tanh / relu forward and backward
          for (const relu of [false, true]) {
            const rf = both(
              (kk, [a, bi, bh]) =>
                kk.rnnForwardStep(relu, B, H, a, off, bi.subarray(off), bh.subarray(off)),
              [mk(s), mk(H, -0.5, 0.5), mk(H, -0.5, 0.5)],
            )
            expect(Math.max(...rf), `rnn fwd ${relu}`).toBeLessThan(1e-6)
            const rb = both(
              (kk, [h, dh]) => kk.rnnBackwardStep(relu, B, H, h, off, dh, off),
              [mk(s, -1, 1), mk(s)],
            )
            expect(Math.max(...rb), `rnn bwd ${relu}`).toBeLessThan(1e-6)
          }
        })
      }

      it('backward steps may write dGates/dGx exactly over the gates (read before write)', () => {
        const r = rng(77)
        const [B, H] = [5, 37]
        const s = B * H
        // LSTM: in place vs a separate dGates buffer must agree bit for bit
        const gates = randArray(4 * s + 8, r, 0.01, 0.99)
        const [cp, c, dh] = [randArray(s, r), randArray(s, r), randArray(s, r)]
        const dc0 = randArray(s, r)
        const apart = new Float32Array(4 * s + 8)
        const dcA = dc0.slice()
        k.lstmBackwardStep(B, H, gates, 8, cp, 0, c, 0, dh, 0, dcA, 0, apart, 8)
        const inPlace = gates.slice()
        const dcB = dc0.slice()
        k.lstmBackwardStep(B, H, inPlace, 8, cp, 0, c, 0, dh, 0, dcB, 0, inPlace, 8)
        expect(maxAbsDiff(inPlace.subarray(8), apart.subarray(8))).toBe(0)
        expect(maxAbsDiff(dcA, dcB)).toBe(0)
        // GRU: dGx over gates
        const g3 = randArray(3 * s, r, 0.01, 0.99)
        const [hn, hp] = [randArray(s, r), randArray(s, r)]
        const [dxA, dqA] = [new Float32Array(3 * s), new Float32Array(3 * s)]
        const dpA = new Float32Array(s)
        k.gruBackwardStep(B, H, g3, 0, hn, 0, hp, 0, dh, 0, dxA, 0, dqA, 0, dpA, 0)
        const g3b = g3.slice()
        const [dqB, dpB] = [new Float32Array(3 * s), new Float32Array(s)]
        k.gruBackwardStep(B, H, g3b, 0, hn, 0, hp, 0, dh, 0, g3b, 0, dqB, 0, dpB, 0)
        expect(maxAbsDiff(g3b, dxA)).toBe(0)
        expect(maxAbsDiff(dqB, dqA)).toBe(0)
        expect(maxAbsDiff(dpB, dpA)).toBe(0)
      })

      it('rejects out-of-bounds regions and wrong array types instead of corrupting memory', () => {
        const a = new Float32Array(10)
        const big = () => k.gemm(false, false, 4, 4, 4, a, 0, 4, a, 0, 4, 0, a, 0, 4)
        expect(big).toThrow(/past the end/)
        expect(() => k.rnnForwardStep(false, 2, 8, a, 0, a, a)).toThrow(/past the end/)
        const d = new Float64Array(16) as unknown as Float32Array
        expect(() => k.colSum(1, 4, d, 0, 4, a, 0)).toThrow(/Float32Array/)
      })
    })
  }
})
