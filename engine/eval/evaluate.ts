/**
 * Evaluating a model on labelled data (a project or a plain data folder): predict every labelled
 * file, then frame metrics over all frames and event F1 with an onset collar, overall and per file
 * (worst first, so the files to look at come first).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Segment } from '../api'
import { DataError } from '../errors'
import { predictFile } from '../infer/predict'
import { framesToSegments } from '../labels/segments'
import { segmentsOf } from '../labels/tiers'
import { readModelCard } from '../onnx/card'
import { eventMetrics, frameMetrics, type EventMetrics, type FrameMetrics } from './metrics'
import {
  concatFiles,
  polyphonicMetrics,
  type EventBasedMetrics,
  type SegmentBasedMetrics,
} from './polyphonic'
import type { PostProcessInput } from '../onnx/postprocess-settings'
import { readModel } from '../onnx/read'
import { MANIFEST_FILE } from '../project/manifest'
import { Project } from '../project/store'
import { frameLabels, rowFrameLabels, type ClassMap, type DataFile } from '../data/dataset'
import { scanDataFolder } from '../data/folder'
import { classMapOf } from '../train/project'
import { readPrediction } from '../project/predictions'
import {
  includesPredicted,
  runSplitOf,
  selectFiles,
  splitOf,
  type FileSplit,
  type Selection,
  type SelectionOptions,
} from './selection'

export interface FileScore {
  file: string
  frames: number
  accuracy: number
  macroF1: number
  eventF1: number
  /** Its part in the model's training run. */
  split: FileSplit
}

export interface Evaluation {
  model: string
  classes: string[]
  files: number
  frame: FrameMetrics
  event: EventMetrics
  /** Per file, worst macro-F1 first. */
  perFile: FileScore[]
  /** Which files were scored and why (selection.ts). */
  selection: Selection
  /**
   * Multi-label models: segment-based (1 s) and event-based metrics of their overlapping events
   * against every reference event of their classes, pooled over the files (polyphonic.ts).
   */
  polyphonic?: { segment: SegmentBasedMetrics; event: EventBasedMetrics }
}

export interface EvaluateOptions extends SelectionOptions {
  /** Event onset collar in seconds (default 0.2). */
  collar?: number
  /** Rows per second of a data folder's CSV files without a time column (default: the model's). */
  seriesRate?: number
  /** Post-processing fields overriding the model's (e.g. viterbi, medianFilter). */
  postprocess?: Partial<PostProcessInput>
  signal?: AbortSignal
  onProgress?: (fraction: number, message: string) => void
}

/** A labelled file, and whether its labels are unreviewed accepted predictions. */
type Reference = DataFile & { unreviewed: boolean }

/** Labelled files of a project or data folder, with how their labels map to classes. */
async function referenceFiles(
  dir: string,
  seriesRate: number | undefined,
  tier: string | undefined,
): Promise<{ files: Reference[]; classes: ClassMap }> {
  const isProject = await fs
    .access(path.join(dir, MANIFEST_FILE))
    .then(() => true)
    .catch(() => false)
  if (!isProject) {
    // a data folder has no predictions: every label file is the user's
    const folder = await scanDataFolder(dir, { seriesRate, tier })
    return { ...folder, files: folder.files.map((f) => ({ ...f, unreviewed: false })) }
  }
  const project = await Project.open(dir)
  const files: Reference[] = []
  for (const m of project.media) {
    // the tier the model learned (its card says; default each file's first exclusive one)
    const segments = segmentsOf((await project.readLabels(m.path)).tiers, tier)
    if (!segments.length) continue
    const predicted = m.reviewed ? null : await readPrediction(project, m.path).catch(() => null)
    files.push({
      name: m.path,
      path: project.mediaPath(m.path),
      labels: { kind: 'segments', segments },
      seriesRate: m.seriesRate,
      unreviewed: predicted !== null && includesPredicted(segments, predicted.segments),
    })
  }
  return { files, classes: classMapOf(project.classes, project.toJSON().labelling) }
}

