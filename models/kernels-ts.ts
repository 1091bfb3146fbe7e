/**
 * Pure-TS reference implementation of `Kernels`: the fallback path, and the oracle every fast
 * (native/WASM) implementation is tested against. `tsKernels` is float32; `tsKernels64` runs
 * the same code over Float64Array for gradient checks.
 *
 * GEMM: every transpose case is packed into one 2×4 register-blocked dot-product kernel (see
 * makeGemm), the fastest of the layouts tried in V8 on the tagger's shapes (docs/kernels.md).
 */
import type { FloatArray, Kernels } from './kernels'

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))

/** Reduction panel for packed operands: a (M + N) × KC panel stays in L2 while it is reused. */
const KC = 256

/**
 * GEMM as packed dot products: every case is brought to C += A·Bᵀ with both operands stored
 * row-major along k (NT form), transposing A or B into a panel of KC columns when needed
 * (O((M + N)·K) copies against O(M·N·K) flops), then a 2×4 register-blocked dot kernel runs
 * with 8 accumulators (a 4×4 block spills registers in V8; docs/kernels.md has the comparison).
 */
function makeGemm<A extends FloatArray>(make: (n: number) => A): Kernels<A>['gemm'] {
  let packA = make(0)
  let packB = make(0)
  return function gemm(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) {
    if (beta === 0) for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N)
    if (K === 0 || M === 0 || N === 0) return
    const kc = transA || !transB ? Math.min(K, KC) : K
    if (transA && packA.length < M * kc) packA = make(M * kc)
    if (!transB && packB.length < N * kc) packB = make(N * kc)
    for (let k0 = 0; k0 < K; k0 += kc) {
      const w = Math.min(kc, K - k0)
      // A panel (M × w) along k: a itself, or Aᵀ packed from A (K × M)
      if (transA) transposeInto(packA, w, a, aOff + k0 * lda, lda, w, M)
      // B panel (N × w) along k: b itself (B stored N × K), or Bᵀ packed from B (K × N)
      if (!transB) transposeInto(packB, w, b, bOff + k0 * ldb, ldb, w, N)
      dot24(
        M,
        N,
        w,
        transA ? packA : a,
        transA ? 0 : aOff + k0,
        transA ? w : lda,
        transB ? b : packB,
        transB ? bOff + k0 : 0,
        transB ? ldb : w,
        c,
        cOff,
        ldc,
      )
    }
  }
}

/** dst[j·ldd + r] = src[sOff + r·lds + j] for r < rows, j < cols (dst is cols × rows). */
function transposeInto(
  dst: FloatArray,
  ldd: number,
  src: FloatArray,
  sOff: number,
  lds: number,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = sOff + r * lds
    for (let j = 0; j < cols; j++) dst[j * ldd + r] = src[s + j]
  }
}

/** C (M×N) += A (M×K) · Bᵀ, B stored (N×K): 2 rows × 4 columns of C per pass over k. */
function dot24(
  M: number,
  N: number,
  K: number,
  a: FloatArray,
  aOff: number,
  lda: number,
  b: FloatArray,
  bOff: number,
  ldb: number,
  c: FloatArray,
  cOff: number,
  ldc: number,
): void {
  const M2 = M - (M % 2)
  const N4 = N - (N % 4)
  let i = 0
  for (; i < M2; i += 2) {
    const a0 = aOff + i * lda,
      a1 = a0 + lda
    const c0 = cOff + i * ldc,
      c1 = c0 + ldc
    let j = 0
    for (; j < N4; j += 4) {
      const b0 = bOff + j * ldb,
        b1 = b0 + ldb,
        b2 = b1 + ldb,
        b3 = b2 + ldb
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k],
          x1 = a[a1 + k]
        const y0 = b[b0 + k],
          y1 = b[b1 + k],
          y2 = b[b2 + k],
          y3 = b[b3 + k]
        s00 += x0 * y0
        s01 += x0 * y1
        s02 += x0 * y2
        s03 += x0 * y3
        s10 += x1 * y0
        s11 += x1 * y1
        s12 += x1 * y2
        s13 += x1 * y3
      }
      c[c0 + j] += s00
      c[c0 + j + 1] += s01
      c[c0 + j + 2] += s02
      c[c0 + j + 3] += s03
      c[c1 + j] += s10
      c[c1 + j + 1] += s11
      c[c1 + j + 2] += s12
      c[c1 + j + 3] += s13
    }
    for (; j < N; j++) {
      const b0 = bOff + j * ldb
      let s0 = 0,
        s1 = 0
      for (let k = 0; k < K; k++) {
        s0 += a[a0 + k] * b[b0 + k]
        s1 += a[a1 + k] * b[b0 + k]
      }
      c[c0 + j] += s0
      c[c1 + j] += s1
    }
  }
  for (; i < M; i++) {
    const a0 = aOff + i * lda,
      c0 = cOff + i * ldc
    for (let j = 0; j < N; j++) {
      const b0 = bOff + j * ldb
      let s = 0
      for (let k = 0; k < K; k++) s += a[a0 + k] * b[b0 + k]
      c[c0 + j] += s
    }
  }
}

