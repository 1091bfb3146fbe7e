/**
 * Predicting many files with one model and writing label files: what `framewise predict` runs.
 * Folders expand, through their subfolders, to the files the model's FeatureSpec reads (audio or
 * CSV), in path order; each output goes to the same relative place under --out.
 *
 * For archives of thousands of files: a file that fails is recorded with its error and the batch
 * goes on; every output is written atomically (a temp name, then rename), so an output that
 * exists is complete, and `resume` skips an input whose outputs all exist and are newer than the
 * model and the input; progress carries an ETA over the files still to do; and
 * `<out>/framewise-manifest.json` lists each input with its outputs, status and error and the
 * model's SHA-256, written every MANIFEST_SECONDS and at the end (also when cancelled).
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { DataError, fileError } from '../errors'
import { extensionsOf, mediaKindOf } from '../media/kinds'
import type { FeatureSpec } from '../features/spec'
import { readSeriesCsv } from '../media/series/csv'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write'
import { readModel, type ReadModelOptions } from '../onnx/read'
import { LABEL_FORMAT_FILES, type LabelFormatName } from '../labels/format-list'
import { formatPrediction, probabilitiesCsv } from './outputs'
import { predictFile, type WindowOptions } from './predict'
import { pickShard, shardManifestName, type Shard } from './shards'

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
  /** Label file format; every label format can be written, each named with its suffix. */
  format: LabelFormatName
  /** Also write `<stem>.probs.csv`. */
  probabilities?: boolean
  /** Window and context sizes in frames (see predict.ts). */
  windowFrames?: WindowOptions['windowFrames']
  contextFrames?: WindowOptions['contextFrames']
  /** Rows per second of CSV series without a time column (`--rate`; over the model's). */
  seriesRate?: number
  /** Skip inputs whose outputs all exist and are newer than the model and the input. */
  resume?: boolean
  /** Cancels between files and windows. */
  signal?: AbortSignal
  /** Predict only this shard of the inputs, with its own manifest (engine/infer/shards.ts). */
  shard?: Shard
  /** Overall fraction 0..1 and a message naming the file, with an ETA once one can be told. */
  onProgress?: (fraction: number, message: string) => void
  /** Each input as it finishes (done, skipped or failed). */
  onFile?: (file: PredictedFile) => void
  /**
   * Rethrow the first file's error instead of listing it and going on: a command naming one
   * file answers with that file's one-line error, not a batch summary.
   */
  stopOnError?: boolean
}

export interface PredictedFile {
  input: string
  /** done: predicted now; skipped: its outputs were complete (resume); failed: see error. */
  status: 'done' | 'skipped' | 'failed'
  /** Frames predicted (done only). */
  frames?: number
  /** Segments written (done only). */
  segments?: number
  /** Its output files (written when done, already there when skipped). */
  outputs: string[]
  /** Why it failed: one line naming the file. */
  error?: string
}

export interface PredictFilesResult {
  model: string
  /** SHA-256 of the model file, hex. */
  modelSha256: string
  classes: string[]
  background: string | null
  /** The manifest written in the out folder. */
  manifest: string
  files: PredictedFile[]
  /** Counts of `files` by status. */
  done: number
  skipped: number
  failed: number
}

/** The manifest's name in the out folder (no label format's suffix ends so). */
export const MANIFEST_NAME = 'framewise-manifest.json'
/** Seconds between manifest rewrites during a batch (each rewrite is the whole list). */
const MANIFEST_SECONDS = 10

/** An input and where its outputs go: `rel` is its path relative to the folder it came from. */
export interface InputFile {
  file: string
  rel: string
}

/**
 * `paths` with folders replaced by their files of the given kind, subfolders included (names
 * starting with '.' and the folder `skip` left out), each with its path relative to the folder
 * given; a file given itself is relative to its own folder.
 */
