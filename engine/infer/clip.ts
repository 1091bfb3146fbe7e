/**
 * Clip classification with an ONNX clip classifier (engine/onnx/clip.ts): one class per file.
 * Files run whole, in one onnxruntime call: pooling needs every frame at once, and recurrent
 * graphs take any T (memory grows with T: about 1 kB per frame at H = 64, so an hour at a 10 ms
 * hop needs ~0.4 GB). The attention weights (where the model looked) come back per frame.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import Papa from 'papaparse'
import { DataError } from '../errors'
import { writeFileAtomic } from '../io/atomic-write'
import { readClipModel, type ClipModel } from '../onnx/clip'
import { confusionScores } from '../eval/metrics'
import { hopOfFrameTimes, modelFeatures, type PredictOptions } from './predict'
import type { TaggerModel } from '../onnx/read'
import type { EvaluationView } from '../api'

export interface ClipPrediction {
  file: string
  classes: string[]
  /** The most probable class. */
  class: string
  /** Per class, output order. */
  probabilities: number[]
  frames: number
  /** Time of frame 0's centre and the seconds between frames. */
  start: number
  hop: number
  /** (T) attention weights summing to 1, or null (mean/max pooling). */
  weights: Float32Array | null
}

/** Predict the class of one file. */
export async function predictClip(
  model: ClipModel,
  file: string,
  options: PredictOptions = {},
): Promise<ClipPrediction> {
  // modelFeatures reads only the spec, the feature count and the file name.
  const fm = await modelFeatures(model as unknown as TaggerModel, file, options)
  options.signal?.throwIfAborted()
  if (fm.frames === 0)
    throw new DataError(file, 'has no frames to classify (shorter than one frame)')
  options.onStage?.(0.6, 'model')
  let out: ort.InferenceSession.ReturnType
  try {
    out = await model.session.run({
      [model.inputName]: new ort.Tensor('float32', fm.data, [1, fm.frames, fm.dims]),
    })
  } catch (err) {
    throw new DataError(
      model.file,
      `onnxruntime failed on ${file} (${String((err as Error).message).split('\n')[0]})`,
    )
  }
  const p = Array.from(out.probabilities.data as Float32Array)
  let arg = 0
  for (let j = 1; j < p.length; j++) if (p[j] > p[arg]) arg = j
  const fallback = model.spec.kind === 'audio' ? model.spec.hopLength / model.spec.sampleRate : 1
  options.onStage?.(1, 'segments')
  return {
    file,
    classes: model.classes,
    class: model.classes[arg],
    probabilities: p,
    frames: fm.frames,
    start: fm.frameTimes[0] ?? 0,
    hop: hopOfFrameTimes(fm.frameTimes, fallback),
    weights: model.weightsName
      ? Float32Array.from(out[model.weightsName].data as Float32Array)
      : null,
  }
}

export interface PredictClipsOptions {
  /** Folder for the output (created if missing). */
  out: string
  /** clips.json (one object per file) or clips.csv (file, class, one probability column per class). */
  format: 'json' | 'csv'
  /** Rows per second of CSV series without a time column (`--rate`). */
  seriesRate?: number
  signal?: AbortSignal
  onProgress?: (fraction: number, message: string) => void
}

