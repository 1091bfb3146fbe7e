/**
 * Picks the fastest available `Kernels`: the native addon built by scripts/build-kernels.js
 * (build/kernels/framewise_kernels.node, AVX-512 / AVX2+FMA / SSE2 chosen at load time), else the
 * pure-TS reference from models/.
 *
 * FRAMEWISE_KERNELS=ts forces the reference, FRAMEWISE_KERNELS=native makes a missing addon an
 * error instead of a silent fallback. FRAMEWISE_KERNELS_ISA=avx2|sse2 caps the native ISA.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kernels } from '../../models/kernels'
import { tsKernels } from '../../models/kernels-ts'

const ADDON = join('build', 'kernels', 'framewise_kernels.node')

/** Instruction sets the addon is built for (widest first). */
export const NATIVE_ISAS = ['avx512', 'avx2', 'sse2'] as const
export type NativeIsa = (typeof NATIVE_ISAS)[number]

/** The addon's kernels for one ISA; `name` is e.g. 'native-avx512'. */
export type NativeTable = Omit<Kernels, 'alloc'> & {
  /** Frame → log-mel of the audio features (contract in ./features.ts); writes `out`. */
  logmelFrames: (
    x: Float32Array,
    origin: number,
    length: number,
    t0: number,
    t1: number,
    hop: number,
    win: Float64Array,
    segStart: Int32Array,
    rise: Float64Array,
    out: Float64Array,
  ) => void
  /** Frame → MFCC: log-mel rows times a DCT matrix (contract in ./features.ts); writes `out`. */
  mfccFrames: (
    x: Float32Array,
    origin: number,
    length: number,
    t0: number,
    t1: number,
    hop: number,
    win: Float64Array,
    segStart: Int32Array,
    rise: Float64Array,
    dct: Float32Array,
    out: Float32Array,
  ) => void
  /** FLAC frames → mono float32 (contract in ./flac.ts); returns the samples written. */
  flacDecode: (
    data: Uint8Array,
    channels: number,
    bits: number,
    channel: number,
    skip: number,
    out: Float32Array,
    want: number,
  ) => number
  /** Polyphase sinc resampling of an output range (contract in ./resample.ts); writes `y`. */
  resampleRange: (
    x: Float32Array,
    origin: number,
    length: number,
    L: number,
    M: number,
    Wc: number,
    table: Float32Array,
    o0: number,
    o1: number,
    y: Float32Array,
  ) => void
}
/** The addon's exports: the widest ISA's kernels, and the others on request. */
interface NativeAddon extends NativeTable {
  /** The kernels for `isa`, or null when this CPU lacks it. */
  variant(isa: NativeIsa): NativeTable | null
}

/** Where the addon was looked for and why it was not used (for logs and `framewise doctor`). */
export interface KernelsStatus {
  /** Name of the implementation `loadKernels` returns. */
  name: string
  /** Path of the loaded addon, or null. */
  path: string | null
  /** Why the native kernels are not in use, or null when they are. */
  fallbackReason: string | null
}

let status: KernelsStatus | null = null
let cached: Kernels | null = null

/** The addon path: FRAMEWISE_KERNELS_PATH, else build/kernels/ in the nearest ancestor dir. */
function findAddon(): string | null {
  const override = process.env.FRAMEWISE_KERNELS_PATH
  if (override) return existsSync(override) ? override : null
  // From engine/kernels/ (sources via tsx) or out/main/ (bundled app) up to the repo root.
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, ADDON)
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return null
}

/** The addon's table for the widest ISA (or `isa`), or an Error saying why it cannot be used. */
export function loadNativeTable(isa?: NativeIsa): NativeTable | Error {
  const path = findAddon()
  if (!path) return new Error(`${ADDON} not found (run: node scripts/build-kernels.js)`)
  let addon: NativeAddon
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon
  } catch (e) {
    return new Error(`loading ${path} failed: ${(e as Error).message}`)
  }
  const t = isa ? addon.variant(isa) : addon
  if (!t) return new Error(`this CPU does not support ${isa}`)
  return t
}

/** The native kernels (widest ISA, or `isa`), or an Error saying why they cannot be used. */
export function loadNativeKernels(isa?: NativeIsa): Kernels | Error {
  const t = loadNativeTable(isa)
  if (t instanceof Error) return t
  // The addon's functions are used as they are: a wrapper would add a JS frame per call.
  return {
    name: t.name,
    alloc: (n) => new Float32Array(n),
    gemm: t.gemm,
    colSum: t.colSum,
    lstmForwardStep: t.lstmForwardStep,
    lstmBackwardStep: t.lstmBackwardStep,
    gruForwardStep: t.gruForwardStep,
    gruBackwardStep: t.gruBackwardStep,
    rnnForwardStep: t.rnnForwardStep,
    rnnBackwardStep: t.rnnBackwardStep,
  }
}

/** FRAMEWISE_KERNELS, checked: 'ts', 'native' or undefined (= native if available). */
export function kernelsWanted(): 'ts' | 'native' | undefined {
  const want = process.env.FRAMEWISE_KERNELS
  if (want && want !== 'ts' && want !== 'native') {
    throw new Error(`FRAMEWISE_KERNELS must be 'ts' or 'native', got '${want}'`)
  }
  return want === 'ts' || want === 'native' ? want : undefined
}

/** The kernels to train with (cached per thread: each worker loads its own). */
export function loadKernels(): Kernels {
  if (cached) return cached
  const want = kernelsWanted()
  if (want === 'ts') {
    status = { name: tsKernels.name, path: null, fallbackReason: 'FRAMEWISE_KERNELS=ts' }
    return (cached = tsKernels)
  }
  const native = loadNativeKernels()
  if (native instanceof Error) {
    if (want === 'native') throw native
    status = { name: tsKernels.name, path: null, fallbackReason: native.message }
    return (cached = tsKernels)
  }
  status = { name: native.name, path: findAddon(), fallbackReason: null }
  return (cached = native)
}

/** Which kernels to use: 'auto' = `loadKernels()`; 'native' fails if the addon is missing. */
export type KernelsChoice = 'auto' | 'ts' | 'native'

export function pickKernels(choice: KernelsChoice): Kernels {
  if (choice === 'ts') return tsKernels
  if (choice === 'auto') return loadKernels()
  const k = loadNativeKernels()
  if (k instanceof Error) throw k
  return k
}

/** What `loadKernels` chose and why. */
export function kernelsStatus(): KernelsStatus {
  loadKernels()
  return status!
}