function colSum(
  M: number,
  N: number,
  x: FloatArray,
  xOff: number,
  ldx: number,
  y: FloatArray,
  yOff: number,
): void {
  for (let i = 0; i < M; i++) {
    const xi = xOff + i * ldx
    for (let j = 0; j < N; j++) y[yOff + j] += x[xi + j]
  }
}

function lstmForwardStep(
  B: number,
  H: number,
  gates: FloatArray,
  gOff: number,
  bih: FloatArray,
  bhh: FloatArray,
  cPrev: FloatArray,
  cpOff: number,
  c: FloatArray,
  cOff: number,
  h: FloatArray,
  hOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const gr = gOff + b * 4 * H
    const hr = b * H
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[gr + j] + bih[j] + bhh[j])
      const f = sigmoid(gates[gr + H + j] + bih[H + j] + bhh[H + j])
      const g = Math.tanh(gates[gr + 2 * H + j] + bih[2 * H + j] + bhh[2 * H + j])
      const o = sigmoid(gates[gr + 3 * H + j] + bih[3 * H + j] + bhh[3 * H + j])
      gates[gr + j] = i
      gates[gr + H + j] = f
      gates[gr + 2 * H + j] = g
      gates[gr + 3 * H + j] = o
      // c_t = f ⊙ c_{t−1} + i ⊙ g ;  h_t = o ⊙ tanh(c_t)
      const ct = f * cPrev[cpOff + hr + j] + i * g
      c[cOff + hr + j] = ct
      h[hOff + hr + j] = o * Math.tanh(ct)
    }
  }
}

function lstmBackwardStep(
  B: number,
  H: number,
  gates: FloatArray,
  gOff: number,
  cPrev: FloatArray,
  cpOff: number,
  c: FloatArray,
  cOff: number,
  dh: FloatArray,
  dhOff: number,
  dc: FloatArray,
  dcOff: number,
  dGates: FloatArray,
  dgOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const gr = gOff + b * 4 * H
    const dgr = dgOff + b * 4 * H
    const hr = b * H
    for (let j = 0; j < H; j++) {
      const i = gates[gr + j]
      const f = gates[gr + H + j]
      const g = gates[gr + 2 * H + j]
      const o = gates[gr + 3 * H + j]
      const tc = Math.tanh(c[cOff + hr + j])
      const dhj = dh[dhOff + hr + j]
      const dct = dc[dcOff + hr + j] + dhj * o * (1 - tc * tc)
      dGates[dgr + j] = dct * g * i * (1 - i)
      dGates[dgr + H + j] = dct * cPrev[cpOff + hr + j] * f * (1 - f)
      dGates[dgr + 2 * H + j] = dct * i * (1 - g * g)
      dGates[dgr + 3 * H + j] = dhj * tc * o * (1 - o)
      dc[dcOff + hr + j] = dct * f
    }
  }
}

