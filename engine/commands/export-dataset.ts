/**
 * `framewise export-dataset <project-or-data-dir> --out DIR [--seed N] [--val F]`: the training
 * data as files NumPy and PyTorch read without Framewise (recipes/pytorch/train.py reads them):
 *   DIR/index.json                   what everything is (below)
 *   DIR/features/<i>.npy             float32 (T, F): the features the model takes, normalised as
 *                                    the spec says (global: by the training files' mean/std)
 *   DIR/labels/<i>.<tier>.npy        exclusive tier: int16 (T) class index into the tier's
 *                                    classes, −1 = ignored; overlapping tier: uint8 (T, C)
 *                                    multi-hot over the tier's classes, 255 = masked
 * Frames, labels and split are those of `framewise train` (data/dataset.ts: frame-centre rule,
 * split by file with the same seed and validation fraction), so a model trained elsewhere on
 * this export sees what Framewise's own trainer would. index.json carries the FeatureSpec the
 * model must be exported with (the global statistics filled in), the feature names, class names
 * and roles, the tiers, the split, and the training files' per-dimension mean and std.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { DataError } from '../errors'
import { extractFileFeatures } from '../features/extract'
import { RunningStats, standardize } from '../features/normalize'
import { parseFeatureSpec, PRESETS, type FeatureSpec } from '../features/spec'
import { loadFeatureSpec } from '../features/spec-file'
import { writeJsonAtomic } from '../io/atomic-write'
import type { Tier } from '../labels/tiers'
import { MANIFEST_FILE } from '../project/manifest'
import { Project } from '../project/store'
import { frameLabels, rowFrameLabels, splitByFile, type ClassMap } from '../data/dataset'
import type { LabelSource } from '../data/dataset'
import { scanDataFolder } from '../data/folder'
import { multiHotTargets, multiLabelClasses } from '../data/multi-hot'
import { readNpyFloat32, writeNpy } from '../data/npy'
import { classMapOf } from '../train/project'
import { parseTrainSettings } from '../train/settings'
import { type Command, UsageError, checkOutDir, numberFlag, reportProgress } from './command'

/** Format name and version of index.json. */
export const DATASET_FORMAT = 'framewise-dataset'
export const DATASET_VERSION = 1

/** The value of a masked entry of a multi-hot (uint8) label file. */
export const MULTI_HOT_MASKED = 255

/** One file of the dataset before export: where it is and its labels per tier. */
interface SourceFile {
  name: string
  path: string
  seriesRate?: number
  /** Labels by tier name (a CSV's label column is one exclusive tier of rows). */
  tiers: { name: string; kind: Tier['kind']; labels: LabelSource }[]
}

export interface ExportDatasetInput {
  /** A project folder (framewise.json) or a plain data folder. */
  dir: string
  out: string
  /** Split seed and validation fraction; default those of `framewise train`. */
  seed?: number
  valFraction?: number
  /** A FeatureSpec JSON file or preset name; default the project's (or the folder kind's). */
  features?: string
  onProgress?: (fraction: number, message: string) => void
}

/** A tier as index.json describes it. */
interface TierEntry {
  name: string
  kind: Tier['kind']
  /** exclusive: int16 (T); overlapping: uint8 (T, C). */
  dtype: 'int16' | 'uint8'
  /** Class names, the label values' (exclusive) or columns' (overlapping) order. */
  classes: string[]
  /** The class of unlabelled frames, or null. */
  background: string | null
}

export interface DatasetIndex {
  format: typeof DATASET_FORMAT
  version: typeof DATASET_VERSION
  /** The spec a model trained on these features must carry (framewise.features). */
  spec: FeatureSpec
  featureNames: string[]
  /** F. */
  dims: number
  /** Seconds between frames (audio), else null. */
  frameHop: number | null
  /** The project's classes: names (background included), background, ignored labels. */
  classes: ClassMap
  tiers: TierEntry[]
  /** Indices into `files`. */
  split: { train: number[]; val: number[]; seed: number; valFraction: number }
  /** Per-dimension mean and std of the written features over the training files. */
  stats: { mean: number[]; std: number[] }
  /** Entries in `labels`: tier name → .npy path, relative to the index; tiers a file lacks are absent. */
  files: { name: string; frames: number; features: string; labels: Record<string, string> }[]
}

