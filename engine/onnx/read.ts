/**
 * Opening an ONNX model — ours or one trained elsewhere — and deciding, before any file is
 * processed, whether it can tag frames:
 *   input   float32, rank 3 [batch, time, F], time dynamic
 *   output  rank 3 [batch, time, C], one row per input frame
 *   F       = the FeatureSpec's feature count, C = the number of class names
 * The spec and class names come from the caller (e.g. `--spec`, `--classes`), else the file's
 * metadata_props, else its model card. Whether the output holds probabilities or logits is said
 * by the caller, the metadata, or detected on a probe input (rows in [0, 1] summing to 1). An
 * output-recurrent model (framewise.decoder; engine/infer/feedback.ts decodes it) must also have
 * the previous-label and state inputs and outputs of models/onnx-graph.ts (feedbackLayoutOf).
 * onnxruntime gives inputs/outputs; metadata_props come from decoding the ModelProto (onnx-proto),
 * because onnxruntime-node does not expose them.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { DataError } from '../errors'
import { READ_LIMITS, readRegular } from '../io/input-files'
import type { Transitions } from '../../models/label-decoding'
import { featureSpecSchema, type FeatureSpec } from '../features/spec'
import { readModelCard, type ModelCard } from './card'
import {
  classesSchema,
  featureCount,
  parseMetadataProps,
  type AttentionMeta,
  type Decoder,
  type ModelMetadata,
  type OutputKind,
  type TransitionsMeta,
} from './metadata'
import {
  backgroundIndex,
  postProcessSchema,
  type MultiLabelPostProcess,
  type PostProcess,
  type PostProcessInput,
} from './postprocess-settings'
import { transitionsToLog } from './transitions'

/** One input or output as onnxruntime reports it. */
export interface TensorInfo {
  name: string
  /** Element type, e.g. 'float32'; 'non-tensor' for sequences/maps. */
  type: string
  /** Dims: numbers when fixed, names ('batch', 'time') when symbolic; [] when unknown. */
  shape: (number | string)[]
}

/** Everything readable from a model file without a FeatureSpec (for `framewise info`). */
export interface ModelInfo {
  /** The file, as given. */
  file: string
  bytes: number
  irVersion: number
  /** Default-domain opset. */
  opset: number | null
  producer: { name: string; version: string }
  inputs: TensorInfo[]
  outputs: TensorInfo[]
  /** Raw metadata_props. */
  metadata: Record<string, string>
  /** The parsed Framewise fields of metadata_props. */
  framewise: Partial<ModelMetadata>
  /** The sidecar model card, or null. */
  card: ModelCard | null
}

export interface ReadModelOptions {
  /** Features to compute for the model; overrides the file's. */
  spec?: FeatureSpec
  /** Class names in output order; override the file's. */
  classes?: string[]
  /** What the output holds; overrides the file's metadata and detection. */
  output?: OutputKind
  /** Post-processing fields that override the file's. */
  postprocess?: Partial<PostProcessInput>
  /** onnxruntime intra-op threads; default 1 (the app runs several jobs on few cores). */
  threads?: number
  /** Label transitions for Viterbi; override the file's (e.g. counted on a project's labels). */
  transitions?: TransitionsMeta
}

