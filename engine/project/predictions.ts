/**
 * Predictions of a project's models (models.ts) on its media files, kept per media file in
 * predictions/<stem>.prediction.json so the sidebar can show what was predicted, and the last
 * few taggers' probabilities, so a change of post-processing re-decodes without a model run.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { PredictionView } from '../api'
import { ApiError } from '../api'
import { DataError, isMissing } from '../errors'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { writeJsonAtomic } from '../io/atomic-write'
import type { JobContext } from '../jobs'
import { predictFile, probabilitiesToSegments, type Prediction } from '../infer/predict'
import { multiLabelConfidence } from '../infer/postprocess-multilabel'
import type { PostProcessInput } from '../onnx/postprocess-settings'
import { readModel } from '../onnx/read'
import { isClipModel, readClipModel } from '../onnx/clip'
import { predictClip } from '../infer/clip'
import { modelPath } from './models'
import { PREDICTIONS_DIR, type Project } from './store'

/**
 * The last few taggers' outputs, so that changing only the post-processing (the Models panel's
 * Viterbi toggle and weight, a live preview) re-decodes the stored probabilities instead of
 * running features and model again. Keyed by model and media file with their sizes and mtimes.
 */
const probabilityCache = new Map<string, Prediction>()
const PROBABILITY_CACHE_SIZE = 4

async function cacheKey(file: string, mediaFile: string, seriesRate?: number): Promise<string> {
  const [a, b] = await Promise.all([fs.stat(file), fs.stat(mediaFile)])
  return JSON.stringify([file, a.size, a.mtimeMs, mediaFile, b.size, b.mtimeMs, seriesRate ?? null])
}

/** Run a model on one media file of the project; the prediction is saved with the project. */
export async function predictMedia(
  project: Project,
  modelId: string,
  media: string,
  ctx: JobContext,
  postprocess?: Partial<PostProcessInput>,
): Promise<PredictionView> {
  const file = modelPath(project, modelId)
  if (await isClipModel(file)) return predictClipMedia(project, modelId, file, media, ctx)
  const model = await readModel(file, { postprocess })
  const mediaFile = project.mediaPath(media)
  const seriesRate = project.seriesRate(media)
  const key = await cacheKey(file, mediaFile, seriesRate).catch(() => null)
  const cached = key === null ? undefined : probabilityCache.get(key)
  let p: Prediction
  if (cached) {
    p = { ...cached, ...probabilitiesToSegments(model, cached.probabilities, cached.frameTimes) }
    ctx.progress(1, 'segments')
  } else {
    p = await predictFile(model, mediaFile, {
      seriesRate,
      signal: ctx.signal,
      cacheDir: project.cacheDir('features'),
      onStage: (f, stage) => ctx.progress(f, stage),
    })
    // output-recurrent models decode their own path: their probabilities alone cannot redo it
    if (key !== null && !model.decoder) {
      probabilityCache.delete(key)
      probabilityCache.set(key, p)
      while (probabilityCache.size > PROBABILITY_CACHE_SIZE)
        probabilityCache.delete(probabilityCache.keys().next().value!)
    }
  }
  const C = p.classes.length
  const confidence = new Array<number>(p.frames)
  // a multi-label model is unsure where a class is near its threshold, not where all are off
  const sure = model.multiLabel
    ? multiLabelConfidence(p.probabilities, C, model.multiLabel.perClass)
    : null
  for (let t = 0; t < p.frames; t++) {
    let m = 0
    if (sure) m = sure[t]
    else for (let c = 0; c < C; c++) m = Math.max(m, p.probabilities[t * C + c])
    confidence[t] = Math.round(m * 1000) / 1000
  }
  const view: PredictionView = {
    media,
    model: modelId,
    created: new Date().toISOString(),
    classes: p.classes,
    start: p.frameTimes[0] ?? 0,
    hop: p.hop,
    labels: Array.from(p.labels),
    confidence,
    segments: p.segments,
  }
  await fs.mkdir(path.join(project.dir, PREDICTIONS_DIR), { recursive: true })
  await writeJsonAtomic(predictionPath(project, media), view)
  return view
}

/** A clip classifier's prediction for one media file, saved like a tagger's. */
async function predictClipMedia(
  project: Project,
  modelId: string,
  file: string,
  media: string,
  ctx: JobContext,
): Promise<PredictionView> {
  const p = await predictClip(await readClipModel(file), project.mediaPath(media), {
    seriesRate: project.seriesRate(media),
    signal: ctx.signal,
    cacheDir: project.cacheDir('features'),
    onStage: (f, stage) => ctx.progress(f, stage),
  })
  const top = p.weights ? Math.max(...p.weights) || 1 : 1
  const view: PredictionView = {
    media,
    model: modelId,
    created: new Date().toISOString(),
    classes: p.classes,
    start: p.start,
    hop: p.hop,
    labels: [],
    confidence: [],
    segments: [],
    clip: {
      class: p.class,
      confidence: Math.max(...p.probabilities),
      probabilities: p.probabilities,
      weights: p.weights ? Array.from(p.weights, (w) => Math.round((w / top) * 1000) / 1000) : null,
    },
  }
  await fs.mkdir(path.join(project.dir, PREDICTIONS_DIR), { recursive: true })
  await writeJsonAtomic(predictionPath(project, media), view)
  return view
}

function predictionPath(project: Project, media: string): string {
  const record = project.media.find((m) => m.path === media)
  if (!record) throw new ApiError('bad-input', `${media}: not a media file of this project`)
  return project.predictionPath(record)
}

/** The saved prediction of a media file, or null. */
export async function readPrediction(
  project: Project,
  media: string,
): Promise<PredictionView | null> {
  const file = predictionPath(project, media)
  // Per-frame labels and confidences: as large as a label file can be.
  const text = await readRegularText(file, READ_LIMITS.labels).catch((err: unknown) => {
    if (isMissing(err)) return null
    throw err
  })
  if (text === null) return null
  try {
    return JSON.parse(text) as PredictionView
  } catch {
    throw new DataError(file, 'the saved prediction is not valid JSON; predict again')
  }
}

/**
 * Keep which segments of the saved prediction the user rejected (indices into its segments), so
 * Accept all skips them after a restart too. `model` and `created` name the prediction the
 * indices belong to: a prediction made again since starts with none, and the call is refused.
 */
export async function setRejected(
  project: Project,
  media: string,
  model: string,
  created: string,
  rejected: number[],
): Promise<PredictionView> {
  const p = await readPrediction(project, media)
  if (!p) throw new ApiError('bad-input', `${media}: no saved prediction to reject segments of`)
  if (p.model !== model || p.created !== created)
    throw new ApiError(
      'conflict',
      `${media}: the prediction was made again since; its rejected segments start afresh`,
    )
  const out = [...new Set(rejected)].filter((i) => i < p.segments.length).sort((a, b) => a - b)
  const view: PredictionView = { ...p, rejected: out }
  await writeJsonAtomic(predictionPath(project, media), view)
  return view
}