export async function inputFiles(
  paths: string[],
  kind: 'audio' | 'series',
  skip?: string,
): Promise<InputFile[]> {
  const skipped = skip === undefined ? undefined : path.resolve(skip)
  const out: InputFile[] = []
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
      out.push({ file: p, rel: path.basename(p) })
      continue
    }
    const found: InputFile[] = []
    const walk = async (dir: string, rel: string) => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (err) {
        throw fileError(dir, err)
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue
        const full = path.join(dir, e.name)
        if (e.isDirectory()) {
          if (path.resolve(full) !== skipped) await walk(full, path.join(rel, e.name))
        } else if (e.isFile() && mediaKindOf(e.name) === kind)
          found.push({ file: full, rel: path.join(rel, e.name) })
      }
    }
    await walk(p, '')
    if (found.length === 0)
      throw new DataError(
        p,
        `contains no ${kind === 'audio' ? 'audio' : 'series'} files (${extensionsOf(kind).join(', ')})`,
      )
    out.push(...found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)))
  }
  return out
}

/** `paths` with folders replaced by their files of the given kind (subfolders included). */
export async function expandInputs(paths: string[], kind: 'audio' | 'series'): Promise<string[]> {
  return (await inputFiles(paths, kind)).map((f) => f.file)
}

/** "ETA 1h05m", "ETA 3m07s", "ETA 12s". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const two = (n: number) => String(n).padStart(2, '0')
  if (s >= 3600) return `ETA ${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`
  if (s >= 60) return `ETA ${Math.floor(s / 60)}m${two(s % 60)}s`
  return `ETA ${s}s`
}

/** True when every output exists as a file modified at or after `notBefore` (ms). */
async function complete(outputs: string[], notBefore: number): Promise<boolean> {
  for (const o of outputs) {
    const s = await stat(o).catch(() => null)
    if (!s?.isFile() || s.mtimeMs < notBefore) return false
  }
  return true
}

/** The one line of an error for the summary: a DataError names its file already. */
const errorLine = (file: string, err: unknown): string => {
  const message = String((err as Error)?.message ?? err).split('\n')[0]
  return err instanceof DataError ? message : `${file}: ${message}`
}

