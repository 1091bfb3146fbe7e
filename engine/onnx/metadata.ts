/**
 * What a Framewise model file says about itself, in two places that carry the same facts:
 * - ONNX metadata_props (travel with the .onnx file to any runtime):
 *     framewise.classes      JSON array of class names, output column order
 *     framewise.features     the FeatureSpec (JSON) that turns a file into the model's input
 *     framewise.postprocess  JSON PostProcess: median filter, min duration, gap merge, background
 *     framewise.run          training-run id
 *     framewise.output       'probabilities' | 'logits'
 *     framewise.decoder      JSON Decoder, only on output-recurrent models: they take
 *                            previous_labels and state inputs and are decoded frame by frame
 *     framewise.task         'classify' on clip classifiers (engine/onnx/clip.ts); absent = tagger
 *     framewise.attention    JSON {heads, window} on taggers with self-attention: a global one
 *                            (window 0) runs whole-file, a windowed one streams with r more
 *                            context frames (engine/infer/predict.ts)
 *     framewise.transitions  JSON Transitions on plain frame taggers: label start and transition
 *                            probabilities counted on the training labels, for Viterbi decoding
 *                            (postprocess.viterbi; engine/infer/postprocess.ts)
 *   plus ModelProto.producer_name/version.
 * - the model card `<stem>.json` next to `<stem>.onnx`: the same, plus the tagger configuration
 *   and the validation metrics, for people and for the Models panel.
 * `exportTagger` writes both, each atomically (model first, so a card never describes a missing
 * or older model).
 */
import path from 'node:path'
import { z } from 'zod'
import { taggerGraph, type GraphNormalisation } from '../../models/onnx-graph'
import type { TaggerConfig } from '../../models/params'
import { paramLayout } from '../../models/params'
import { DataError, isMissing } from '../errors'
import { READ_LIMITS, readRegularText } from '../input-files'
import { writeFileAtomic, writeJsonAtomic } from '../files'
import { featureNames, featureSpecSchema, type FeatureSpec } from '../features/spec'
import { canonicalJson } from '../features/spec-hash'
import pkg from '../../package.json'
import { encodeModel } from './write'

export const PRODUCER_NAME = 'framewise'
export const PRODUCER_VERSION: string = pkg.version

/**
 * F for `spec`: its feature columns (Δ/ΔΔ included). A series spec with `channels: null` takes
 * every numeric column of the file, so its count is known only with `seriesChannels` (else null).
 */
export function featureCount(spec: FeatureSpec, seriesChannels?: string[]): number | null {
  if (spec.kind === 'series' && spec.channels === null && seriesChannels === undefined) return null
  return featureNames(spec, seriesChannels).length
}

/** The metadata_props keys. */
export const META_KEYS = {
  classes: 'framewise.classes',
  features: 'framewise.features',
  postprocess: 'framewise.postprocess',
  run: 'framewise.run',
  output: 'framewise.output',
  task: 'framewise.task',
  decoder: 'framewise.decoder',
  attention: 'framewise.attention',
  transitions: 'framewise.transitions',
} as const

/** A probability, or a row of them summing to 1 (to within rounding of the JSON decimals). */
const probRow = z
  .array(z.number().min(0).max(1))
  .min(1)
  .refine((r) => Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'a row must sum to 1')

export const transitionsSchema = z
  .object({
    /** π: p(y_0 = c), C values. */
    initial: probRow,
    /** A: matrix[p][c] = p(y_t = c | y_{t−1} = p), C rows of C. A 0 forbids that transition. */
    matrix: z.array(probRow),
    /** The add-α smoothing the counts got (0: unseen transitions are forbidden). */
    alpha: z.number().min(0),
  })
  .refine(
    (t) => t.matrix.length === t.initial.length && t.matrix.every((r) => r.length === t.initial.length),
    'matrix must be C × C for the C values of initial',
  )
/**
 * Label transitions in probabilities, not logs: JSON has no −∞ and a forbidden transition is
 * a plain 0 (models/decode.ts takes their logs, `transitionsToLog`).
 */
export type TransitionsMeta = z.output<typeof transitionsSchema>

