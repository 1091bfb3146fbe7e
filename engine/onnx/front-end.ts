/**
 * A raw-audio model: the FeatureSpec's front end put inside a feature-input tagger's graph, with
 * standard opset-17 operators, so that any ONNX runtime takes mono samples at the spec's rate
 * and returns frame probabilities without reimplementing the features:
 *
 *   samples (B, n)
 *   → Pad N/2 zeros each side, Unsqueeze           (B, n + N, 1)   centred frames (spec.ts)
 *   → STFT(hop, window w, N), onesided             (B, T, N/2+1, 2)  T = ⌊n / hop⌋ + 1
 *   → Mul (square), ReduceSum over re/im           |X_k|²            (B, T, K)
 *   → MatMul Mᵀ                                    mel power E_b     (B, T, bands)  the engine's
 *                                                  exact triangles (mel.ts), not MelWeightMatrix,
 *                                                  whose edges are rounded to bins
 *   → Max 1e-10, Log                               log-mel L_b
 *   → MatMul Dᵀ per mfcc block, Concat blocks      base features     (B, T, F₀)
 *   → Transpose, Pad edge W, Conv (depthwise)      Δ, then Δ of Δ    (B, F₀, T)  taps (j − W)/(2Σn²)
 *   → Concat, Transpose                            (B, T, F)
 *   → per-file: ReduceMean over time, Sub, ReduceMean of squares, Sqrt, Max 1e-5, Div
 *     | global: Sub mean, Div std                  the feature-input graph's input
 *   → the tagger graph as it was                   probabilities (B, T, C)
 *
 * The window, filterbank and DCT are the engine's (audio-features.ts, mel.ts), stored as float32
 * constants. The spectrum is computed in float64 (Cast, STFT, |X|², Cast back), as the engine's
 * FFT is: with a float32 STFT the features of real recordings were 1.4·10⁻⁴ off after CMVN (quiet
 * bands); in float64 they are ≤ 2·10⁻⁵ off, the rest running in float32 as in the engine.
 * Specs with features other than mfcc and logmel (Meyda's, spectral shape) are refused: they
 * have no ONNX operators.
 * The merge works on the ModelProto, so it applies to any feature-input tagger with Framewise's
 * metadata: trained by Framewise or by recipes/pytorch/train.py.
 */
import onnxProto from 'onnx-proto'
import type { OnnxGraph, OnnxInitializer, OnnxNode } from '../../models/onnx-types'
import { DataError } from '../errors'
import { analysisWindow, audioBaseDims } from '../features/audio-features'
import { dctMatrix, LOG_FLOOR, melFilterbank } from '../features/mel'
import { STD_FLOOR } from '../features/normalize'
import { featureNames, type AudioSpec } from '../features/spec'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegular } from '../io/input-files'
import { cardHeader, cardPathOf, readModelCard, type ModelCard } from './card'
import { META_KEYS, parseMetadataProps } from './metadata'
import { postProcessSchema } from './postprocess-settings'
import { encodeModel } from './write'

const { onnx } = onnxProto

/** The metadata key a raw-audio model carries: 'samples' (absent: the model takes features). */
export const INPUT_KEY = 'framewise.input'
/** The raw-audio model's input. */
export const SAMPLES_INPUT = 'samples'

/** Feature blocks the front end computes. */
const SUPPORTED = new Set(['mfcc', 'logmel'])

/** TensorProto element types of Cast. */
const FLOAT = 1
const DOUBLE = 11

/** Opset the front end needs (STFT). */
const FRONT_END_OPSET = 17

/**
 * The front end of `spec` as a graph from `samples` (batch, samples) to `output` (batch, time,
 * F), its node and initializer names prefixed `frontend_`.
 */
