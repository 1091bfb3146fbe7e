/**
 * Clip classification data and runs: which files carry a clip class (a project's `clipClass`
 * per media file, or a data folder of `<dir>/<class>/<file>` subfolders), their features
 * (dataset.ts: the same features, split by file and global normalisation as for tagging), the
 * training run recorded like a tagger run (runs.ts), and the exported clip classifier.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { EpochRecord, TrainProgress } from '../api'
import { DataError } from '../errors'
import { parseFeatureSpec, type FeatureSpec } from '../features/spec'
import type { JobContext } from '../jobs'
import { exportClassifier } from '../onnx/clip'
import type { ExportResult } from '../onnx/export'
import { MANIFEST_FILE } from '../project/manifest'
import type { RunRecord } from '../project/runs'
import { Project } from '../project/store'
import { mediaKindOf } from '../media/kinds'
import { readSeriesCsv, TIME_COLUMNS } from '../media/series/csv'
import type { ClipData, ClipSequence, ClipTrainResult } from './classify'
import { assembleDataset, type AssembledData, type DataFile } from '../data/dataset'
import { runClassifierWorker } from './job'
import type { Checkpoint } from './epochs'
import { bestMetrics, openRunRecord, recordRun } from './recorded-run'
import { RunStore, dataHash } from './runs'
import type { TrainSettings } from './settings'

/** A media file with its clip class. */
export interface ClipFile {
  name: string
  path: string
  clipClass: string
  /** Rows per second of a CSV series without a time column (the media's setting). */
  seriesRate?: number
}

/** Clip classes: the distinct classes of the files, sorted (so the order is reproducible). */
export const clipClassesOf = (files: ClipFile[]): string[] =>
  [...new Set(files.map((f) => f.clipClass))].sort()

/** Features of every file (no frame labels), split by file; clip labels by class index. */
export async function assembleClips(
  files: ClipFile[],
  spec: FeatureSpec,
  opts: {
    seed: number
    valFraction: number
    cacheDir?: string
    signal?: AbortSignal
    onProgress?: (f: number, m: string) => void
  },
): Promise<{ data: ClipData; assembled: AssembledData; classes: string[] }> {
  const classes = clipClassesOf(files)
  if (classes.length < 2)
    throw new DataError(
      files[0]?.path ?? 'dataset',
      `clip classification needs at least 2 clip classes; found ${classes.length} (${classes.join(', ')})`,
    )
  // No frame classes: every frame label is −1, dataset.ts only computes features and the split.
  const dataFiles: DataFile[] = files.map((f) => ({
    name: f.name,
    path: f.path,
    labels: { kind: 'segments', segments: [] },
    seriesRate: f.seriesRate,
  }))
  const assembled = await assembleDataset(
    dataFiles,
    spec,
    { names: [], background: null, ignore: [] },
    opts,
  )
  const byName = new Map(files.map((f) => [f.name, classes.indexOf(f.clipClass)]))
  const clip = (s: { name: string; x: Float32Array; labels: Int32Array }): ClipSequence => ({
    name: s.name,
    x: s.x,
    frames: s.labels.length,
    label: byName.get(s.name)!,
  })
  const data: ClipData = {
    F: assembled.data.F,
    classes,
    train: assembled.data.train.map(clip),
    val: assembled.data.val.map(clip),
  }
  return { data, assembled, classes }
}

/** The data hash of a clip run: features and the clip label of every file. */
const clipHash = (data: ClipData) =>
  dataHash(
    [...data.train, ...data.val].map((s) => ({
      name: s.name,
      x: s.x,
      labels: Int32Array.of(s.label),
    })),
  )

/** Writes a trained clip classifier, the best epoch's metrics on its card. */
export function exportTrainedClassifier(
  modelPath: string,
  result: ClipTrainResult,
  spec: FeatureSpec,
  classes: string[],
  runId?: string,
): Promise<ExportResult> {
  return exportClassifier(modelPath, {
    config: result.config,
    pooling: result.pooling,
    params: result.params,
    spec,
    classes,
    metrics: bestMetrics(result),
    runId,
  })
}

/**
 * Train a clip classifier on the project's files that have a clip class; resolves to the
 * finished run record (runs/<id>/model.onnx + card, like a tagger run).
 */