/** A file name part for a tier: letters, digits, - and _ kept, anything else as _. */
const tierSlug = (name: string, i: number) => `${i}-${name.replace(/[^A-Za-z0-9_-]+/g, '_')}`

async function projectSources(dir: string) {
  const project = await Project.open(dir)
  const manifest = project.toJSON()
  const sources: SourceFile[] = []
  for (const m of project.media) {
    const view = await project.readLabels(m.path)
    const tiers = view.tiers
      .filter((t) => t.segments.length > 0)
      .map((t) => ({
        name: t.name,
        kind: t.kind,
        labels: { kind: 'segments' as const, segments: t.segments },
      }))
    if (tiers.length === 0) continue
    sources.push({ name: m.path, path: project.mediaPath(m.path), seriesRate: m.seriesRate, tiers })
  }
  const kinds = new Set(
    project.media.filter((m) => sources.some((s) => s.name === m.path)).map((m) => m.kind),
  )
  if (kinds.size > 1)
    throw new DataError(dir, 'labelled files mix audio and CSV series; a dataset holds one kind')
  const kind = [...kinds][0] ?? 'audio'
  const spec = Object.keys(manifest.features).length ? manifest.features : { kind }
  return {
    sources,
    classes: classMapOf(project.classes, manifest.labelling),
    spec,
    cacheDir: project.cacheDir('features'),
  }
}

async function folderSources(dir: string) {
  const folder = await scanDataFolder(dir)
  const sources: SourceFile[] = folder.files.map((f) => ({
    name: f.name,
    path: f.path,
    seriesRate: f.seriesRate,
    tiers: [{ name: 'labels', kind: 'exclusive', labels: f.labels }],
  }))
  const spec = {
    kind: folder.kind,
    ...(folder.kind === 'series' ? { channels: folder.channels } : {}),
  }
  return { sources, classes: folder.classes, spec, cacheDir: undefined }
}

