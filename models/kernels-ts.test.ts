import { describe, expect, it } from 'vitest'
import { tsKernels, tsKernels64 } from './kernels-ts'
import type { FloatArray, Kernels } from './kernels'

/** Deterministic values in [−1, 1) without depending on rng.ts. */
function fill<A extends FloatArray>(a: A, seed: number): A {
  let s = seed >>> 0 || 1
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1
  }
  return a
}

function naiveGemm(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  lda: number,
  b: Float64Array,
  ldb: number,
  c: Float64Array,
  ldc: number,
  beta: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0
      for (let k = 0; k < K; k++) {
        s += (tA ? a[k * lda + i] : a[i * lda + k]) * (tB ? b[j * ldb + k] : b[k * ldb + j])
      }
      c[i * ldc + j] = beta * c[i * ldc + j] + s
    }
  }
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x))

describe('tsKernels.gemm', () => {
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`matches the triple loop (transA=${tA}, transB=${tB}) with strides, offsets, beta 0/1`, () => {
      const [M, N, K] = [7, 9, 13]
      const lda = (tA ? M : K) + 3
      const ldb = (tB ? K : N) + 2
      const ldc = N + 5
      const a = fill(new Float64Array(5 + lda * (tA ? K : M)), 1)
      const b = fill(new Float64Array(4 + ldb * (tB ? N : K)), 2)
      for (const beta of [0, 1] as const) {
        const c = fill(new Float64Array(6 + ldc * M), 3)
        const ref = c.slice(6)
        if (beta === 0) for (let i = 0; i < M; i++) c[6 + i * ldc] = NaN
        tsKernels64.gemm(tA, tB, M, N, K, a, 5, lda, b, 4, ldb, beta, c, 6, ldc)
        naiveGemm(tA, tB, M, N, K, a.subarray(5), lda, b.subarray(4), ldb, ref, ldc, beta)
        let maxDiff = 0
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            maxDiff = Math.max(maxDiff, Math.abs(c[6 + i * ldc + j] - ref[i * ldc + j]))
          }
          // the padding columns between rows are untouched
          expect(c[6 + i * ldc + N]).toBe(ref[i * ldc + N])
        }
        expect(maxDiff).toBeLessThan(1e-12)
      }
    })
  }
})