export function frontEndGraph(spec: AudioSpec, output: string): OnnxGraph {
  const unsupported = spec.features.find((f) => !SUPPORTED.has(f.name))
  if (unsupported)
    throw new RangeError(
      `feature '${unsupported.name}' has no ONNX front end (only mfcc and logmel); export the feature-input model`,
    )
  const N = spec.frameLength
  const K = N / 2 + 1
  const B = spec.mel.bands
  const nodes: OnnxNode[] = []
  const initializers: OnnxInitializer[] = []
  const f = (name: string, dims: number[], data: ArrayLike<number>) =>
    initializers.push({ name: `frontend_${name}`, dims, float: Float32Array.from(data) })
  const i64 = (name: string, dims: number[], data: number[]) =>
    initializers.push({ name: `frontend_${name}`, dims, int64: data })
  let n = 0
  /** Appends a node; returns its (first) output's name. */
  const op = (
    type: string,
    inputs: string[],
    attributes?: OnnxNode['attributes'],
    out = `frontend_${type.toLowerCase()}_${n}`,
  ) => {
    nodes.push({ op: type, name: `frontend_${type}_${n++}`, inputs, outputs: [out], attributes })
    return out
  }
  const c = (name: string) => `frontend_${name}`

  // centred frames: N/2 zeros before the signal and after it
  i64('pads', [4], [0, N / 2, 0, N / 2])
  i64('axis2', [1], [2])
  i64('hop', [], [spec.hopLength])
  i64('frame_length', [], [N])
  f('window', [N], analysisWindow(spec))
  // the spectrum in float64, as the engine's FFT: a float32 one is 10⁻⁴ off after CMVN in quiet
  // bands of real recordings; everything from the mel power on is float32, as in the engine
  const samples = op('Cast', [SAMPLES_INPUT], { to: DOUBLE })
  const padded = op('Pad', [samples, c('pads')], { mode: 'constant' })
  const signal = op('Unsqueeze', [padded, c('axis2')])
  const window = op('Cast', [c('window')], { to: DOUBLE })
  const stft = op('STFT', [signal, c('hop'), window, c('frame_length')], { onesided: 1 })
  i64('axis_last', [1], [-1])
  const squared = op('Mul', [stft, stft])
  const power64 = op('ReduceSum', [squared, c('axis_last')], { keepdims: 0 }) // (B, T, K)
  const power = op('Cast', [power64], { to: FLOAT })

  // mel power through the engine's triangles, as a dense (K, bands) matrix
  const bank = melFilterbank(
    B,
    N,
    spec.sampleRate,
    spec.mel.fMin,
    spec.mel.fMax ?? spec.sampleRate / 2,
  )
  const melT = new Float32Array(K * B)
  for (let b = 0; b < B; b++)
    bank.weights[b].forEach((w, j) => (melT[(bank.first[b] + j) * B + b] = w))
  f('mel', [K, B], melT)
  f('log_floor', [], [LOG_FLOOR])
  const mel = op('MatMul', [power, c('mel')])
  const logmel = op('Log', [op('Max', [mel, c('log_floor')])]) // (B, T, bands)

  const blocks = spec.features.map((feat, k) => {
    if (feat.name !== 'mfcc') return logmel
    const d = dctMatrix(feat.n, B) // (n, B)
    const dT = new Float32Array(B * feat.n)
    for (let i = 0; i < feat.n; i++) for (let b = 0; b < B; b++) dT[b * feat.n + i] = d[i * B + b]
    f(`dct_${k}`, [B, feat.n], dT)
    return op('MatMul', [logmel, c(`dct_${k}`)])
  })
  let x = blocks.length === 1 ? blocks[0] : op('Concat', blocks, { axis: 2 }) // (B, T, F₀)

  if (spec.deltas > 0) {
    const F0 = audioBaseDims(spec)
    const W = spec.deltaWidth
    let denom = 0
    for (let j = 1; j <= W; j++) denom += j * j
    denom *= 2
    const taps = new Float32Array(F0 * (2 * W + 1))
    for (let ch = 0; ch < F0; ch++)
      for (let j = 0; j <= 2 * W; j++) taps[ch * (2 * W + 1) + j] = (j - W) / denom
    f('delta_taps', [F0, 1, 2 * W + 1], taps)
    i64('delta_pads', [6], [0, 0, W, 0, 0, W])
    const delta = (y: string) =>
      op('Conv', [op('Pad', [y, c('delta_pads')], { mode: 'edge' }), c('delta_taps')], {
        group: F0,
        kernel_shape: [2 * W + 1],
      })
    const base = op('Transpose', [x], { perm: [0, 2, 1] }) // (B, F₀, T)
    const parts = [base, delta(base)]
    if (spec.deltas === 2) parts.push(delta(parts[1]))
    x = op('Transpose', [op('Concat', parts, { axis: 1 })], { perm: [0, 2, 1] }) // (B, T, F)
  }

  const norm = spec.normalization
  if (norm.mode === 'per-file') {
    f('std_floor', [], [STD_FLOOR])
    const mean = op('ReduceMean', [x], { axes: [1], keepdims: 1 })
    const centred = op('Sub', [x, mean])
    const variance = op('ReduceMean', [op('Mul', [centred, centred])], { axes: [1], keepdims: 1 })
    const std = op('Max', [op('Sqrt', [variance]), c('std_floor')])
    op('Div', [centred, std], undefined, output)
  } else if (norm.mode === 'global' && norm.mean.length > 0) {
    f('mean', [norm.mean.length], norm.mean)
    f('std', [norm.std.length], norm.std)
    op('Div', [op('Sub', [x, c('mean')]), c('std')], undefined, output)
  } else op('Identity', [x], undefined, output)

  return {
    name: 'framewise_front_end',
    inputs: [{ name: SAMPLES_INPUT, dims: ['batch', 'samples'] }],
    outputs: [{ name: output, dims: ['batch', 'time', featureNames(spec).length] }],
    nodes,
    initializers,
  }
}