/** `framewise predict` with a clip classifier: one row per input in `<out>/clips.json|csv`. */
export async function predictClipsToFile(
  modelFile: string,
  inputs: string[],
  options: PredictClipsOptions,
): Promise<{
  model: string
  classes: string[]
  output: string
  files: { file: string; class: string; probabilities: number[] }[]
}> {
  const model = await readClipModel(modelFile)
  const files: { file: string; class: string; probabilities: number[] }[] = []
  for (let i = 0; i < inputs.length; i++) {
    options.onProgress?.(i / inputs.length, `classifying ${inputs[i]}`)
    const r = await predictClip(model, inputs[i], {
      signal: options.signal,
      seriesRate: options.seriesRate,
    })
    files.push({ file: inputs[i], class: r.class, probabilities: r.probabilities })
  }
  await mkdir(options.out, { recursive: true })
  const output = path.join(options.out, `clips.${options.format}`)
  const text =
    options.format === 'json'
      ? JSON.stringify(files, null, 2) + '\n'
      : Papa.unparse(
          {
            fields: ['file', 'class', ...model.classes.map((c) => `p_${c}`)],
            data: files.map((f) => [f.file, f.class, ...f.probabilities.map((p) => p.toFixed(6))]),
          },
          { newline: '\n' },
        ) + '\n'
  await writeFileAtomic(output, text)
  options.onProgress?.(1, `wrote ${output}`)
  return { model: modelFile, classes: model.classes, output, files }
}

export interface ClipEvaluation {
  model: string
  classes: string[]
  files: number
  accuracy: number
  macroF1: number
  /** confusion[true][predicted], class order of `classes`. */
  confusion: number[][]
  perFile: { file: string; clipClass: string; predicted: string; confidence: number }[]
}

/** Accuracy, macro-F1 and confusion of a clip classifier on files with known clip classes. */
export async function evaluateClips(
  modelFile: string,
  items: { file: string; name: string; clipClass: string; seriesRate?: number }[],
  options: {
    signal?: AbortSignal
    onProgress?: (fraction: number, message: string) => void
    cacheDir?: string
  } = {},
): Promise<ClipEvaluation> {
  const model = await readClipModel(modelFile)
  const C = model.classes.length
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0))
  const perFile: ClipEvaluation['perFile'] = []
  let i = 0
  for (const it of items) {
    options.onProgress?.(i++ / items.length, `classifying ${it.name}`)
    const y = model.classes.indexOf(it.clipClass)
    if (y < 0)
      throw new DataError(
        it.file,
        `clip class '${it.clipClass}' is not a class of the model (${model.classes.join(', ')})`,
      )
    const r = await predictClip(model, it.file, {
      seriesRate: it.seriesRate,
      signal: options.signal,
      cacheDir: options.cacheDir,
    })
    const k = model.classes.indexOf(r.class)
    confusion[y][k]++
    perFile.push({
      file: it.name,
      clipClass: it.clipClass,
      predicted: r.class,
      confidence: r.probabilities[k],
    })
  }
  options.onProgress?.(1, 'evaluated')
  const { accuracy, macroF1 } = confusionScores(confusion, model.classes)
  return {
    model: modelFile,
    classes: model.classes,
    files: items.length,
    accuracy,
    macroF1,
    confusion,
    perFile,
  }
}

/**
 * A clip evaluation in the app's EvaluationView (task 'classify'): `frame` holds the per-file
 * scores (counts are files), `event` is empty, per-file rows are right (1) or wrong (0), wrong first.
 */
export function clipEvaluationView(ev: ClipEvaluation): EvaluationView {
  const C = ev.classes.length
  const { perClass } = confusionScores(ev.confusion, ev.classes)
  const perFile = ev.perFile
    .map((f) => {
      const right = f.predicted === f.clipClass ? 1 : 0
      return {
        file: f.file,
        frames: 1,
        accuracy: right,
        macroF1: right,
        eventF1: NaN,
        clip: { reference: f.clipClass, predicted: f.predicted, confidence: f.confidence },
      }
    })
    .sort((a, b) => a.accuracy - b.accuracy || a.file.localeCompare(b.file))
  return {
    model: ev.model,
    classes: ev.classes,
    files: ev.files,
    task: 'classify',
    frame: {
      accuracy: ev.accuracy,
      macroF1: ev.macroF1,
      perClass,
      confusion: ev.confusion,
      frames: ev.files,
    },
    event: { precision: NaN, recall: NaN, f1: NaN, tp: 0, fp: 0, fn: 0, perClass: [], collar: 0 },
    perFile: C ? perFile : [],
  }
}