/** Predicts every input and writes `<stem><suffix>` (and `<stem>.probs.csv`) under `options.out`. */
export async function predictToFiles(
  modelFile: string,
  inputs: string[],
  options: PredictFilesOptions,
): Promise<PredictFilesResult> {
  const modelBytes = await readFile(modelFile).catch((err: unknown) => {
    throw fileError(modelFile, err)
  })
  const modelSha256 = createHash('sha256').update(modelBytes).digest('hex')
  const modelTime = (await stat(modelFile)).mtimeMs
  const model = await readModel(modelFile, options)
  const files = await inputFiles(inputs, model.spec.kind, options.out)
  const resolvedInputs = new Set(files.map((f) => path.resolve(f.file)))
  const manifest = path.join(
    options.out,
    options.shard ? shardManifestName(options.shard) : MANIFEST_NAME,
  )
  const stems = new Map<string, string>()
  const whole = files.map(({ file, rel }) => {
    const stem = rel.slice(0, rel.length - path.extname(rel).length)
    const other = stems.get(stem)
    if (other)
      throw new DataError(
        file,
        `has the same name stem as ${other}; their outputs would overwrite each other`,
      )
    stems.set(stem, file)
    const outputs = [path.join(options.out, stem + LABEL_FORMAT_FILES[options.format].suffix)]
    if (options.probabilities) outputs.push(path.join(options.out, `${stem}.probs.csv`))
    for (const target of outputs)
      if (resolvedInputs.has(path.resolve(target)) || path.resolve(target) === manifest)
        throw new DataError(target, 'is one of the inputs; choose another --out folder')
    return { file, outputs }
  })
  // A shard is picked after every input was checked, so each shard refuses what one run would.
  const part = options.shard ? await pickShard(files, model.spec.kind, options.shard) : undefined
  const plan = part ? part.positions.map((k) => whole[k]) : whole
  const positionOf = new Map(part?.positions.map((k) => [whole[k].file, k]))
  await mkdir(options.out, { recursive: true })

  const results: PredictedFile[] = []
  const finish = (f: PredictedFile) => {
    results.push(f)
    options.onFile?.(f)
  }
  const todo: typeof plan = []
  for (const p of plan) {
    const inputTime = options.resume ? (await stat(p.file).catch(() => null))?.mtimeMs : undefined
    if (inputTime !== undefined && (await complete(p.outputs, Math.max(modelTime, inputTime))))
      finish({ input: p.file, status: 'skipped', outputs: p.outputs })
    else todo.push(p)
  }
  const background = model.background === null ? null : model.classes[model.background]
  const summary = (): PredictFilesResult => {
    const count = (s: PredictedFile['status']) => results.filter((f) => f.status === s).length
    return {
      model: modelFile,
      modelSha256,
      classes: model.classes,
      background,
      manifest,
      files: results,
      done: count('done'),
      skipped: count('skipped'),
      failed: count('failed'),
    }
  }
  const writeManifest = (state: 'running' | 'finished' | 'cancelled') =>
    writeJsonAtomic(manifest, {
      format: 'framewise-predict-manifest',
      version: 1,
      state,
      model: path.resolve(modelFile),
      modelSha256,
      labelFormat: options.format,
      updated: new Date().toISOString(),
      inputs: plan.length,
      files: results.map((f) => ({
        ...f,
        input: path.resolve(f.input),
        outputs: f.outputs.map((o) => path.resolve(o)),
      })),
      ...(part
        ? { shard: { ...part.record, positions: results.map((f) => positionOf.get(f.input)) } }
        : {}),
    })

  const skipped = plan.length - todo.length
  const started = performance.now()
  let lastManifest = started
  const progress = (i: number, f: number, message: string) => {
    const fraction = (skipped + i + f) / Math.max(1, plan.length)
    const doneHere = (i + f) / todo.length // of the files to do
    const elapsed = (performance.now() - started) / 1000
    const eta =
      doneHere > 0 && elapsed > 2 ? ` · ${formatEta((elapsed * (1 - doneHere)) / doneHere)}` : ''
    options.onProgress?.(fraction, `${skipped + i + 1}/${plan.length} ${message}${eta}`)
  }
  try {
    for (const [i, { file, outputs }] of todo.entries()) {
      options.signal?.throwIfAborted()
      const name = path.basename(file)
      try {
        const p = await predictFile(model, file, {
          seriesRate: options.seriesRate,
          signal: options.signal,
          windowFrames: options.windowFrames,
          contextFrames: options.contextFrames,
          onStage: (f, stage) => progress(i, f, `${name}: ${stage}`),
        })
        const texts = [
          formatPrediction(
            p,
            options.format,
            model.spec.kind === 'series'
              ? await rowTimesOf(file, model.spec, options.seriesRate)
              : undefined,
          ),
        ]
        if (options.probabilities) texts.push(probabilitiesCsv(p))
        for (const [k, target] of outputs.entries()) {
          await mkdir(path.dirname(target), { recursive: true })
          await writeFileAtomic(target, texts[k])
        }
        finish({
          input: file,
          status: 'done',
          frames: p.frames,
          segments: p.segments.length,
          outputs,
        })
      } catch (err) {
        if (options.signal?.aborted || options.stopOnError) throw err
        finish({ input: file, status: 'failed', outputs: [], error: errorLine(file, err) })
      }
      if (performance.now() - lastManifest > MANIFEST_SECONDS * 1000) {
        await writeManifest('running')
        lastManifest = performance.now()
      }
    }
  } catch (err) {
    await writeManifest('cancelled').catch(() => {})
    throw err
  }
  await writeManifest('finished')
  options.onProgress?.(1, 'done')
  return summary()
}
