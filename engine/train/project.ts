/**
 * Training a project's labels into a model: the labelled files of one kind become a dataset,
 * the training runs in its worker, every epoch is recorded (run.json + checkpoint, atomically),
 * and the best epoch is exported as ONNX with its model card into the run folder.
 */
import path from 'node:path'
import { z } from 'zod'
import { ApiError, type EpochRecord, type LabelClass, type TrainProgress } from '../api'
import { DataError } from '../errors'
import { parseFeatureSpec, type FeatureSpec } from '../features/spec'
import type { JobContext } from '../jobs'
import { exportTagger, type ExportResult } from '../onnx/export'
import { transitionsOf } from '../onnx/transitions'
import type { RunRecord } from '../project/runs'
import type { Project } from '../project/store'
import { assembleDataset, type AssembledData, type ClassMap, type DataFile } from '../data/dataset'
import { groupsOf, splitsByGroup } from '../data/groups'
import { runTrainingWorker } from './job'
import { trainClipProject } from './clip-project'
import type { TrainResult } from './loop'
import { segmentsOf } from '../labels/tiers'
import { bestMetrics, openRunRecord, recordRun } from './recorded-run'
import { RunStore, dataHash } from './runs'
import { parseTrainSettings, type TrainSettings } from './settings'

/** Model classes from project classes: every class but the 'ignore' ones, background included. */
export function classMapOf(
  classes: readonly LabelClass[],
  labelling: 'complete' | 'partial',
): ClassMap {
  const background = classes.find((c) => c.role === 'background')?.name ?? null
  return {
    names: classes.filter((c) => c.role !== 'ignore').map((c) => c.name),
    background: labelling === 'complete' ? background : null,
    ignore: classes.filter((c) => c.role === 'ignore').map((c) => c.name),
  }
}

/**
 * Post-processing shipped with a trained model (users can change it when predicting):
 * a plain tagger decodes with Viterbi (λ 1) over the label transitions of its training labels,
 * which removes flicker and impossible label changes; an output-recurrent one (`viterbi` false:
 * it decodes its own path) gets a median filter over ~50 ms against single-frame flicker instead.
 * Why Viterbi by default (docs/sequence-models.md, "Viterbi post-processing"): on the synthetic
 * CSV task it raised event F1 from 0.85 to 0.92 (3 seeds) for −0.007 frame macro-F1, on the audio
 * task it matched the median filter, and on ordered phases it removed the order violations.
 * Segments shorter than half the shortest labelled event (at most 100 ms) are dropped, as no such
 * events were ever labelled.
 */
export function postprocessDefaults(
  files: DataFile[],
  classes: ClassMap,
  spec: FeatureSpec,
  viterbi = true,
) {
  const hopSeconds = spec.kind === 'audio' ? spec.hopLength / spec.sampleRate : null
  const frames = hopSeconds ? Math.max(1, Math.round(0.05 / hopSeconds)) : 1
  let shortest = Infinity
  for (const f of files)
    if (f.labels.kind === 'segments')
      for (const s of f.labels.segments)
        if (s.label !== classes.background && s.end > s.start)
          shortest = Math.min(shortest, s.end - s.start)
  return {
    // a Viterbi path has no runs a median filter would remove (docs/sequence-models.md)
    medianFilter: viterbi ? 1 : frames % 2 === 1 ? frames : frames + 1,
    ...(viterbi ? { viterbi: { enabled: true, weight: 1 } } : {}),
    minDuration: Number.isFinite(shortest) ? Math.min(0.1, shortest / 2) : 0,
    mergeGap: 0,
    background: classes.background,
  }
}

/**
 * Writes a trained tagger with what it ships: the best epoch's metrics, the post-processing
 * defaults above and the label transitions counted on its training split (for Viterbi).
 */
export function exportTrainedTagger(
  modelPath: string,
  result: TrainResult,
  data: {
    assembled: AssembledData
    files: DataFile[]
    classes: ClassMap
    spec: FeatureSpec
    /** The tier it learned (the card names it). */
    tier?: string
  },
  runId?: string,
): Promise<ExportResult> {
  const { assembled, files, classes, spec } = data
  const ml = result.multiLabel
  // Viterbi decodes one class per frame: not for output-recurrent or multi-label models
  const viterbi = !result.config.outputRecurrence && !ml
  const postprocess = postprocessDefaults(files, classes, spec, viterbi)
  return exportTagger(modelPath, {
    config: result.config,
    params: result.params,
    decoder: result.decoder,
    spec: assembled.spec,
    // a multi-label model's columns are its data's classes (no background column)
    classes: ml ? assembled.data.classes : classes.names,
    postprocess,
    ...(ml
      ? {
          multiLabel: {
            perClass: ml.thresholds.map((threshold) => ({
              threshold,
              medianFilter: postprocess.medianFilter,
              minDuration: postprocess.minDuration,
            })),
            thresholds: ml.thresholdsFrom,
          },
        }
      : {}),
    transitions: transitionsOf(
      assembled.data.train.map((s) => s.labels),
      classes.names.length,
    ),
    metrics: {
      ...bestMetrics(result),
      ...(ml?.segment && ml.event
        ? { segmentF1: ml.segment.micro.f1, segmentErrorRate: ml.segment.micro.errorRate }
        : {}),
      ...(ml?.event ? { eventF1: ml.event.micro.f1 } : {}),
    },
    runId,
    ...(data.tier !== undefined ? { tier: data.tier } : {}),
  })
}