/** A model checked to be usable as a tagger, with its session. */
export interface TaggerModel {
  file: string
  info: ModelInfo
  session: ort.InferenceSession
  /** Input tensor name (e.g. 'features' or PyTorch's 'x'). */
  inputName: string
  /** Output tensor name (e.g. 'probabilities' or 'logits'). */
  outputName: string
  /** F; null when the model leaves it symbolic and the spec cannot tell before reading a file. */
  numFeatures: number | null
  /** C. */
  numClasses: number
  classes: string[]
  spec: FeatureSpec
  postprocess: PostProcess
  /** Index of the background class (writes no segments), or null. */
  background: number | null
  output: OutputKind
  /** Who said what the output holds. */
  outputSource: 'caller' | 'metadata' | 'detected'
  /** Output-recurrent models: how to decode them, and their extra inputs/outputs; else null. */
  decoder: (Decoder & { layout: FeedbackLayout }) | null
  /** Self-attention of a Framewise tagger: prediction windows depend on it; null = none. */
  attention: AttentionMeta | null
  /** Frames of context each side a CRNN's conv front end reads (framewise.conv_context); 0 = none. */
  convContext: number
  /** Log label transitions for Viterbi post-processing (framewise.transitions), or null. */
  transitions: Transitions | null
  /**
   * Multi-label (sigmoid) models (framewise.multilabel): per-class thresholds and
   * post-processing, the events of different classes overlapping; null = one class per frame.
   */
  multiLabel: MultiLabelPostProcess | null
}

const { onnx } = onnxProto
const toNumber = (v: number | { toNumber(): number } | null | undefined) =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber()

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readRegular(file, READ_LIMITS.model)
  } catch (err) {
    if (err instanceof DataError) throw err
    throw new DataError(file, `cannot read (${(err as Error).message})`)
  }
}

function decodeProto(file: string, bytes: Uint8Array): onnxProto.onnx.ModelProto {
  let model: onnxProto.onnx.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (err) {
    throw new DataError(file, `not an ONNX model, or a truncated one (${(err as Error).message})`)
  }
  if (!model.graph || toNumber(model.irVersion) === 0)
    throw new DataError(file, 'not an ONNX model (no graph or IR version)')
  return model
}

/** Sessions by file identity and thread count: one per model, reused across predictions. */
const sessions = new Map<string, Promise<ort.InferenceSession>>()

async function cachedSession(
  file: string,
  bytes: Uint8Array,
  threads: number,
): Promise<ort.InferenceSession> {
  const s = await stat(file)
  const key = `${path.resolve(file)}\0${s.size}\0${s.mtimeMs}\0${threads}`
  let session = sessions.get(key)
  if (!session) {
    session = ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Spinning pool threads take cores from feature workers and other jobs: on the shared
      // 2-core bench machine 2 spinning threads ran at half the speed of 1 (55k vs 110k frames/s).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      // Shape-merge warnings of foreign models would clutter the CLI's stderr; errors still throw.
      logSeverityLevel: 3,
    })
    sessions.set(key, session)
    session.catch(() => sessions.delete(key))
  }
  try {
    return await session
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0]
    throw new DataError(file, `onnxruntime cannot load this model (${first})`)
  }
}

/** Releases every cached session (tests, shutdown). */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()]
  sessions.clear()
  await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => {})))
}

function tensorInfo(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  return m.isTensor
    ? { name: m.name, type: m.type, shape: [...m.shape] }
    : { name: m.name, type: 'non-tensor', shape: [] }
}

/** Decode, open (cached session) and describe a model file; shared with engine/onnx/clip.ts. */
export async function load(
  file: string,
  threads: number,
): Promise<{ info: ModelInfo; session: ort.InferenceSession }> {
  const bytes = await readBytes(file)
  const proto = decodeProto(file, bytes)
  const session = await cachedSession(file, bytes, threads)
  const metadata: Record<string, string> = {}
  for (const p of proto.metadataProps) metadata[p.key ?? ''] = p.value ?? ''
  const opset = proto.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')
  const info: ModelInfo = {
    file,
    bytes: bytes.length,
    irVersion: toNumber(proto.irVersion),
    opset: opset ? toNumber(opset.version) : null,
    producer: { name: proto.producerName, version: proto.producerVersion },
    inputs: session.inputMetadata.map(tensorInfo),
    outputs: session.outputMetadata.map(tensorInfo),
    metadata,
    framewise: parseMetadataProps(file, metadata),
    card: await readModelCard(file),
  }
  return { info, session }
}

/** Inputs, outputs, metadata and card of any ONNX file; DataError if it is not one. */
export async function inspectModel(file: string): Promise<ModelInfo> {
  return (await load(file, 1)).info
}

