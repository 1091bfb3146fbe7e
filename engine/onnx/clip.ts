/**
 * Clip classifiers as ONNX files: one class per file instead of one per frame.
 *   input    features     float32 [batch, time, F]          (as a tagger)
 *   outputs  probabilities float32 [batch, classes]         (softmax over clip classes)
 *            weights       float32 [batch, time], optional  (attention pooling: where it looked)
 *   metadata framewise.task = 'classify', framewise.classes, framewise.features, framewise.run
 * The graph is models/onnx-graph.ts's clipClassifierGraph (the tagger with a K-wide per-frame
 * projection, then pooling). The card carries the tagger and the pooling head's configuration.
 */
import * as ort from 'onnxruntime-node'
import { clipClassifierGraph } from '../../models/onnx-graph'
import { paramLayout, type TaggerConfig } from '../../models/params'
import { poolingLayout, type PoolingConfig } from '../../models/pooling'
import { DataError } from '../errors'
import { featureSpecSchema, type FeatureSpec } from '../features/spec'
import { cardHeader, taggerCard, type ModelCard } from './card'
import { graphFeatureSpec, writeModelFiles, type ExportResult } from './export'
import {
  classesSchema,
  featureCount,
  metadataProps,
  PRODUCER_VERSION,
  type ModelMetadata,
} from './metadata'
import { load, type ModelInfo } from './read'
import { encodeModel } from './write'

export interface ExportClassifierInput {
  /** The tagger part (numClasses = K, the pooled width). */
  config: TaggerConfig
  pooling: PoolingConfig
  /** Tagger then head parameters, one flat array (train/classify.ts). */
  params: Float32Array
  spec: FeatureSpec
  /** Clip class names, output order. */
  classes: string[]
  metrics?: Record<string, unknown>
  runId?: string | null
}

/** Writes a clip classifier and its card, atomically (model first). */
export async function exportClassifier(
  modelPath: string,
  input: ExportClassifierInput,
): Promise<ExportResult> {
  const { config, pooling, params, classes } = input
  if (classes.length !== pooling.numClasses)
    throw new RangeError(
      `${classes.length} class names for a head with ${pooling.numClasses} outputs`,
    )
  classesSchema.parse(classes)
  const P1 = paramLayout(config).size
  const P2 = poolingLayout(pooling).size
  if (params.length !== P1 + P2)
    throw new RangeError(`params has ${params.length} values, the model needs ${P1 + P2}`)
  const { spec, norm } = graphFeatureSpec(input.spec, config.inputSize)
  const meta: ModelMetadata = {
    classes: [...classes],
    features: spec,
    postprocess: { medianFilter: 1, minDuration: 0, mergeGap: 0, background: null },
    runId: input.runId ?? null,
    output: 'probabilities',
    task: 'classify',
  }
  const graph = clipClassifierGraph(
    config,
    params.subarray(0, P1),
    pooling,
    params.subarray(P1),
    norm,
  )
  const bytes = encodeModel(graph, metadataProps(meta), PRODUCER_VERSION)
  const card: ModelCard = {
    ...cardHeader(modelPath, bytes, meta.runId),
    tagger: taggerCard(config, P1 + P2),
    classes: meta.classes,
    features: meta.features,
    postprocess: meta.postprocess,
    output: 'probabilities',
    task: 'classify',
    pooling: {
      kind: pooling.kind,
      inputSize: pooling.inputSize,
      attentionSize: pooling.attentionSize,
    },
    metrics: input.metrics ?? {},
  }
  return writeModelFiles(modelPath, bytes, card)
}

/** A model checked to be a usable clip classifier, with its session. */
export interface ClipModel {
  file: string
  info: ModelInfo
  session: ort.InferenceSession
  inputName: string
  /** F, or null when only a file can tell (series spec without channels). */
  numFeatures: number | null
  classes: string[]
  spec: FeatureSpec
  /** Name of the (batch, time) attention weights output, or null (mean/max pooling). */
  weightsName: string | null
}

/** A clip classifier says so in its metadata or card, or has a rank-2 'probabilities' output. */
export function isClipInfo(info: ModelInfo): boolean {
  if (info.framewise.task === 'classify' || info.card?.task === 'classify') return true
  const p = info.outputs.find((o) => o.name === 'probabilities')
  return p !== undefined && p.shape.length === 2
}

/** True when `file` is a clip classifier (reads the file; DataError when it is no ONNX model). */
export async function isClipModel(file: string): Promise<boolean> {
  return isClipInfo((await load(file, 1)).info)
}

/** Opens `file` as a clip classifier, checked against its spec and classes by a probe run. */
export async function readClipModel(
  file: string,
  options: { threads?: number } = {},
): Promise<ClipModel> {
  const { info, session } = await load(file, options.threads ?? 1)
  if (!isClipInfo(info)) throw new DataError(file, 'is a frame tagger, not a clip classifier')
  if (info.inputs.length !== 1)
    throw new DataError(
      file,
      `has ${info.inputs.length} inputs; a clip classifier has one [batch, time, features] input`,
    )
  const input = info.inputs[0]
  const probs = info.outputs.find((o) => o.name === 'probabilities')
  if (!probs) throw new DataError(file, "has no 'probabilities' output")
  const weights = info.outputs.find((o) => o.name === 'weights')
  const rawSpec = info.framewise.features ?? info.card?.features
  if (!rawSpec) throw new DataError(file, 'carries no FeatureSpec (metadata framewise.features)')
  const spec = featureSpecSchema.parse(rawSpec)
  const classes = info.framewise.classes ?? info.card?.classes
  if (!classes) throw new DataError(file, 'carries no class names (metadata framewise.classes)')
  const F = featureCount(spec)
  if (F !== null) {
    const T = 8
    const out = await session
      .run({ [input.name]: new ort.Tensor('float32', new Float32Array(T * F), [1, T, F]) })
      .catch((err: Error) => {
        throw new DataError(
          file,
          `fails on a [1, ${T}, ${F}] input (${String(err.message).split('\n')[0]})`,
        )
      })
    const d = out.probabilities.dims
    if (d.length !== 2 || d[1] !== classes.length)
      throw new DataError(
        file,
        `gives probabilities [${d.join(', ')}]; expected [1, ${classes.length}] for classes ${classes.join(', ')}`,
      )
  }
  return {
    file,
    info,
    session,
    inputName: input.name,
    numFeatures: F,
    classes: [...classes],
    spec,
    weightsName: weights ? weights.name : null,
  }
}