export interface TrainingUpdate {
  runId: string
  progress?: TrainProgress
  epoch?: EpochRecord
}

export interface ProjectTrainOptions {
  /** Training settings (defaults for what is missing). */
  settings?: unknown
  /** Feature spec override; defaults to the project's, then to the defaults for the media kind. */
  features?: unknown
  /** Resume this run from its checkpoint. */
  resume?: string
  onUpdate?: (u: TrainingUpdate) => void
}

/** Train on the project's labelled files; resolves to the finished run record. */
export async function trainProject(
  project: Project,
  ctx: JobContext,
  opts: ProjectTrainOptions = {},
): Promise<RunRecord> {
  const store = new RunStore(project.dir)
  const resumeRecord = opts.resume ? await store.read(opts.resume) : null
  let settings: TrainSettings
  try {
    settings = resumeRecord ? resumeRecord.settings : parseTrainSettings(opts.settings ?? {})
  } catch (err) {
    throw new ApiError(
      'invalid-request',
      `training settings: ${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}`,
    )
  }
  const manifest = project.toJSON()
  if (settings.task === 'classify') {
    const features =
      resumeRecord?.features ??
      opts.features ??
      (Object.keys(manifest.features).length ? manifest.features : undefined)
    const resume = resumeRecord
      ? { record: resumeRecord, checkpoint: await store.readCheckpoint(resumeRecord.id) }
      : undefined
    return trainClipProject(project, ctx, settings, features, { onUpdate: opts.onUpdate, resume })
  }
  // the tier the model learns: the one named, else each file's first exclusive tier
  const read = await Promise.all(
    project.media.map(async (m) => {
      const view = await project.readLabels(m.path)
      return { m, view, segments: segmentsOf(view.tiers, settings.tier) }
    }),
  )
  const labelled = read.filter((x) => x.segments.length > 0)
  const tierNames = [...new Set(read.flatMap((x) => x.view.tiers.map((t) => t.name)))]
  if (settings.tier !== undefined && !tierNames.includes(settings.tier))
    throw new DataError(
      project.dir,
      `no file has a tier named "${settings.tier}" (tiers: ${tierNames.map((n) => `"${n}"`).join(', ')}); name one of them`,
    )
  if (labelled.length === 0)
    throw new DataError(
      project.dir,
      settings.tier !== undefined
        ? `no labelled files in tier "${settings.tier}": label at least one file in it before training`
        : 'no labelled files: label at least one file before training',
    )
  const kinds = new Set(labelled.map((x) => x.m.kind))
  if (kinds.size > 1)
    throw new DataError(
      project.dir,
      'labelled files mix audio and CSV series; a model takes one kind',
    )
  const kind = labelled[0].m.kind
  const specInput =
    resumeRecord?.features ??
    opts.features ??
    (Object.keys(manifest.features).length ? manifest.features : { kind })
  let spec: FeatureSpec
  try {
    spec = parseFeatureSpec(specInput)
  } catch (err) {
    throw new ApiError(
      'invalid-request',
      `feature settings: ${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}`,
    )
  }
  if (spec.kind !== kind)
    throw new DataError(
      project.dir,
      `the feature settings are for ${spec.kind}, the labelled files are ${kind}`,
    )
  const classes = classMapOf(project.classes, manifest.labelling)
  const files: DataFile[] = labelled.map((x) => ({
    name: x.m.path,
    path: project.mediaPath(x.m.path),
    labels: { kind: 'segments', segments: x.segments },
    seriesRate: x.m.seriesRate,
  }))

  ctx.progress(0, 'computing features')
  const assembled = await assembleDataset(files, spec, classes, {
    seed: settings.seed,
    valFraction: settings.valFraction,
    cacheDir: project.cacheDir('features'),
    // the training set's features stay on disk, not in the heap (data/feature-cache.ts)
    featureCache: path.join(project.cacheDir('features'), 'train'),
    signal: ctx.signal,
    onProgress: (f, message) => ctx.progress(0.1 * f, message),
    // a sigmoid head learns every event of the tier, overlaps included (data/multi-hot.ts)
    multiLabel: settings.head === 'sigmoid',
    channels: settings.channels,
    ...(splitsByGroup(settings.groupBy)
      ? {
          groups: {
            of: groupsOf(
              files.map((f) => f.name),
              settings.groupBy,
              project.dir,
              labelled.map((x) => x.m.group),
            ),
            by: settings.groupBy,
            root: project.dir,
          },
        }
      : {}),
  })
  const record = openRunRecord(
    project.dir,
    resumeRecord,
    {
      settings,
      features: assembled.spec,
      classes: assembled.data.classes,
      dataHash: dataHash([...assembled.data.train, ...assembled.data.val]),
      files: assembled.files,
    },
    'the labelled data',
  )
  return recordRun({
    dir: project.dir,
    store,
    record,
    ctx,
    onUpdate: opts.onUpdate,
    train: async (hooks) =>
      runTrainingWorker(assembled.data, settings, {
        ...hooks,
        resume: resumeRecord ? await store.readCheckpoint(record.id) : undefined,
      }),
    exportModel: (result, modelPath) =>
      exportTrainedTagger(
        modelPath,
        result,
        { assembled, files, classes, spec, tier: settings.tier },
        record.id,
      ),
  })
}
