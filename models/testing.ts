/**
 * Test helpers with no Node dependency: finite-difference gradient checks (float64, central,
 * 2- or 4-point stencil, sampled per named tensor as in ggml's test-grad0), llm.c-style
 * check_tensor max-diff reports, and a loader for PyTorch weight fixtures from already-read data.
 */
import type { FloatArray } from './kernels'
import type { ParamLayout } from './layout'
import { Rng } from './rng'

export interface GradcheckOptions {
  /** Step ε (float64: 1e-5 balances truncation and round-off for these models). */
  eps?: number
  /** Parameters sampled per named tensor (all of a tensor when it has fewer). */
  perTensor?: number
  /** 2-point: (f(θ+ε) − f(θ−ε)) / 2ε; 4-point: (−f₊₂ + 8f₊₁ − 8f₋₁ + f₋₂) / 12ε. */
  stencil?: 2 | 4
  /** Seed of the parameter sample. */
  seed?: number
  /** Denominator floor of the relative error, so gradients ≈ 0 compare absolutely. */
  floor?: number
}

export interface GradcheckResult {
  /** max over checked parameters of |a − n| / max(|a|, |n|, floor). */
  maxRel: number
  /** Where maxRel occurred. */
  worst: { name: string; index: number; analytic: number; numeric: number }
  /** Parameters checked. */
  checked: number
}

/**
 * Checks analytic gradients `grad` of `loss()` w.r.t. the flat `params`, perturbing `params` in
 * place (restored afterwards). `loss` must be deterministic (fixed dropout masks).
 */
export function gradcheck(
  loss: () => number,
  params: Float64Array,
  grad: ArrayLike<number>,
  layout: ParamLayout,
  opts: GradcheckOptions = {},
): GradcheckResult {
  const { eps = 1e-5, perTensor = 6, stencil = 2, seed = 7, floor = 1e-6 } = opts
  const rng = new Rng(seed)
  const res: GradcheckResult = {
    maxRel: 0,
    worst: { name: '', index: -1, analytic: 0, numeric: 0 },
    checked: 0,
  }
  const at = (i: number, v: number): number => {
    const keep = params[i]
    params[i] = v
    const y = loss()
    params[i] = keep
    return y
  }
  for (const e of layout.entries) {
    const idx =
      e.length <= perTensor
        ? [...Array(e.length).keys()]
        : Array.from({ length: perTensor }, () => rng.int(e.length))
    for (const q of idx) {
      const i = e.offset + q
      const x = params[i]
      const numeric =
        stencil === 2
          ? (at(i, x + eps) - at(i, x - eps)) / (2 * eps)
          : (-at(i, x + 2 * eps) + 8 * at(i, x + eps) - 8 * at(i, x - eps) + at(i, x - 2 * eps)) /
            (12 * eps)
      const analytic = grad[i]
      const rel =
        Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor)
      res.checked++
      if (rel >= res.maxRel) {
        res.maxRel = rel
        res.worst = { name: e.name, index: q, analytic, numeric }
      }
    }
  }
  return res
}

export interface TensorCheck {
  name: string
  maxDiff: number
  /** max |want| for scale. */
  maxRef: number
  n: number
}

/** llm.c check_tensor: max |got − want| over a tensor, with a one-line report. */
export function checkTensor(
  name: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
): TensorCheck {
  if (got.length !== want.length)
    throw new RangeError(`${name}: ${got.length} values vs ${want.length}`)
  let maxDiff = 0
  let maxRef = 0
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i])
    maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d)
    maxRef = Math.max(maxRef, Math.abs(want[i]))
  }
  return { name, maxDiff, maxRef, n: got.length }
}

export const formatCheck = (c: TensorCheck): string =>
  `${c.name.padEnd(28)} n=${String(c.n).padStart(6)} maxdiff=${c.maxDiff.toExponential(2)} (max|ref|=${c.maxRef.toFixed(3)})`

/** The `.weights.json` index written next to a PyTorch `.weights.bin` (float32 LE). */
export interface WeightsIndex {
  tensors: { name: string; shape: number[]; offset: number; length: number }[]
  [key: string]: unknown
}

/** Little-endian float32 values from raw bytes (copy; any alignment). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = v.getFloat32(4 * i, true)
  return out
}

/**
 * Copies PyTorch tensors by name into a flat parameter array laid out by `layout`; every layout
 * entry must be present with the same shape.
 */
export function loadWeights(
  params: FloatArray,
  layout: ParamLayout,
  index: WeightsIndex,
  values: Float32Array,
): void {
  const byName = new Map(index.tensors.map((t) => [t.name, t]))
  for (const e of layout.entries) {
    const t = byName.get(e.name)
    if (!t) throw new Error(`fixture has no tensor ${e.name}`)
    if (t.shape.join('x') !== e.shape.join('x')) {
      throw new Error(`${e.name}: fixture shape ${t.shape} vs layout ${e.shape}`)
    }
    params.set(values.subarray(t.offset, t.offset + t.length), e.offset)
  }
}

/** Time-major (T, B, W) from batch-major nested arrays [b][t][w] (JSON fixtures). */
export function timeMajor<A extends FloatArray>(
  out: A,
  rows: number[][][],
  T: number,
  W: number,
): A {
  const B = rows.length
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Math.min(T, rows[b].length); t++) {
      for (let w = 0; w < W; w++) out[(t * B + b) * W + w] = rows[b][t][w]
    }
  }
  return out
}