const dimsOf = (v: onnxProto.onnx.IValueInfoProto) =>
  v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue ?? 0)) ?? []

/**
 * The feature-input model `bytes` (from `file`) with the front end of its FeatureSpec in front
 * of it: input `samples` (batch, samples) at the spec's rate, outputs and metadata as they were
 * plus framewise.input = 'samples'. Refuses a model without an audio spec, one whose input is
 * not (batch, time, F) for the spec's F, and one that already takes samples.
 */
export function addFrontEnd(
  file: string,
  bytes: Uint8Array,
): { bytes: Uint8Array; spec: AudioSpec } {
  let model: onnxProto.onnx.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (err) {
    throw new DataError(file, `not an ONNX model (${(err as Error).message})`)
  }
  const props: Record<string, string> = {}
  for (const p of model.metadataProps) props[p.key ?? ''] = p.value ?? ''
  if (props[INPUT_KEY] === SAMPLES_INPUT)
    throw new DataError(file, 'already takes samples (exported with its features)')
  const spec = parseMetadataProps(file, props).features
  if (!spec)
    throw new DataError(file, `has no ${META_KEYS.features} metadata: its features are not known`)
  if (spec.kind !== 'audio')
    throw new DataError(file, 'takes a CSV series spec; a front end is for audio models only')
  const graph = model.graph as onnxProto.onnx.GraphProto
  const initialisers = new Set(graph.initializer.map((t) => t.name))
  const inputs = graph.input.filter((i) => !initialisers.has(i.name))
  if (inputs.length !== 1)
    throw new DataError(file, `has ${inputs.length} inputs; a front end needs one features input`)
  const F = featureNames(spec).length
  const dims = dimsOf(inputs[0])
  if (dims.length !== 3 || (typeof dims[2] === 'number' && dims[2] !== 0 && dims[2] !== F))
    throw new DataError(
      file,
      `input ${inputs[0].name} is (${dims.join(', ')}), not (batch, time, ${F}) as its FeatureSpec gives`,
    )
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')
  const version = Number(opset?.version ?? 0)
  if (version < 13)
    throw new DataError(file, `opset ${version}: re-export it with opset 13 or later (17 best)`)
  let front: OnnxGraph
  try {
    front = frontEndGraph(spec, inputs[0].name!)
  } catch (err) {
    throw new DataError(file, (err as Error).message)
  }
  const fe = onnx.ModelProto.decode(encodeModel(front, {}, '')).graph as onnxProto.onnx.GraphProto
  graph.input = [...fe.input, ...graph.input.filter((i) => initialisers.has(i.name))]
  graph.node = [...fe.node, ...graph.node]
  graph.initializer = [...fe.initializer, ...graph.initializer]
  if (opset) opset.version = Math.max(version, FRONT_END_OPSET)
  model.irVersion = Math.max(Number(model.irVersion), 8)
  model.metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== INPUT_KEY),
    { key: INPUT_KEY, value: SAMPLES_INPUT },
  ]
  return { bytes: onnx.ModelProto.encode(model).finish(), spec }
}

/** What a raw-audio model's card says about its input. */
export function samplesInputCard(spec: AudioSpec) {
  return {
    name: SAMPLES_INPUT,
    kind: 'samples' as const,
    shape: ['batch', 'samples'],
    sampleRate: spec.sampleRate,
    description: `mono float32 samples in [-1, 1] at ${spec.sampleRate} Hz (mix or pick a channel and resample first); the features of the card's spec are computed in the graph`,
  }
}

/**
 * Writes the model at `source` with its front end to `dest`, and a card next to it (the
 * source's card, or one from its metadata) that says it takes samples; each atomically.
 */
export async function exportWithFeatures(
  source: string,
  dest: string,
): Promise<{ model: string; card: string; bytes: number }> {
  if (cardPathOf(dest) === dest) throw new RangeError('the model file must not end in .json')
  const { bytes, spec } = addFrontEnd(source, await readRegular(source, READ_LIMITS.model))
  const meta = parseMetadataProps(
    source,
    Object.fromEntries(
      onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key ?? '', p.value ?? '']),
    ),
  )
  const old = await readModelCard(source)
  const header = cardHeader(dest, bytes, old?.runId ?? meta.runId ?? null)
  const card: ModelCard = old
    ? { ...old, ...header, producer: old.producer, input: samplesInputCard(spec) }
    : {
        ...header,
        tagger: null,
        classes: meta.classes ?? [],
        features: spec,
        postprocess: postProcessSchema.parse(meta.postprocess ?? {}),
        output: meta.output ?? 'probabilities',
        ...(meta.multiLabel ? { multiLabel: meta.multiLabel } : {}),
        metrics: {},
        input: samplesInputCard(spec),
      }
  await writeFileAtomic(dest, bytes)
  await writeJsonAtomic(cardPathOf(dest), card)
  return { model: dest, card: cardPathOf(dest), bytes: bytes.length }
}
