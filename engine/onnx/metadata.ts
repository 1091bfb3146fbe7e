/**
 * What a Framewise model file says about itself in its ONNX metadata_props (they travel with the
 * .onnx file to any runtime):
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
 *     framewise.conv_context frames each side a CRNN's conv front end reads (models/conv.ts):
 *                            prediction windows keep at least that much context
 *     framewise.transitions  JSON Transitions on plain frame taggers: label start and transition
 *                            probabilities counted on the training labels, for Viterbi decoding
 *                            (postprocess.viterbi; engine/infer/postprocess.ts)
 *     framewise.multilabel   JSON MultiLabelPostProcess on multi-label (sigmoid) taggers: each
 *                            class its own probability, threshold, median filter and minimum
 *                            duration, its events overlapping others' (infer/postprocess-multilabel.ts)
 *   plus ModelProto.producer_name/version.
 * The model card next to the file (card.ts) carries the same facts; export.ts writes both.
 */
import { z } from 'zod'
import { DataError } from '../errors'
import { featureNames, featureSpecSchema, type FeatureSpec } from '../features/spec'
import { canonicalJson } from '../features/spec-hash'
import pkg from '../../package.json'
import {
  multiLabelSchema,
  postProcessSchema,
  type MultiLabelPostProcess,
  type PostProcess,
} from './postprocess-settings'

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
  convContext: 'framewise.conv_context',
  transitions: 'framewise.transitions',
  multilabel: 'framewise.multilabel',
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
    (t) =>
      t.matrix.length === t.initial.length && t.matrix.every((r) => r.length === t.initial.length),
    'matrix must be C × C for the C values of initial',
  )
/**
 * Label transitions in probabilities, not logs: JSON has no −∞ and a forbidden transition is
 * a plain 0 (models/label-decoding.ts takes their logs, `transitionsToLog`).
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
  /** CRNNs only: frames of context each side their conv front end reads. */
  convContext?: number
  /** Plain taggers trained by Framewise: label transitions of the training data. */
  transitions?: TransitionsMeta
  /** Multi-label (sigmoid) taggers: per-class post-processing; absent = one class per frame. */
  multiLabel?: MultiLabelPostProcess
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
    ...(meta.convContext ? { [META_KEYS.convContext]: String(meta.convContext) } : {}),
    ...(meta.transitions ? { [META_KEYS.transitions]: canonicalJson(meta.transitions) } : {}),
    ...(meta.multiLabel ? { [META_KEYS.multilabel]: canonicalJson(meta.multiLabel) } : {}),
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
  if (props[META_KEYS.convContext] !== undefined) {
    const n = Number(props[META_KEYS.convContext])
    if (!Number.isSafeInteger(n) || n < 0 || n > 1000)
      throw new DataError(
        file,
        `metadata ${META_KEYS.convContext} must be a whole number of frames 0–1000`,
      )
    out.convContext = n
  }
  if (props[META_KEYS.transitions] !== undefined)
    out.transitions = json(META_KEYS.transitions, transitionsSchema)
  if (props[META_KEYS.multilabel] !== undefined)
    out.multiLabel = json(META_KEYS.multilabel, multiLabelSchema)
  if (props[META_KEYS.task] !== undefined) {
    const task = props[META_KEYS.task]
    if (task !== 'tag' && task !== 'classify')
      throw new DataError(file, `metadata ${META_KEYS.task} must be 'tag' or 'classify'`)
    out.task = task
  }
  return out
}