export async function evaluateModel(
  modelPath: string,
  dataDir: string,
  opts: EvaluateOptions = {},
): Promise<Evaluation> {
  const model = await readModel(modelPath, { postprocess: opts.postprocess })
  const modelRate = model.spec.kind === 'series' ? (model.spec.sampleRate ?? undefined) : undefined
  const tier = (await readModelCard(modelPath).catch(() => null))?.tier
  const { files: labelled, classes: dataClasses } = await referenceFiles(
    dataDir,
    opts.seriesRate ?? modelRate,
    tier,
  )
  if (labelled.length === 0) throw new DataError(dataDir, 'no labelled files to evaluate on')
  const split = await runSplitOf(modelPath, dataDir)
  const { chosen: files, selection } = selectFiles(labelled, split, opts, dataDir)
  // References are mapped onto the model's classes; the data's background is the model's.
  const background = model.background === null ? null : model.classes[model.background]
  const classes: ClassMap = {
    names: model.classes,
    background: dataClasses.background === null ? null : background,
    ignore: dataClasses.ignore,
  }
  const allRef: number[] = []
  const allPred: number[] = []
  const refEvents: Segment[] = []
  const predEvents: Segment[] = []
  const perFile: FileScore[] = []
  const overlapping: Parameters<typeof concatFiles>[0][number][] = []
  let offset = 0 // files are laid end to end in time so events of different files never match
  for (let i = 0; i < files.length; i++) {
    const f = files[i]
    opts.signal?.throwIfAborted()
    opts.onProgress?.(i / files.length, `predicting ${f.name}`)
    const p = await predictFile(model, f.path, { signal: opts.signal, seriesRate: f.seriesRate })
    const ref =
      f.labels.kind === 'segments'
        ? frameLabels(f.labels.segments, p.frameTimes, classes, f.name)
        : rowFrameLabels(
            f.labels.labels,
            p.frames,
            model.spec.hopLength,
            model.spec.frameLength,
            classes,
            f.name,
          )
    const refSegs =
      f.labels.kind === 'segments'
        ? f.labels.segments.filter(
            (s) => s.label !== background && !classes.ignore.includes(s.label),
          )
        : framesToSegments(ref, p.frameTimes, model.classes, {
            background: model.background ?? undefined,
          })
    const fm = frameMetrics(ref, p.labels, model.classes)
    const em = eventMetrics(refSegs, p.segments, { collar: opts.collar })
    perFile.push({
      file: f.name,
      frames: fm.frames,
      accuracy: fm.accuracy,
      macroF1: fm.macroF1,
      eventF1: em.f1,
      split: splitOf(split, f.name),
    })
    if (model.multiLabel)
      overlapping.push({
        reference: refSegs.filter((s) => model.classes.includes(s.label)),
        predicted: p.segments,
        duration: (p.frameTimes.at(-1) ?? 0) + p.hop / 2,
      })
    allRef.push(...ref)
    allPred.push(...p.labels)
    const shift = (s: Segment) => ({ ...s, start: s.start + offset, end: s.end + offset })
    refEvents.push(...refSegs.map(shift))
    predEvents.push(...p.segments.map(shift))
    offset += (p.frameTimes.at(-1) ?? 0) + p.hop + 10 * (opts.collar ?? 0.2) + 1
  }
  opts.onProgress?.(1, 'scored')
  return {
    model: modelPath,
    classes: model.classes,
    files: files.length,
    frame: frameMetrics(allRef, allPred, model.classes),
    event: eventMetrics(refEvents, predEvents, { collar: opts.collar }),
    perFile: perFile.sort((a, b) => a.macroF1 - b.macroF1),
    selection,
    ...(model.multiLabel
      ? (() => {
          const all = concatFiles(overlapping)
          return {
            polyphonic: polyphonicMetrics(all.reference, all.predicted, {
              classes: model.classes,
              duration: all.duration,
              collar: opts.collar,
            }),
          }
        })()
      : {}),
  }
}