const showShape = (s: (number | string)[]) => `[${s.join(', ')}]`

/** The output to tag with: 'probabilities', else 'logits', else the only one. */
function pickOutput(file: string, outputs: TensorInfo[]): TensorInfo {
  const named =
    outputs.find((o) => o.name === 'probabilities') ?? outputs.find((o) => o.name === 'logits')
  if (named) return named
  if (outputs.length === 1) return outputs[0]
  throw new DataError(
    file,
    `has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}); a tagger has one [batch, time, classes] output, or one named 'probabilities' or 'logits'`,
  )
}

/** Rows of (n, C) all in [0, 1] and summing to 1: probabilities. */
export function looksLikeProbabilities(rows: Float32Array, C: number): boolean {
  for (let r = 0; r < rows.length / C; r++) {
    let s = 0
    for (let j = 0; j < C; j++) {
      const v = rows[r * C + j]
      if (!(v >= -1e-6 && v <= 1 + 1e-6)) return false
      s += v
    }
    if (Math.abs(s - 1) > 1e-3) return false
  }
  return true
}

/** The extra inputs and outputs of an output-recurrent graph. */
export interface FeedbackLayout {
  /** C: width of previous_labels. */
  C: number
  /** Per layer: state input/output names (c only for LSTM) and H. */
  layers: { h0: string; c0: string | null; hT: string; cT: string | null; H: number }[]
}

/** The layout of a model whose metadata says it is output-recurrent; DataError when it is not. */
export function feedbackLayoutOf(
  file: string,
  inputs: TensorInfo[],
  outputs: TensorInfo[],
): FeedbackLayout {
  const inp = new Map(inputs.map((i) => [i.name, i]))
  const out = new Map(outputs.map((o) => [o.name, o]))
  const fail = (why: string): never => {
    throw new DataError(file, `says it is output-recurrent (framewise.decoder) but ${why}`)
  }
  if (!inp.has('features')) fail("has no 'features' input")
  const prev = inp.get('previous_labels') ?? fail("has no 'previous_labels' input")
  const C = prev.shape[2]
  if (typeof C !== 'number' || C < 1) fail('previous_labels has no fixed class count')
  const layers: FeedbackLayout['layers'] = []
  for (let l = 0; inp.has(`h0_l${l}`); l++) {
    const H = inp.get(`h0_l${l}`)!.shape[2]
    if (typeof H !== 'number' || H < 1) fail(`h0_l${l} has no fixed hidden size`)
    if (!out.has(`hT_l${l}`)) fail(`has no output hT_l${l}`)
    const lstm = inp.has(`c0_l${l}`)
    if (lstm && !out.has(`cT_l${l}`)) fail(`has no output cT_l${l}`)
    layers.push({
      h0: `h0_l${l}`,
      c0: lstm ? `c0_l${l}` : null,
      hT: `hT_l${l}`,
      cT: lstm ? `cT_l${l}` : null,
      H: H as number,
    })
  }
  if (layers.length === 0) fail('has no state inputs h0_l0 …')
  const known = 2 + layers.reduce((n, s) => n + (s.c0 ? 2 : 1), 0)
  if (inputs.length !== known)
    fail(`has unexpected inputs (${inputs.map((i) => i.name).join(', ')})`)
  return { C: C as number, layers }
}

const zeros = (dims: number[]): ort.Tensor =>
  new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims)

/** Zero previous labels and states for a [1, T, F] probe run (teacher forcing from nothing). */
export function probeFeedbackFeeds(layout: FeedbackLayout, T: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = { previous_labels: zeros([1, T, layout.C]) }
  for (const s of layout.layers) {
    feeds[s.h0] = zeros([1, 1, s.H])
    if (s.c0) feeds[s.c0] = zeros([1, 1, s.H])
  }
  return feeds
}

/** Frames of the probe run: enough rows that logits summing to 1 by chance is not a worry. */
const PROBE_T = 16