describe('pointwise step kernels (float32 against scalar float64 formulas)', () => {
  const [B, H] = [3, 5]
  const k: Kernels = tsKernels

  it('lstmForwardStep and lstmBackwardStep', () => {
    const pre = fill(new Float32Array(B * 4 * H), 11)
    const gates = pre.slice()
    const [bih, bhh] = [fill(k.alloc(4 * H), 12), fill(k.alloc(4 * H), 13)]
    const cPrev = fill(k.alloc(B * H), 14)
    const [c, h] = [k.alloc(B * H), k.alloc(B * H)]
    k.lstmForwardStep(B, H, gates, 0, bih, bhh, cPrev, 0, c, 0, h, 0)
    const dh = fill(k.alloc(B * H), 15)
    const dc = fill(k.alloc(B * H), 16)
    const dcIn = dc.slice()
    const dGates = k.alloc(B * 4 * H)
    k.lstmBackwardStep(B, H, gates, 0, cPrev, 0, c, 0, dh, 0, dc, 0, dGates, 0)
    let maxDiff = 0
    const near = (x: number, y: number): void => void (maxDiff = Math.max(maxDiff, Math.abs(x - y)))
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const p = (q: number): number =>
          pre[b * 4 * H + q * H + j] + bih[q * H + j] + bhh[q * H + j]
        const [i, f, g, o] = [sig(p(0)), sig(p(1)), Math.tanh(p(2)), sig(p(3))]
        const ct = f * cPrev[b * H + j] + i * g
        near(c[b * H + j], ct)
        near(h[b * H + j], o * Math.tanh(ct))
        const dct = dcIn[b * H + j] + dh[b * H + j] * o * (1 - Math.tanh(ct) ** 2)
        near(dc[b * H + j], dct * f)
        near(dGates[b * 4 * H + j], dct * g * i * (1 - i))
        near(dGates[b * 4 * H + H + j], dct * cPrev[b * H + j] * f * (1 - f))
        near(dGates[b * 4 * H + 2 * H + j], dct * i * (1 - g * g))
        near(dGates[b * 4 * H + 3 * H + j], dh[b * H + j] * Math.tanh(ct) * o * (1 - o))
      }
    }
    expect(maxDiff).toBeLessThan(1e-6)
  })

  it('gruForwardStep and gruBackwardStep', () => {
    const pre = fill(new Float32Array(B * 3 * H), 21)
    const gates = pre.slice()
    const gh = fill(k.alloc(B * 3 * H), 22)
    const [bih, bhh] = [fill(k.alloc(3 * H), 23), fill(k.alloc(3 * H), 24)]
    const hPrev = fill(k.alloc(B * H), 25)
    const [hn, h] = [k.alloc(B * H), k.alloc(B * H)]
    k.gruForwardStep(B, H, gates, 0, gh, 0, bih, bhh, hPrev, 0, hn, 0, h, 0)
    const dh = fill(k.alloc(B * H), 26)
    const dhPrev = fill(k.alloc(B * H), 27)
    const dhPrevIn = dhPrev.slice()
    const [dGx, dGh] = [k.alloc(B * 3 * H), k.alloc(B * 3 * H)]
    k.gruBackwardStep(B, H, gates, 0, hn, 0, hPrev, 0, dh, 0, dGx, 0, dGh, 0, dhPrev, 0)
    let maxDiff = 0
    const near = (x: number, y: number): void => void (maxDiff = Math.max(maxDiff, Math.abs(x - y)))
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const gx = (q: number): number => pre[b * 3 * H + q * H + j] + bih[q * H + j]
        const ghq = (q: number): number => gh[b * 3 * H + q * H + j] + bhh[q * H + j]
        const r = sig(gx(0) + ghq(0))
        const z = sig(gx(1) + ghq(1))
        const n = Math.tanh(gx(2) + r * ghq(2))
        const hp = hPrev[b * H + j]
        near(h[b * H + j], (1 - z) * n + z * hp)
        near(hn[b * H + j], ghq(2))
        const d = dh[b * H + j]
        const dn = d * (1 - z) * (1 - n * n)
        near(dGx[b * 3 * H + j], dn * ghq(2) * r * (1 - r))
        near(dGx[b * 3 * H + H + j], d * (hp - n) * z * (1 - z))
        near(dGx[b * 3 * H + 2 * H + j], dn)
        near(dGh[b * 3 * H + 2 * H + j], dn * r)
        near(dGh[b * 3 * H + j], dGx[b * 3 * H + j])
        near(dhPrev[b * H + j], dhPrevIn[b * H + j] + d * z)
      }
    }
    expect(maxDiff).toBeLessThan(1e-6)
  })

  it('rnnForwardStep and rnnBackwardStep (tanh and relu)', () => {
    for (const relu of [false, true]) {
      const pre = fill(new Float32Array(B * H), 31)
      const a = pre.slice()
      const [bih, bhh] = [fill(k.alloc(H), 32), fill(k.alloc(H), 33)]
      k.rnnForwardStep(relu, B, H, a, 0, bih, bhh)
      const dh = fill(k.alloc(B * H), 34)
      const dIn = dh.slice()
      k.rnnBackwardStep(relu, B, H, a, 0, dh, 0)
      let maxDiff = 0
      let zeros = 0
      for (let q = 0; q < B * H; q++) {
        const x = pre[q] + bih[q % H] + bhh[q % H]
        const y = relu ? Math.max(0, x) : Math.tanh(x)
        const dy = relu ? (x > 0 ? dIn[q] : 0) : dIn[q] * (1 - y * y)
        if (relu && x <= 0) zeros++
        maxDiff = Math.max(maxDiff, Math.abs(a[q] - y), Math.abs(dh[q] - dy))
      }
      expect(maxDiff).toBeLessThan(1e-6)
      if (relu) expect(zeros).toBeGreaterThan(0) // the test exercises the clipped branch
    }
  })

  it('colSum accumulates column sums with a row stride', () => {
    const x = fill(new Float64Array(2 + 4 * 7), 41)
    const y = new Float64Array(7).fill(1)
    tsKernels64.colSum(4, 5, x, 2, 7, y, 1)
    expect(y[0]).toBe(1)
    expect(y[6]).toBe(1)
    for (let j = 0; j < 5; j++) {
      let s = 1
      for (let i = 0; i < 4; i++) s += x[2 + i * 7 + j]
      expect(y[1 + j]).toBeCloseTo(s, 12)
    }
  })
})

describe('in-place backward steps (dGates / dGx in the gates buffer, as the tagger calls them)', () => {
  const [B, H] = [3, 5]
  const k: Kernels = tsKernels
  it('lstmBackwardStep and gruBackwardStep give the same results in place', () => {
    const cPrev = fill(k.alloc(B * H), 51)
    const c = fill(k.alloc(B * H), 52)
    const dh = fill(k.alloc(B * H), 53)
    const gates = fill(k.alloc(B * 4 * H), 54).map((v) => 0.5 + 0.4 * v) // activated, in (0, 1)
    const [dc1, dc2] = [fill(k.alloc(B * H), 55), fill(k.alloc(B * H), 55)]
    const dGates = k.alloc(B * 4 * H)
    k.lstmBackwardStep(B, H, gates, 0, cPrev, 0, c, 0, dh, 0, dc1, 0, dGates, 0)
    const inPlace = gates.slice()
    k.lstmBackwardStep(B, H, inPlace, 0, cPrev, 0, c, 0, dh, 0, dc2, 0, inPlace, 0)
    expect(Array.from(inPlace)).toEqual(Array.from(dGates))
    expect(Array.from(dc2)).toEqual(Array.from(dc1))

    const g3 = fill(k.alloc(B * 3 * H), 56).map((v) => 0.5 + 0.4 * v)
    const hn = fill(k.alloc(B * H), 57)
    const [dGx, dGh1, dGh2] = [k.alloc(B * 3 * H), k.alloc(B * 3 * H), k.alloc(B * 3 * H)]
    const [dp1, dp2] = [k.alloc(B * H), k.alloc(B * H)]
    k.gruBackwardStep(B, H, g3, 0, hn, 0, cPrev, 0, dh, 0, dGx, 0, dGh1, 0, dp1, 0)
    const g3in = g3.slice()
    k.gruBackwardStep(B, H, g3in, 0, hn, 0, cPrev, 0, dh, 0, g3in, 0, dGh2, 0, dp2, 0)
    expect(Array.from(g3in)).toEqual(Array.from(dGx))
    expect(Array.from(dGh2)).toEqual(Array.from(dGh1))
    expect(Array.from(dp2)).toEqual(Array.from(dp1))
  })
})