export async function trainClipProject(
  project: Project,
  ctx: JobContext,
  settings: TrainSettings,
  specInput: unknown,
  opts: {
    onUpdate?: (u: { runId: string; progress?: TrainProgress; epoch?: EpochRecord }) => void
    /** Continue this run from its checkpoint (same data required). */
    resume?: { record: RunRecord; checkpoint: Checkpoint }
  } = {},
): Promise<RunRecord> {
  const tagged = project.media.filter((m) => m.clipClass)
  if (tagged.length === 0)
    throw new DataError(
      project.dir,
      'no file has a clip class: set the clip class of some files before training a clip classifier',
    )
  const kinds = new Set(tagged.map((m) => m.kind))
  if (kinds.size > 1)
    throw new DataError(
      project.dir,
      'files with clip classes mix audio and CSV series; a model takes one kind',
    )
  const kind = tagged[0].kind
  let spec: FeatureSpec
  try {
    spec = parseFeatureSpec(specInput ?? { kind })
  } catch (err) {
    throw new DataError(project.dir, `feature settings: ${(err as Error).message}`)
  }
  if (spec.kind !== kind)
    throw new DataError(
      project.dir,
      `the feature settings are for ${spec.kind}, the files are ${kind}`,
    )
  const files = tagged.map((m) => ({
    name: m.path,
    path: project.mediaPath(m.path),
    clipClass: m.clipClass!,
    seriesRate: m.seriesRate,
  }))
  ctx.progress(0, 'computing features')
  const { data, assembled, classes } = await assembleClips(files, spec, {
    seed: settings.seed,
    valFraction: settings.valFraction,
    cacheDir: project.cacheDir('features'),
    signal: ctx.signal,
    onProgress: (f, m) => ctx.progress(0.1 * f, m),
  })
  const store = new RunStore(project.dir)
  const record = openRunRecord(
    project.dir,
    opts.resume?.record,
    {
      settings,
      features: assembled.spec,
      classes,
      dataHash: clipHash(data),
      files: assembled.files,
    },
    'the files or their clip classes',
  )
  return recordRun({
    dir: project.dir,
    store,
    record,
    ctx,
    onUpdate: opts.onUpdate,
    train: (hooks) =>
      runClassifierWorker(data, settings, { ...hooks, resume: opts.resume?.checkpoint }),
    exportModel: (result, modelPath) =>
      exportTrainedClassifier(modelPath, result, assembled.spec, classes, record.id),
  })
}

/**
 * A plain data folder for clip classification: one subfolder per class, holding that class's
 * media files (`<dir>/<class>/<file>.wav`, or .csv series); files directly in `<dir>` and
 * hidden folders are ignored.
 */
export async function scanClipFolder(
  dir: string,
  options: { seriesRate?: number } = {},
): Promise<{ kind: 'audio' | 'series'; files: ClipFile[]; channels: string[] | null }> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: Error) => {
    throw new DataError(dir, `cannot read the folder (${err.message})`)
  })
  const files: ClipFile[] = []
  for (const sub of entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const names = (await fs.readdir(path.join(dir, sub.name))).sort()
    for (const n of names) {
      if (mediaKindOf(n))
        files.push({
          name: `${sub.name}/${n}`,
          path: path.join(dir, sub.name, n),
          clipClass: sub.name,
          ...(options.seriesRate !== undefined ? { seriesRate: options.seriesRate } : {}),
        })
    }
  }
  if (files.length === 0)
    throw new DataError(
      dir,
      'no clip folders: put each class’s files in a subfolder named after the class (<dir>/<class>/<file>.wav)',
    )
  const audio = files.filter((f) => mediaKindOf(f.path) === 'audio')
  if (audio.length && audio.length !== files.length)
    throw new DataError(
      dir,
      'the class folders mix audio and CSV time series; a model takes one kind',
    )
  if (audio.length) return { kind: 'audio', files, channels: null }
  const first = await readSeriesCsv(files[0].path, { sampleRate: options.seriesRate })
  return {
    kind: 'series',
    files,
    channels: first.channels.filter((c) => !TIME_COLUMNS.includes(c.toLowerCase())),
  }
}

/** Files with a known clip class in a project (its clipClass fields) or a class-folder data folder. */
export async function clipItemsOf(
  dir: string,
): Promise<{ file: string; name: string; clipClass: string }[]> {
  const isProject = await fs.access(path.join(dir, MANIFEST_FILE)).then(
    () => true,
    () => false,
  )
  if (!isProject)
    return (await scanClipFolder(dir)).files.map((f) => ({
      file: f.path,
      name: f.name,
      clipClass: f.clipClass,
    }))
  return clipItemsOfProject(await Project.open(dir))
}

/** A project's files with a clip class, for evaluation. */
export function clipItemsOfProject(
  project: Project,
): { file: string; name: string; clipClass: string; seriesRate?: number }[] {
  const items = project.media
    .filter((m) => m.clipClass)
    .map((m) => ({
      file: project.mediaPath(m.path),
      name: m.path,
      clipClass: m.clipClass!,
      seriesRate: m.seriesRate,
    }))
  if (items.length === 0)
    throw new DataError(project.dir, 'no file of the project has a clip class to evaluate against')
  return items
}
