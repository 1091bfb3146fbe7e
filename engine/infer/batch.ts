/**
 * Predicting many files with one model and writing label files: what `framewise predict` runs.
 * Folders expand to the files the model's FeatureSpec reads (audio or CSV), in name order.
 */
import { mkdir, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { DataError, fileError } from '../errors'
import { extensionsOf, mediaKindOf } from '../media/kinds'
import type { FeatureSpec } from '../features/spec'
import { readSeriesCsv } from '../media/series/csv'
import { writeFileAtomic } from '../io/atomic-write'
import { readModel, type ReadModelOptions } from '../onnx/read'
import { LABEL_FORMAT_FILES, type LabelFormatName } from '../labels/format-list'
import { formatPrediction, probabilitiesCsv } from './outputs'
import { predictFile, type WindowOptions } from './predict'

/** Times of every row of a CSV series (the rows a per-row label file must cover). */
async function rowTimesOf(
  file: string,
  spec: FeatureSpec,
  seriesRate?: number,
): Promise<Float64Array> {
  if (spec.kind !== 'series') return new Float64Array(0)
  const series = await readSeriesCsv(file, {
    channels: spec.channels ?? undefined,
    sampleRate: seriesRate ?? spec.sampleRate ?? undefined,
    emptyLabel: '',
  })
  return series.times
}

export interface PredictFilesOptions extends ReadModelOptions {
  /** Folder for the outputs (created if missing). */
  out: string
  /** Label file format. */
  /** Every label format can be written; each file is named with its format's suffix. */
  format: LabelFormatName
  /** Also write `<stem>.probs.csv`. */
  probabilities?: boolean
  /** Window and context sizes in frames (see predict.ts). */
  windowFrames?: WindowOptions['windowFrames']
  contextFrames?: WindowOptions['contextFrames']
  /** Rows per second of CSV series without a time column (`--rate`; over the model's). */
  seriesRate?: number
  /** Cancels between files and windows. */
  signal?: AbortSignal
  /** Overall fraction 0..1 and a message naming the file. */
  onProgress?: (fraction: number, message: string) => void
}

export interface PredictedFile {
  input: string
  frames: number
  segments: number
  /** Files written. */
  outputs: string[]
}

/** `paths` with folders replaced by their files of the given kind (not recursive). */
export async function expandInputs(paths: string[], kind: 'audio' | 'series'): Promise<string[]> {
  const wanted = (f: string) => mediaKindOf(f) === kind
  const out: string[] = []
  for (const p of paths) {
    let s
    try {
      s = await stat(p)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new DataError(p, 'no such file or folder')
      throw fileError(p, err)
    }
    if (!s.isDirectory()) {
      out.push(p)
      continue
    }
    const names = (await readdir(p, { withFileTypes: true }))
      .filter((e) => e.isFile() && wanted(e.name))
      .map((e) => e.name)
      .sort()
    if (names.length === 0)
      throw new DataError(
        p,
        `contains no ${kind === 'audio' ? 'audio' : 'series'} files (${extensionsOf(kind).join(', ')})`,
      )
    out.push(...names.map((n) => path.join(p, n)))
  }
  return out
}

/** Predicts every input and writes `<stem><suffix>` (and `<stem>.probs.csv`) into `options.out`. */
export async function predictToFiles(
  modelFile: string,
  inputs: string[],
  options: PredictFilesOptions,
): Promise<{
  model: string
  classes: string[]
  background: string | null
  files: PredictedFile[]
}> {
  const model = await readModel(modelFile, options)
  const files = await expandInputs(inputs, model.spec.kind)
  const resolvedInputs = new Set(files.map((f) => path.resolve(f)))
  const stems = new Map<string, string>()
  for (const f of files) {
    const stem = path.basename(f, path.extname(f))
    const other = stems.get(stem)
    if (other)
      throw new DataError(
        f,
        `has the same name stem as ${other}; their outputs would overwrite each other`,
      )
    stems.set(stem, f)
  }
  await mkdir(options.out, { recursive: true })
  const done: PredictedFile[] = []
  for (const [i, file] of files.entries()) {
    options.signal?.throwIfAborted()
    const stem = path.basename(file, path.extname(file))
    const p = await predictFile(model, file, {
      seriesRate: options.seriesRate,
      signal: options.signal,
      windowFrames: options.windowFrames,
      contextFrames: options.contextFrames,
      onStage: (f, stage) =>
        options.onProgress?.((i + f) / files.length, `${path.basename(file)}: ${stage}`),
    })
    const outputs: [string, string][] = [
      [
        path.join(options.out, stem + LABEL_FORMAT_FILES[options.format].suffix),
        formatPrediction(
          p,
          options.format,
          model.spec.kind === 'series'
            ? await rowTimesOf(file, model.spec, options.seriesRate)
            : undefined,
        ),
      ],
    ]
    if (options.probabilities)
      outputs.push([path.join(options.out, `${stem}.probs.csv`), probabilitiesCsv(p)])
    for (const [target, text] of outputs) {
      if (resolvedInputs.has(path.resolve(target)))
        throw new DataError(target, 'is one of the inputs; choose another --out folder')
      await writeFileAtomic(target, text)
    }
    done.push({
      input: file,
      frames: p.frames,
      segments: p.segments.length,
      outputs: outputs.map(([t]) => t),
    })
  }
  options.onProgress?.(1, 'done')
  return {
    model: modelFile,
    classes: model.classes,
    background: model.background === null ? null : model.classes[model.background],
    files: done,
  }
}