/** Writes the dataset of `input.dir` into `input.out`; returns its index. */
export async function exportDataset(input: ExportDatasetInput): Promise<DatasetIndex> {
  const isProject = await fs
    .access(path.join(input.dir, MANIFEST_FILE))
    .then(() => true)
    .catch(() => false)
  const found = isProject ? await projectSources(input.dir) : await folderSources(input.dir)
  const { sources, classes, cacheDir } = found
  if (sources.length === 0) throw new DataError(input.dir, 'no labelled files to export')
  let spec: FeatureSpec
  if (input.features === undefined) spec = parseFeatureSpec(found.spec)
  else if (input.features in PRESETS) spec = PRESETS[input.features as keyof typeof PRESETS]()
  else spec = await loadFeatureSpec(input.features)
  const defaults = parseTrainSettings({})
  const seed = input.seed ?? defaults.seed
  const valFraction = input.valFraction ?? defaults.valFraction
  const split = splitByFile(sources.length, valFraction, seed)

  const global = spec.normalization.mode === 'global'
  const extractSpec = (global ? { ...spec, normalization: { mode: 'none' } } : spec) as FeatureSpec
  const train = new Set(split.train)
  const tierNames = [...new Set(sources.flatMap((s) => s.tiers.map((t) => t.name)))]
  const tiers: TierEntry[] = tierNames.map((name) => {
    const kind = sources.flatMap((s) => s.tiers).find((t) => t.name === name)!.kind
    return kind === 'exclusive'
      ? { name, kind, dtype: 'int16', classes: classes.names, background: classes.background }
      : { name, kind, dtype: 'uint8', classes: multiLabelClasses(classes), background: null }
  })
  await fs.mkdir(path.join(input.out, 'features'), { recursive: true })
  await fs.mkdir(path.join(input.out, 'labels'), { recursive: true })
  const width = String(sources.length - 1).length
  const files: DatasetIndex['files'] = []
  // One file at a time (an archive's features need not fit in memory): its features (global
  // normalisation: un-normalised for now, standardised below) and labels are written before
  // the next file is read.
  let stats: RunningStats | undefined
  let names: string[] = []
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]
    input.onProgress?.((global ? 0.7 : 1) * (i / sources.length), `features of ${s.name}`)
    const m = await extractFileFeatures(s.path, extractSpec, { seriesRate: s.seriesRate, cacheDir })
    stats ??= new RunningStats(m.dims)
    names = m.names
    if (m.dims !== stats.dims)
      throw new DataError(s.path, `gives ${m.dims} features, the first file ${stats.dims}`)
    if (train.has(i)) stats.add(m.data, m.frames)
    const id = String(i).padStart(width, '0')
    const features = `features/${id}.npy`
    await writeNpy(path.join(input.out, features), m.data, [m.frames, m.dims])
    const labels: Record<string, string> = {}
    for (const t of s.tiers) {
      const k = tierNames.indexOf(t.name)
      const file = `labels/${id}.${tierSlug(t.name, k)}.npy`
      if (t.kind === 'exclusive') {
        const y =
          t.labels.kind === 'segments'
            ? frameLabels(t.labels.segments, m.frameTimes, classes, s.name)
            : rowFrameLabels(
                t.labels.labels,
                m.frames,
                spec.hopLength,
                spec.frameLength,
                classes,
                s.name,
              )
        await writeNpy(path.join(input.out, file), Int16Array.from(y), [m.frames])
      } else {
        if (t.labels.kind !== 'segments') continue
        const y = multiHotTargets(t.labels.segments, m.frameTimes, classes, s.name)
        const bytes = Uint8Array.from(y, (v) => (v < 0 ? MULTI_HOT_MASKED : v))
        await writeNpy(path.join(input.out, file), bytes, [m.frames, tiers[k].classes.length])
      }
      labels[t.name] = file
    }
    files.push({ name: s.name, frames: m.frames, features, labels })
  }
  const F = stats!.dims
  let trained = stats!.result()
  let finalSpec = spec
  if (global) {
    // the training files' statistics are known now: standardise every file with them
    const after = new RunningStats(F)
    for (let i = 0; i < files.length; i++) {
      input.onProgress?.(0.7 + (0.3 * i) / files.length, `normalising ${files[i].name}`)
      const file = path.join(input.out, files[i].features)
      const x = standardize(await readNpyFloat32(file), F, trained.mean, trained.std)
      if (train.has(i)) after.add(x, files[i].frames)
      await writeNpy(file, x, [files[i].frames, F])
    }
    finalSpec = { ...spec, normalization: { mode: 'global', ...trained } } as FeatureSpec
    trained = after.result()
  }

  const index: DatasetIndex = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    spec: finalSpec,
    featureNames: names,
    dims: F,
    frameHop: spec.kind === 'audio' ? spec.hopLength / spec.sampleRate : null,
    classes,
    tiers,
    split: { ...split, seed, valFraction },
    stats: trained,
    files,
  }
  // the index last: a folder with an index.json is a complete export
  await writeJsonAtomic(path.join(input.out, 'index.json'), index)
  input.onProgress?.(1, 'exported')
  return index
}

export const exportDatasetCommand: Command = {
  brief: 'training data as .npy files for NumPy/PyTorch',
  usage:
    'export-dataset <project-or-data-dir> --out DIR [--features spec.json|preset] [--seed N] [--val F]',
  summary:
    "the training data of a project or data folder as .npy files plus index.json, for training elsewhere (recipes/pytorch/train.py): features (float32 T×F) computed with the project's FeatureSpec, frame labels per tier (exclusive: int16 class indices, −1 ignored; overlapping: uint8 multi-hot, 255 masked), the split by file (the seed and validation fraction of train), class names and the training files' mean/std",
  options: {
    out: { type: 'string' },
    features: { type: 'string' },
    seed: { type: 'string' },
    val: { type: 'string' },
  },
  async run({ positionals, values }) {
    if (positionals.length !== 1)
      throw new UsageError('export-dataset takes exactly one project or data folder')
    if (typeof values.out !== 'string') throw new UsageError('export-dataset needs --out DIR')
    const valFraction = numberFlag(values, 'val', { min: 0 })
    if (valFraction !== undefined && valFraction > 0.9)
      throw new UsageError('--val must be a fraction of files from 0 to 0.9')
    await checkOutDir(values.out)
    const index = await exportDataset({
      dir: positionals[0],
      out: values.out,
      features: values.features as string | undefined,
      seed: numberFlag(values, 'seed', { integer: true, min: 0 }),
      valFraction,
      onProgress: reportProgress,
    })
    return {
      out: values.out,
      files: index.files.length,
      train: index.split.train.length,
      val: index.split.val.length,
      dims: index.dims,
      tiers: index.tiers.map((t) => t.name),
      classes: index.classes.names,
    }
  },
}
