/**
 * Pure-TS reference implementation of `Kernels`: the fallback path, and the oracle every fast
 * (native/WASM) implementation is tested against. `tsKernels` is float32; `tsKernels64` runs
 * the same code over Float64Array for gradient checks.
 *
 * GEMM: loops are ordered so the innermost loop walks contiguous memory in both operands, and
 * unrolled 4-wide over the reduction (NN, TN) or the output columns (NT) so each loaded C or A
 * element is reused 4 times from registers. Measured (kernels-ts.bench in the test file) against
 * a 2×4 register-blocked NT variant, which was not faster in V8; see the report in git log.
 */
import type { FloatArray, Kernels } from './kernels'

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))

function gemm<A extends FloatArray>(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  a: A,
  aOff: number,
  lda: number,
  b: A,
  bOff: number,
  ldb: number,
  beta: 0 | 1,
  c: A,
  cOff: number,
  ldc: number,
): void {
  if (beta === 0) for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N)
  if (K === 0 || M === 0 || N === 0) return
  if (!transA && !transB) gemmNN(M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc)
  else if (!transA && transB) gemmNT(M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc)
  else if (transA && !transB) gemmTN(M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc)
  else gemmTT(M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc)
}

/** C (M×N) += A (M×K) · B (K×N): axpy rows of B into a row of C, 4 k at a time. */
function gemmNN(
  M: number, N: number, K: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  c: FloatArray, cOff: number, ldc: number,
): void {
  const K4 = K - (K % 4)
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * lda
    const ci = cOff + i * ldc
    let k = 0
    for (; k < K4; k += 4) {
      const a0 = a[ai + k], a1 = a[ai + k + 1], a2 = a[ai + k + 2], a3 = a[ai + k + 3]
      const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
      for (let j = 0; j < N; j++) {
        c[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j]
      }
    }
    for (; k < K; k++) {
      const a0 = a[ai + k]
      const b0 = bOff + k * ldb
      for (let j = 0; j < N; j++) c[ci + j] += a0 * b[b0 + j]
    }
  }
}

/** C (M×N) += A (M×K) · Bᵀ, B stored (N×K): 4 dot products per A row at once. */
function gemmNT(
  M: number, N: number, K: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  c: FloatArray, cOff: number, ldc: number,
): void {
  const N4 = N - (N % 4)
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * lda
    const ci = cOff + i * ldc
    let j = 0
    for (; j < N4; j += 4) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0
      for (let k = 0; k < K; k++) {
        const x = a[ai + k]
        s0 += x * b[b0 + k]
        s1 += x * b[b1 + k]
        s2 += x * b[b2 + k]
        s3 += x * b[b3 + k]
      }
      c[ci + j] += s0
      c[ci + j + 1] += s1
      c[ci + j + 2] += s2
      c[ci + j + 3] += s3
    }
    for (; j < N; j++) {
      const b0 = bOff + j * ldb
      let s = 0
      for (let k = 0; k < K; k++) s += a[ai + k] * b[b0 + k]
      c[ci + j] += s
    }
  }
}

/**
 * C (M×N) += Aᵀ · B, A stored (K×M), B (K×N): rank-4 updates of C, blocked over K so the
 * C block (M×N, small for weight gradients) stays in cache while K (= T·B rows) streams.
 */
function gemmTN(
  M: number, N: number, K: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  c: FloatArray, cOff: number, ldc: number,
): void {
  const K4 = K - (K % 4)
  let k = 0
  for (; k < K4; k += 4) {
    const a0 = aOff + k * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
    const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
    for (let i = 0; i < M; i++) {
      const x0 = a[a0 + i], x1 = a[a1 + i], x2 = a[a2 + i], x3 = a[a3 + i]
      const ci = cOff + i * ldc
      for (let j = 0; j < N; j++) {
        c[ci + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j]
      }
    }
  }
  for (; k < K; k++) {
    const a0 = aOff + k * lda
    const b0 = bOff + k * ldb
    for (let i = 0; i < M; i++) {
      const x0 = a[a0 + i]
      const ci = cOff + i * ldc
      for (let j = 0; j < N; j++) c[ci + j] += x0 * b[b0 + j]
    }
  }
}

/** C (M×N) += Aᵀ · Bᵀ: not on any hot path; plain triple loop. */
function gemmTT(
  M: number, N: number, K: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  c: FloatArray, cOff: number, ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0
      for (let k = 0; k < K; k++) s += a[aOff + k * lda + i] * b[bOff + j * ldb + k]
      c[cOff + i * ldc + j] += s
    }
  }
}

function colSum(
  M: number, N: number, x: FloatArray, xOff: number, ldx: number, y: FloatArray, yOff: number,
): void {
  for (let i = 0; i < M; i++) {
    const xi = xOff + i * ldx
    for (let j = 0; j < N; j++) y[yOff + j] += x[xi + j]
  }
}

function lstmForwardStep(
  B: number, H: number,
  gates: FloatArray, gOff: number,
  bih: FloatArray, bhh: FloatArray,
  cPrev: FloatArray, cpOff: number,
  c: FloatArray, cOff: number,
  h: FloatArray, hOff: number,
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
  B: number, H: number,
  gates: FloatArray, gOff: number,
  cPrev: FloatArray, cpOff: number,
  c: FloatArray, cOff: number,
  dh: FloatArray, dhOff: number,
  dc: FloatArray, dcOff: number,
  dGates: FloatArray, dgOff: number,
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
  B: number, H: number,
  gates: FloatArray, gOff: number,
  gh: FloatArray, ghOff: number,
  bih: FloatArray, bhh: FloatArray,
  hPrev: FloatArray, hpOff: number,
  hn: FloatArray, hnOff: number,
  h: FloatArray, hOff: number,
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
  B: number, H: number,
  gates: FloatArray, gOff: number,
  hn: FloatArray, hnOff: number,
  hPrev: FloatArray, hpOff: number,
  dh: FloatArray, dhOff: number,
  dGx: FloatArray, dxOff: number,
  dGh: FloatArray, dhhOff: number,
  dhPrev: FloatArray, dpOff: number,
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
  relu: boolean, B: number, H: number, a: FloatArray, aOff: number, bih: FloatArray, bhh: FloatArray,
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
  relu: boolean, B: number, H: number, h: FloatArray, hOff: number, dh: FloatArray, dhOff: number,
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
    gemm,
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