export const attentionSchema = z.object({
  /** Self-attention heads. */
  heads: z.number().int().min(1).max(4),
  /** Frames each side a frame attends to; 0 = the whole input. */
  window: z.number().int().min(0),
})
/** A tagger's self-attention layer (models/params.ts TaggerAttention). */
export type AttentionMeta = z.output<typeof attentionSchema>

export const decoderSchema = z.object({
  /** The model feeds back its previous label (models/feedback.ts). */
  kind: z.literal('output-recurrence'),
  /** Greedy (width 1) or beam search. */
  decode: z.enum(['greedy', 'beam']),
  /** Beam width (1 for greedy). */
  beam: z.number().int().min(1).max(64),
})
/** How a model with label feedback is decoded (engine/infer/feedback.ts). */
export type Decoder = z.output<typeof decoderSchema>

export const outputKindSchema = z.enum(['probabilities', 'logits'])
/** What the model's output holds per frame: probabilities (rows sum to 1) or logits. */
export type OutputKind = z.output<typeof outputKindSchema>

export const postProcessSchema = z.object({
  /** Majority (median) filter width over frame labels, in frames; odd, 1 = off. */
  medianFilter: z
    .number()
    .int()
    .min(1)
    .refine((n) => n % 2 === 1, 'medianFilter must be odd')
    .default(1),
  /** Segments shorter than this (seconds) are dropped. */
  minDuration: z.number().min(0).default(0),
  /** Same-class segments separated by a gap up to this (seconds) are merged. */
  mergeGap: z.number().min(0).default(0),
  /**
   * Viterbi decoding with the model's label transitions instead of the per-frame argmax, the
   * transition log-probabilities weighted by λ = weight (0: argmax). Absent: off. Needs
   * framewise.transitions; the median filter still runs after it (mostly a no-op then).
   */
  viterbi: z.object({ enabled: z.boolean(), weight: z.number().min(0).default(1) }).optional(),
  /** The class written as no segment; null: every class makes segments; absent: see backgroundIndex. */
  background: z.string().nullable().optional(),
})
export type PostProcess = z.output<typeof postProcessSchema>
export type PostProcessInput = z.input<typeof postProcessSchema>

export const classesSchema = z
  .array(z.string().min(1))
  .min(1)
  .refine((c) => new Set(c).size === c.length, 'class names must be unique')

/** Everything a Framewise model carries in metadata_props. */
export interface ModelMetadata {
  /** Class names, in output column order. */
  classes: string[]
  /** The features the model takes. */
  features: FeatureSpec
  /** Frames → segments settings. */
  postprocess: PostProcess
  /** Training-run id, or null. */
  runId: string | null
  /** What the output holds. */
  output: OutputKind
  /** 'classify': a clip classifier (output (batch, classes), engine/onnx/clip.ts); absent: a tagger. */
  task?: 'tag' | 'classify'
  /** Output-recurrent models only: how to decode them. */
  decoder?: Decoder
  /** Taggers with self-attention only: heads and window (prediction needs the window). */
  attention?: AttentionMeta
  /** Plain taggers trained by Framewise: label transitions of the training data. */
  transitions?: TransitionsMeta
}

/** metadata_props entries for `meta`. */
export function metadataProps(meta: ModelMetadata): Record<string, string> {
  return {
    [META_KEYS.classes]: JSON.stringify(meta.classes),
    [META_KEYS.features]: canonicalJson(meta.features),
    [META_KEYS.postprocess]: canonicalJson(meta.postprocess),
    ...(meta.runId !== null ? { [META_KEYS.run]: meta.runId } : {}),
    [META_KEYS.output]: meta.output,
    ...(meta.task ? { [META_KEYS.task]: meta.task } : {}),
    ...(meta.decoder ? { [META_KEYS.decoder]: canonicalJson(meta.decoder) } : {}),
    ...(meta.attention ? { [META_KEYS.attention]: canonicalJson(meta.attention) } : {}),
    ...(meta.transitions ? { [META_KEYS.transitions]: canonicalJson(meta.transitions) } : {}),
  }
}