/**
 * Opens `file` as a tagger and checks it against the FeatureSpec and class names before anything
 * runs on user data; every mismatch is a DataError naming the file.
 */
export async function readModel(
  file: string,
  options: ReadModelOptions = {},
): Promise<TaggerModel> {
  const { info, session } = await load(file, options.threads ?? 1)
  const fw = info.framewise
  const card = info.card
  if (fw.task === 'classify' || card?.task === 'classify')
    throw new DataError(
      file,
      'is a clip classifier (one class per file), not a frame tagger; framewise predict and eval read it as one',
    )
  // label feedback: previous_labels and per-layer state inputs besides the features
  const feedback = fw.decoder ? feedbackLayoutOf(file, info.inputs, info.outputs) : null

  if (info.inputs.length !== 1 && !feedback)
    throw new DataError(
      file,
      `has ${info.inputs.length} inputs (${info.inputs.map((i) => i.name).join(', ')}); a tagger has one [batch, time, features] input`,
    )
  const input = feedback ? info.inputs.find((i) => i.name === 'features')! : info.inputs[0]
  if (input.type !== 'float32')
    throw new DataError(
      file,
      `input '${input.name}' is ${input.type}; a tagger takes float32 features`,
    )
  // An empty shape means onnxruntime does not know it: the probe run below decides.
  if (input.shape.length !== 3 && input.shape.length !== 0)
    throw new DataError(
      file,
      `input '${input.name}' has shape ${showShape(input.shape)} (rank ${input.shape.length}); a tagger takes [batch, time, features]`,
    )
  if (typeof input.shape[1] === 'number' && input.shape[1] !== -1)
    throw new DataError(
      file,
      `input '${input.name}' has a fixed time length of ${input.shape[1]} frames; Framewise needs a dynamic time axis`,
    )
  const output = pickOutput(file, info.outputs)
  if (output.type !== 'float32')
    throw new DataError(file, `output '${output.name}' is ${output.type}; a tagger outputs float32`)
  if (output.shape.length !== 3 && output.shape.length !== 0)
    throw new DataError(
      file,
      `output '${output.name}' has shape ${showShape(output.shape)} (rank ${output.shape.length}); a tagger outputs [batch, time, classes]`,
    )

  const rawSpec = options.spec ?? fw.features ?? card?.features
  if (!rawSpec)
    throw new DataError(
      file,
      'carries no FeatureSpec (metadata framewise.features); give one (--spec spec.json)',
    )
  const spec = featureSpecSchema.parse(rawSpec)
  const fixedF =
    input.shape.length === 3 && typeof input.shape[2] === 'number' && input.shape[2] > 0
      ? input.shape[2]
      : null
  const specF = featureCount(spec)
  if (fixedF !== null && specF !== null && fixedF !== specF)
    throw new DataError(
      file,
      `the model takes ${fixedF} features per frame but the FeatureSpec gives ${specF}`,
    )
  const F = fixedF ?? specF

  const classes = options.classes ?? fw.classes ?? card?.classes
  if (!classes)
    throw new DataError(
      file,
      'carries no class names (metadata framewise.classes); give them (--classes a,b,c)',
    )
  const parsedClasses = classesSchema.safeParse(classes)
  if (!parsedClasses.success)
    throw new DataError(file, `class names: ${parsedClasses.error.issues[0].message}`)
  const fixedC =
    output.shape.length === 3 && typeof output.shape[2] === 'number' && output.shape[2] > 0
      ? output.shape[2]
      : null
  if (fixedC !== null && fixedC !== classes.length)
    throw new DataError(
      file,
      `the model outputs ${fixedC} classes but ${classes.length} class names are given (${classes.join(', ')})`,
    )

  // Probe: the model must run, give one row of C values per frame, and tell its output kind.
  let said: OutputKind | undefined = options.output ?? fw.output ?? card?.output
  let outputSource: TaggerModel['outputSource'] = options.output
    ? 'caller'
    : said
      ? 'metadata'
      : 'detected'
  let C = fixedC ?? classes.length
  if (F !== null) {
    const probe = new Float32Array(PROBE_T * F)
    let seed = 12345
    for (let i = 0; i < probe.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      probe[i] = (seed / 2 ** 32 - 0.5) * 4
    }
    let out: ort.Tensor
    try {
      out = (
        await session.run(
          {
            [input.name]: new ort.Tensor('float32', probe, [1, PROBE_T, F]),
            ...(feedback ? probeFeedbackFeeds(feedback, PROBE_T) : {}),
          },
          [output.name],
        )
      )[output.name]
    } catch (err) {
      throw new DataError(
        file,
        `fails on a [1, ${PROBE_T}, ${F}] input (${String((err as Error).message).split('\n')[0]})`,
      )
    }
    const d = out.dims
    if (d.length !== 3 || d[0] !== 1 || d[1] !== PROBE_T)
      throw new DataError(
        file,
        `gives output ${showShape([...d])} for a [1, ${PROBE_T}, ${F}] input; a tagger gives one row per frame`,
      )
    C = d[2]
    if (C !== classes.length)
      throw new DataError(
        file,
        `the model outputs ${C} classes but ${classes.length} class names are given (${classes.join(', ')})`,
      )
    if (!said)
      said = looksLikeProbabilities(out.data as Float32Array, C) ? 'probabilities' : 'logits'
  }
  if (!said) {
    said = output.name === 'logits' ? 'logits' : 'probabilities'
    outputSource = 'detected'
  }

  const postprocess = postProcessSchema.parse({
    ...(fw.postprocess ?? card?.postprocess ?? {}),
    ...options.postprocess,
  })
  let background: number | null
  try {
    background = backgroundIndex(classes, postprocess)
  } catch (err) {
    throw new DataError(file, (err as Error).message)
  }
  // output-recurrent models decode their own path; their stored transitions are never used
  const stored = fw.decoder
    ? undefined
    : (options.transitions ?? fw.transitions ?? card?.transitions)
  if (stored && stored.initial.length !== C)
    throw new DataError(
      file,
      `has label transitions for ${stored.initial.length} classes but ${C} outputs`,
    )
  // the caller's median filter and minimum duration apply to every class of a multi-label model
  const storedMl = fw.multiLabel ?? card?.multiLabel ?? null
  const over = options.postprocess ?? {}
  const multiLabel = storedMl && {
    ...storedMl,
    perClass: storedMl.perClass.map((p) => ({
      ...p,
      ...(over.medianFilter !== undefined ? { medianFilter: postprocess.medianFilter } : {}),
      ...(over.minDuration !== undefined ? { minDuration: postprocess.minDuration } : {}),
    })),
  }
  if (multiLabel && multiLabel.perClass.length !== C)
    throw new DataError(
      file,
      `has multi-label post-processing for ${multiLabel.perClass.length} classes but ${C} outputs`,
    )
  if (multiLabel && postprocess.viterbi?.enabled)
    throw new DataError(
      file,
      'is multi-label (one sigmoid per class): Viterbi decodes one class per frame and does not apply',
    )
  if (postprocess.viterbi?.enabled && !stored)
    throw new DataError(
      file,
      fw.decoder
        ? 'is output-recurrent: it decodes its own label path, Viterbi post-processing does not apply'
        : 'has no label transitions (framewise.transitions; models trained by Framewise have them), so Viterbi post-processing is not available',
    )
  return {
    file,
    info,
    session,
    inputName: input.name,
    outputName: output.name,
    numFeatures: F,
    numClasses: C,
    classes: [...classes],
    spec,
    postprocess,
    background,
    output: said,
    outputSource,
    decoder: fw.decoder && feedback ? { ...fw.decoder, layout: feedback } : null,
    attention: fw.attention ?? card?.tagger?.attention ?? null,
    convContext: fw.convContext ?? 0,
    transitions: stored ? transitionsToLog(stored) : null,
    multiLabel,
  }
}