function gruForwardStep(
  B: number,
  H: number,
  gates: FloatArray,
  gOff: number,
  gh: FloatArray,
  ghOff: number,
  bih: FloatArray,
  bhh: FloatArray,
  hPrev: FloatArray,
  hpOff: number,
  hn: FloatArray,
  hnOff: number,
  h: FloatArray,
  hOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const gr = gOff + b * 3 * H
    const hhr = ghOff + b * 3 * H
    const hr = b * H
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gates[gr + j] + bih[j] + gh[hhr + j] + bhh[j])
      const z = sigmoid(gates[gr + H + j] + bih[H + j] + gh[hhr + H + j] + bhh[H + j])
      const hnj = gh[hhr + 2 * H + j] + bhh[2 * H + j]
      const n = Math.tanh(gates[gr + 2 * H + j] + bih[2 * H + j] + r * hnj)
      gates[gr + j] = r
      gates[gr + H + j] = z
      gates[gr + 2 * H + j] = n
      hn[hnOff + hr + j] = hnj
      // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
      h[hOff + hr + j] = (1 - z) * n + z * hPrev[hpOff + hr + j]
    }
  }
}

function gruBackwardStep(
  B: number,
  H: number,
  gates: FloatArray,
  gOff: number,
  hn: FloatArray,
  hnOff: number,
  hPrev: FloatArray,
  hpOff: number,
  dh: FloatArray,
  dhOff: number,
  dGx: FloatArray,
  dxOff: number,
  dGh: FloatArray,
  dhhOff: number,
  dhPrev: FloatArray,
  dpOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const gr = gOff + b * 3 * H
    const xr = dxOff + b * 3 * H
    const hhr = dhhOff + b * 3 * H
    const hr = b * H
    for (let j = 0; j < H; j++) {
      const r = gates[gr + j]
      const z = gates[gr + H + j]
      const n = gates[gr + 2 * H + j]
      const dhj = dh[dhOff + hr + j]
      const dn = dhj * (1 - z) * (1 - n * n)
      const dr = dn * hn[hnOff + hr + j] * r * (1 - r)
      const dz = dhj * (hPrev[hpOff + hr + j] - n) * z * (1 - z)
      dGx[xr + j] = dr
      dGx[xr + H + j] = dz
      dGx[xr + 2 * H + j] = dn
      dGh[hhr + j] = dr
      dGh[hhr + H + j] = dz
      dGh[hhr + 2 * H + j] = dn * r
      dhPrev[dpOff + hr + j] += dhj * z
    }
  }
}

function rnnForwardStep(
  relu: boolean,
  B: number,
  H: number,
  a: FloatArray,
  aOff: number,
  bih: FloatArray,
  bhh: FloatArray,
): void {
  for (let b = 0; b < B; b++) {
    const ar = aOff + b * H
    if (relu) {
      for (let j = 0; j < H; j++) a[ar + j] = Math.max(0, a[ar + j] + bih[j] + bhh[j])
    } else {
      for (let j = 0; j < H; j++) a[ar + j] = Math.tanh(a[ar + j] + bih[j] + bhh[j])
    }
  }
}

function rnnBackwardStep(
  relu: boolean,
  B: number,
  H: number,
  h: FloatArray,
  hOff: number,
  dh: FloatArray,
  dhOff: number,
): void {
  const n = B * H
  if (relu) {
    for (let k = 0; k < n; k++) if (!(h[hOff + k] > 0)) dh[dhOff + k] = 0
  } else {
    for (let k = 0; k < n; k++) {
      const hk = h[hOff + k]
      dh[dhOff + k] *= 1 - hk * hk
    }
  }
}

function makeTsKernels<A extends FloatArray>(name: string, make: (n: number) => A): Kernels<A> {
  return {
    name,
    alloc: make,
    gemm: makeGemm(make),
    colSum,
    lstmForwardStep,
    lstmBackwardStep,
    gruForwardStep,
    gruBackwardStep,
    rnnForwardStep,
    rnnBackwardStep,
  }
}

/** The float32 reference kernels. */
export const tsKernels: Kernels<Float32Array> = makeTsKernels('ts', (n) => new Float32Array(n))

/** The same code over Float64Array, for gradient checks. */
export const tsKernels64: Kernels<Float64Array> = makeTsKernels('ts64', (n) => new Float64Array(n))
