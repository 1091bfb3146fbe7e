/**
 * The model card `<stem>.json` next to `<stem>.onnx`: the facts of the model's metadata_props
 * (metadata.ts), plus the tagger configuration and the validation metrics, for people and for
 * the Models panel. Its schema, where it lives, reading it, and the fields every card shares.
 */
import path from 'node:path'
import { z } from 'zod'
import type { TaggerConfig } from '../../models/params'
import { DataError, isMissing } from '../errors'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { featureSpecSchema } from '../features/spec'
import {
  attentionSchema,
  classesSchema,
  outputKindSchema,
  PRODUCER_NAME,
  PRODUCER_VERSION,
  transitionsSchema,
} from './metadata'
import { multiLabelSchema, postProcessSchema } from './postprocess-settings'

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
      /** 'sigmoid': multi-label, one probability per class (absent: softmax). */
      head: z.enum(['softmax', 'sigmoid']).optional(),
      /** CRNN: the conv front end's blocks (models/conv.ts; absent: none). */
      frontEnd: z
        .object({
          blocks: z.array(z.object({ channels: z.number().int(), pool: z.number().int() })),
        })
        .optional(),
      parameters: z.number().int(),
    })
    .nullable(),
  classes: classesSchema,
  features: featureSpecSchema,
  postprocess: postProcessSchema,
  output: outputKindSchema,
  /** 'classify' for clip classifiers (absent: a frame tagger). */
  task: z.enum(['tag', 'classify']).optional(),
  /** The tier of the project's labels it learned (absent: the first exclusive one, or not known). */
  tier: z.string().optional(),
  /** Multi-label models: per-class thresholds and post-processing (absent: one class per frame). */
  multiLabel: multiLabelSchema.optional(),
  /** Label transitions of the training data (absent: none stored, e.g. an older card). */
  transitions: transitionsSchema.optional(),
  /** A clip classifier's pooling head (absent for taggers). */
  pooling: z
    .object({
      kind: z.enum(['mean', 'max', 'attention']),
      inputSize: z.number().int(),
      attentionSize: z.number().int(),
    })
    .optional(),
  /**
   * What the model takes when it is not the spec's features (absent: features (batch, time, F)):
   * a raw-audio model exported with its front end (front-end.ts) takes mono samples.
   */
  input: z
    .object({
      name: z.string(),
      kind: z.literal('samples'),
      shape: z.array(z.string()),
      sampleRate: z.number(),
      description: z.string(),
    })
    .optional(),
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
export function taggerCard(
  config: TaggerConfig,
  parameters: number,
): NonNullable<ModelCard['tagger']> {
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
    ...(config.head === 'sigmoid' ? { head: 'sigmoid' as const } : {}),
    ...(config.frontEnd
      ? { frontEnd: { blocks: config.frontEnd.blocks.map((b) => ({ ...b })) } }
      : {}),
    parameters,
  }
}
