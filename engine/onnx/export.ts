/**
 * Exporting a Framewise model: the graph with its metadata_props, and the model card next to it.
 * `exportTagger` writes both, each atomically (model first, so a card never describes a missing
 * or older model); clip classifiers (clip.ts) share the spec handling and the file writing.
 */
import { taggerGraph, type GraphNormalisation } from '../../models/onnx-graph'
import { convContext } from '../../models/conv'
import { frontEndOf } from '../../models/params'
import type { TaggerConfig } from '../../models/params'
import { paramLayout } from '../../models/params'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write'
import { featureSpecSchema, type FeatureSpec } from '../features/spec'
import { cardHeader, cardPathOf, taggerCard, type ModelCard } from './card'
import {
  classesSchema,
  featureCount,
  metadataProps,
  PRODUCER_VERSION,
  transitionsSchema,
  type ModelMetadata,
  type TransitionsMeta,
} from './metadata'
import {
  multiLabelSchema,
  postProcessSchema,
  type MultiLabelPostProcess,
  type MultiLabelPostProcessInput,
  type PostProcessInput,
} from './postprocess-settings'
import { encodeModel } from './write'

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
  /**
   * A sigmoid head's per-class post-processing (thresholds, median filter, minimum duration);
   * omitted: threshold 0.5 and `postprocess`'s median filter and minimum duration for every class.
   */
  multiLabel?: MultiLabelPostProcessInput | null
  /** The tier of the labels it learned, for the card. */
  tier?: string
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
  const sigmoid = config.head === 'sigmoid'
  const transitions =
    input.transitions && !config.outputRecurrence && !sigmoid
      ? transitionsSchema.parse(input.transitions)
      : undefined
  const post = postProcessSchema.parse(input.postprocess ?? {})
  // Viterbi needs the transitions: a model without them ships it off (readModel would refuse it)
  if (post.viterbi?.enabled && !transitions) delete post.viterbi
  const multiLabel = sigmoid ? multiLabelOf(input.multiLabel, post, classes.length) : undefined
  // every class of a multi-label model makes events: none is the background
  if (sigmoid) post.background = null
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
    ...(config.frontEnd ? { convContext: convContext(frontEndOf(config)!) } : {}),
    // an output-recurrent model decodes its own label path (beam search), so no Viterbi
    ...(transitions ? { transitions } : {}),
    ...(multiLabel ? { multiLabel } : {}),
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
    ...(meta.multiLabel ? { multiLabel: meta.multiLabel } : {}),
    ...(input.tier !== undefined ? { tier: input.tier } : {}),
    metrics: input.metrics ?? {},
  }
  return writeModelFiles(modelPath, bytes, card)
}

/** A sigmoid head's per-class post-processing, one entry per class (defaults from `post`). */
function multiLabelOf(
  input: MultiLabelPostProcessInput | null | undefined,
  post: { medianFilter: number; minDuration: number },
  C: number,
): MultiLabelPostProcess {
  const fallback = {
    threshold: 0.5,
    medianFilter: post.medianFilter,
    minDuration: post.minDuration,
  }
  const ml = multiLabelSchema.parse(
    input ?? { perClass: Array.from({ length: C }, () => fallback) },
  )
  if (ml.perClass.length !== C)
    throw new RangeError(
      `multi-label post-processing for ${ml.perClass.length} classes, the model has ${C}`,
    )
  return ml
}