function parseJsonField<S extends z.ZodType>(
  file: string,
  key: string,
  text: string,
  schema: S,
): z.output<S> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new DataError(file, `metadata ${key} is not valid JSON (${(err as Error).message})`)
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success)
    throw new DataError(file, `metadata ${key} is invalid: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/** The Framewise fields present in `props` (others are absent); throws DataError on bad values. */
export function parseMetadataProps(
  file: string,
  props: Record<string, string>,
): Partial<ModelMetadata> {
  const out: Partial<ModelMetadata> = {}
  const json = <S extends z.ZodType>(key: string, schema: S) =>
    parseJsonField(file, key, props[key], schema)
  if (props[META_KEYS.classes] !== undefined) out.classes = json(META_KEYS.classes, classesSchema)
  if (props[META_KEYS.features] !== undefined)
    out.features = json(META_KEYS.features, featureSpecSchema)
  if (props[META_KEYS.postprocess] !== undefined)
    out.postprocess = json(META_KEYS.postprocess, postProcessSchema)
  if (props[META_KEYS.run] !== undefined) out.runId = props[META_KEYS.run]
  if (props[META_KEYS.output] !== undefined) {
    const kind = outputKindSchema.safeParse(props[META_KEYS.output])
    if (!kind.success)
      throw new DataError(file, `metadata ${META_KEYS.output} must be 'probabilities' or 'logits'`)
    out.output = kind.data
  }
  if (props[META_KEYS.decoder] !== undefined) out.decoder = json(META_KEYS.decoder, decoderSchema)
  if (props[META_KEYS.attention] !== undefined)
    out.attention = json(META_KEYS.attention, attentionSchema)
  if (props[META_KEYS.transitions] !== undefined)
    out.transitions = json(META_KEYS.transitions, transitionsSchema)
  if (props[META_KEYS.task] !== undefined) {
    const task = props[META_KEYS.task]
    if (task !== 'tag' && task !== 'classify')
      throw new DataError(file, `metadata ${META_KEYS.task} must be 'tag' or 'classify'`)
    out.task = task
  }
  return out
}

/**
 * The background class index: `postprocess.background` when given (null: none), else a class
 * named 'background' (any case), else class 0 — the usual convention of frame taggers.
 */
export function backgroundIndex(classes: string[], postprocess: PostProcess): number | null {
  if (postprocess.background === null) return null
  if (postprocess.background !== undefined) {
    const i = classes.indexOf(postprocess.background)
    if (i < 0)
      throw new RangeError(
        `background class '${postprocess.background}' is not one of ${classes.join(', ')}`,
      )
    return i
  }
  const named = classes.findIndex((c) => c.toLowerCase() === 'background')
  return named >= 0 ? named : 0
}

export const modelCardSchema = z.object({
  format: z.literal('framewise-model-card'),
  version: z.literal(1),
  /** File name of the model this card describes, e.g. 'tagger.onnx'. */
  model: z.string().min(1),
  /** Size of the model file when the card was written (a stale card shows as a mismatch). */
  modelBytes: z.number().int().nonnegative(),
  producer: z.object({ name: z.string(), version: z.string() }),
  /** ISO 8601 time of export. */
  created: z.string(),
  runId: z.string().nullable(),
  /** The tagger's architecture (absent for external models). */
  tagger: z
    .object({
      cell: z.string(),
      inputSize: z.number().int(),
      hiddenSize: z.number().int(),
      numLayers: z.number().int(),
      numClasses: z.number().int(),
      bidirectional: z.boolean(),
      /** Skip connections between stacked layers (absent in cards written before it existed). */
      residual: z.boolean().optional(),
      /** Self-attention before the output layer (absent: none, or a card older than it). */
      attention: attentionSchema.optional(),
      /** Label feedback (absent in cards written before it existed). */
      outputRecurrence: z.boolean().optional(),
      parameters: z.number().int(),
    })
    .nullable(),
  classes: classesSchema,
  features: featureSpecSchema,
  postprocess: postProcessSchema,
  output: outputKindSchema,
  /** 'classify' for clip classifiers (absent: a frame tagger). */
  task: z.enum(['tag', 'classify']).optional(),
  /** Label transitions of the training data (absent: none stored, e.g. an older card). */
  transitions: transitionsSchema.optional(),
  /** A clip classifier's pooling head (absent for taggers). */
  pooling: z.object({ kind: z.enum(['mean', 'max', 'attention']), inputSize: z.number().int(), attentionSize: z.number().int() }).optional(),
  /** Validation metrics of the exported checkpoint (name → number or nested record). */
  metrics: z.record(z.string(), z.unknown()),
})
export type ModelCard = z.output<typeof modelCardSchema>

/** `dir/stem.onnx` → `dir/stem.json`. */
export function cardPathOf(modelPath: string): string {
  const ext = path.extname(modelPath)
  return (ext ? modelPath.slice(0, -ext.length) : modelPath) + '.json'
}

/** The card next to `modelPath`, or null when there is none; DataError when it is malformed. */
export async function readModelCard(modelPath: string): Promise<ModelCard | null> {
  const file = cardPathOf(modelPath)
  let text: string
  try {
    text = await readRegularText(file, READ_LIMITS.json)
  } catch (err) {
    if (isMissing(err)) return null
    if (err instanceof DataError) throw err
    throw new DataError(file, `cannot read (${(err as Error).message})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new DataError(file, `not valid JSON (${(err as Error).message})`)
  }
  // A JSON file of another kind next to the model (e.g. data) is not an error: not our card.
  if (
    typeof raw !== 'object' ||
    raw === null ||
    (raw as { format?: unknown }).format !== 'framewise-model-card'
  )
    return null
  const parsed = modelCardSchema.safeParse(raw)
  if (!parsed.success)
    throw new DataError(file, `invalid model card: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

export interface ExportTaggerInput {
  /** The tagger architecture. */
  config: TaggerConfig
  /** Flat parameters (layout of models/params.ts). */
  params: Float32Array
  /** The features the model was trained on; global normalisation goes into the graph. */
  spec: FeatureSpec
  /** Class names, output order. */
  classes: string[]
  /** Frames → segments settings to ship with the model. */
  postprocess?: PostProcessInput
  /** Validation metrics of this checkpoint, for the card. */
  metrics?: Record<string, unknown>
  /** Training-run id. */
  runId?: string | null
  /** Output-recurrent models: how to decode (default greedy). */
  decoder?: { decode: 'greedy' | 'beam'; beam: number } | null
  /** Label transitions for Viterbi post-processing (plain taggers; ignored with output recurrence). */
  transitions?: TransitionsMeta | null
}

export interface ExportResult {
  /** The .onnx file written. */
  modelPath: string
  /** The model card written next to it. */
  cardPath: string
  /** Size of the .onnx file. */
  bytes: number
  card: ModelCard
}

/**
 * The spec a graph stores and the normalisation it applies: a 'global' normalisation moves into
 * the graph (the stored spec says 'none'), so features extracted from the stored spec are the
 * graph's raw input. `features` is the width the model takes; a spec of another width is refused.
 */
export function graphFeatureSpec(
  specInput: FeatureSpec,
  features: number,
): { spec: FeatureSpec; norm: GraphNormalisation | undefined } {
  let spec = featureSpecSchema.parse(specInput)
  let norm: GraphNormalisation | undefined
  if (spec.normalization.mode === 'global') {
    const { mean, std } = spec.normalization
    if (mean.length !== features || std.length !== features)
      throw new RangeError(`global normalisation has ${mean.length} means for ${features} features`)
    norm = { mean: Float32Array.from(mean), std: Float32Array.from(std) }
    spec = { ...spec, normalization: { mode: 'none' } }
  }
  const F = featureCount(spec)
  if (F !== null && F !== features)
    throw new RangeError(`the FeatureSpec gives ${F} features, the model takes ${features}`)
  return { spec, norm }
}

/** The card fields every Framewise model has: its file and size, the producer, when, which run. */
export function cardHeader(modelPath: string, bytes: Uint8Array, runId: string | null) {
  return {
    format: 'framewise-model-card' as const,
    version: 1 as const,
    model: path.basename(modelPath),
    modelBytes: bytes.length,
    producer: { name: PRODUCER_NAME, version: PRODUCER_VERSION },
    created: new Date().toISOString(),
    runId,
  }
}

/** The card's `tagger` block: the recurrent stack's configuration and parameter count. */
export function taggerCard(config: TaggerConfig, parameters: number): NonNullable<ModelCard['tagger']> {
  return {
    cell: config.cell,
    inputSize: config.inputSize,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numClasses: config.numClasses,
    bidirectional: config.bidirectional,
    residual: config.residual ?? false,
    ...(config.outputRecurrence ? { outputRecurrence: true } : {}),
    ...(config.attention ? { attention: { ...config.attention } } : {}),
    parameters,
  }
}

/** Writes the model, then its card next to it, each atomically (a card never names a missing model). */
export async function writeModelFiles(
  modelPath: string,
  bytes: Uint8Array,
  card: ModelCard,
): Promise<ExportResult> {
  const cardPath = cardPathOf(modelPath)
  if (cardPath === modelPath) throw new RangeError('the model file must not end in .json')
  await writeFileAtomic(modelPath, bytes)
  await writeJsonAtomic(cardPath, card)
  return { modelPath, cardPath, bytes: bytes.length, card }
}

/**
 * Writes `modelPath` (ONNX, output `probabilities`) and its card `<stem>.json`, atomically.
 * With a 'global' normalisation the graph normalises and the stored spec says 'none', so the
 * features extracted from the stored spec are the graph's raw input.
 */
export async function exportTagger(
  modelPath: string,
  input: ExportTaggerInput,
): Promise<ExportResult> {
  const { config, params, classes } = input
  if (classes.length !== config.numClasses)
    throw new RangeError(
      `${classes.length} class names for a model with ${config.numClasses} outputs`,
    )
  classesSchema.parse(classes)
  const layoutSize = paramLayout(config).size
  if (params.length !== layoutSize)
    throw new RangeError(`params has ${params.length} values, the config needs ${layoutSize}`)
  // an output-recurrent model's last C inputs are fed-back labels, not features
  const { spec, norm } = graphFeatureSpec(
    input.spec,
    config.inputSize - (config.outputRecurrence ? config.numClasses : 0),
  )
  const transitions =
    input.transitions && !config.outputRecurrence ? transitionsSchema.parse(input.transitions) : undefined
  const post = postProcessSchema.parse(input.postprocess ?? {})
  // Viterbi needs the transitions: a model without them ships it off (readModel would refuse it)
  if (post.viterbi?.enabled && !transitions) delete post.viterbi
  const meta: ModelMetadata = {
    classes: [...classes],
    features: spec,
    postprocess: post,
    runId: input.runId ?? null,
    output: 'probabilities',
    ...(config.outputRecurrence
      ? {
          decoder: {
            kind: 'output-recurrence' as const,
            decode: input.decoder?.decode ?? 'greedy',
            beam: input.decoder?.decode === 'beam' ? input.decoder.beam : 1,
          },
        }
      : {}),
    ...(config.attention ? { attention: { ...config.attention } } : {}),
    // an output-recurrent model decodes its own label path (beam search), so no Viterbi
    ...(transitions ? { transitions } : {}),
  }
  if (meta.transitions && meta.transitions.initial.length !== classes.length)
    throw new RangeError(
      `transitions for ${meta.transitions.initial.length} classes, the model has ${classes.length}`,
    )
  const bytes = encodeModel(
    taggerGraph(config, params, norm),
    metadataProps(meta),
    PRODUCER_VERSION,
  )
  const card: ModelCard = {
    ...cardHeader(modelPath, bytes, meta.runId),
    tagger: taggerCard(config, layoutSize),
    classes: meta.classes,
    features: meta.features,
    postprocess: meta.postprocess,
    output: meta.output,
    ...(meta.transitions ? { transitions: meta.transitions } : {}),
    metrics: input.metrics ?? {},
  }
  return writeModelFiles(modelPath, bytes, card)
}
