/**
 * Frame-wise prediction with onnxruntime: file → features → model → probabilities → frame labels
 * → segments.
 *
 * Long inputs run in windows of `windowFrames` frames, each padded with `contextFrames` real
 * frames on both sides (a bidirectional model needs the future as much as the past); only the
 * window's own frames are kept. Recurrent state forgets its start within a few hundred frames,
 * so with enough context the stitched result equals one whole-file run (tested to 1e-4), while
 * onnxruntime's buffers stay bounded by the window (a 1-hour file is 360k frames) and
 * progress/cancel work between runs. Windows of equal length go up to WINDOW_BATCH at a time
 * along the batch axis, which onnxruntime computes faster than one after another.
 * Features and model run one after the other, each on both cores (feature workers; this thread
 * + a pool worker): per-file CMVN, the audio default, needs every frame before the first
 * window, and on 2 cores overlapping the stages would only fill the short tail of each.
 * Self-attention (see attentionWindows): a windowed layer (r frames each side) needs r more
 * context frames, then streaming equals the whole-file run; a global layer runs whole-file.
 * A WAV of at least `streamFrames` frames never has its whole feature matrix in memory: windows
 * read their rows from stream-features.ts (per-file statistics from a first pass), so peak memory
 * is the (T, C) probabilities and frame times, not the (T, F) features.
 */
import { availableParallelism } from 'node:os'
import * as ort from 'onnxruntime-node'
import { DataError } from '../errors'
import { extractFileFeatures, type FeatureMatrix } from '../features/extract'
import { featurePool } from '../features/worker-pool'
import { modeFilter, type Segment } from '../labels/segments'
import type { TaggerModel } from '../onnx/read'
import { decodeOnnx } from './feedback'
import { decodeLabels, labelsToSegments } from './postprocess'
import { multiLabelSegments, strongestLabels } from './postprocess-multilabel'
import { streamWavFeatures, type FeatureRows } from './stream-features'

export interface WindowOptions {
  /**
   * Frames per window whose outputs are kept; default 15000 (150 s at 10 ms): the 2 × 500
   * context frames then cost 7 % extra (33 % at 3000), and a window still takes < 0.1 s.
   */
  windowFrames?: number
  /** Extra input frames each side of a window, outputs discarded; default 500. */
  contextFrames?: number
  /** Most windows of equal length per onnxruntime run (batch axis); default WINDOW_BATCH. */
  batch?: number
  /**
   * Feature-pool size (features/extract.ts; default min(2, cores)). With ≥ 1 worker on a
   * machine of ≥ 2 cores, one pool worker runs windows alongside this thread; 0 runs all here.
   */
  workers?: number
  /** Cancels between windows. */
  signal?: AbortSignal
  /** Fraction 0..1 of the frames done. */
  onProgress?: (fraction: number) => void
}

export interface PredictOptions extends WindowOptions {
  /** Directory for cached features. */
  cacheDir?: string
  /** CSV series: rows per second of this file when it has no time column (over the spec's). */
  seriesRate?: number
  /**
   * WAV files of at least this many frames stream their features (stream-features.ts); default
   * STREAM_FRAMES. 0 streams every WAV the workers can read; Infinity never streams.
   */
  streamFrames?: number
  /** Folder for a streamed file's scratch features; default the OS temp folder. */
  scratchDir?: string
  /** Overall progress: fraction 0..1 and the stage. */
  onStage?: (fraction: number, stage: 'features' | 'model' | 'segments') => void
}

export interface Prediction {
  /** The input file. */
  file: string
  /** Class names, column order of `probabilities`. */
  classes: string[]
  /** T. */
  frames: number
  /** (T) frame centre times, seconds. */
  frameTimes: Float64Array
  /** Seconds between frames. */
  hop: number
  /** (T, C) per-frame class probabilities (softmax applied for logit models). */
  probabilities: Float32Array
  /** (T) class index per frame after the median filter. */
  labels: Int32Array
  /** Segments of the non-background classes, after post-processing, in time order. */
  segments: Segment[]
  /**
   * A multi-label model's prediction: segments of different classes may overlap (an
   * overlapping tier), and `labels` holds each frame's strongest event (−1: none).
   */
  multiLabel?: boolean
}

/** In-place softmax of each row of (rows, C). */
export function softmaxRows(x: Float32Array, C: number): void {
  for (let r = 0; r < x.length; r += C) {
    let m = -Infinity
    for (let j = 0; j < C; j++) if (x[r + j] > m) m = x[r + j]
    let s = 0
    for (let j = 0; j < C; j++) s += x[r + j] = Math.exp(x[r + j] - m)
    for (let j = 0; j < C; j++) x[r + j] /= s
  }
}

/** x (batch, n, F) → the model's output (batch, n, C). */
async function runModel(
  model: TaggerModel,
  x: Float32Array,
  n: number,
  F: number,
  batch = 1,
): Promise<Float32Array> {
  let out: ort.InferenceSession.ReturnType
  try {
    const feeds = { [model.inputName]: new ort.Tensor('float32', x, [batch, n, F]) }
    out = await model.session.run(feeds, [model.outputName])
  } catch (err) {
    throw new DataError(
      model.file,
      `onnxruntime failed (${String((err as Error).message).split('\n')[0]})`,
    )
  }
  const y = out[model.outputName]
  if (
    y.dims.length !== 3 ||
    y.dims[0] !== batch ||
    y.dims[1] !== n ||
    y.dims[2] !== model.numClasses
  )
    throw new DataError(model.file, `gave output [${y.dims.join(', ')}] for [${batch}, ${n}, ${F}]`)
  return y.data as Float32Array
}

/** runModel on a feature-pool worker (features/worker-onnx.ts): its own session, same options. */
async function runModelOnPool(
  model: TaggerModel,
  x: Float32Array,
  n: number,
  F: number,
  batch: number,
  workers: number,
): Promise<Float32Array> {
  let y: Float32Array
  try {
    y = await featurePool(workers).run({
      kind: 'model',
      file: model.file,
      inputName: model.inputName,
      outputName: model.outputName,
      x,
      dims: [batch, n, F],
    })
  } catch (err) {
    throw new DataError(
      model.file,
      `onnxruntime failed (${String((err as Error).message).split('\n')[0]})`,
    )
  }
  if (y.length !== batch * n * model.numClasses)
    throw new DataError(model.file, `gave ${y.length} outputs for [${batch}, ${n}, ${F}]`)
  return y
}

/**
 * Windows of equal length run together as one batch of up to this many: on config A a (4, 16000)
 * run gives ≈ 1.5× the frames/s of (1, 16000) on one thread (the recurrence multiplies 4 hidden
 * states per step instead of one), and costs 4 windows of onnxruntime buffers.
 */
const WINDOW_BATCH = 4

/** True when the model's input takes any batch size (not a fixed 1, not unknown). */
function dynamicBatch(model: TaggerModel): boolean {
  const input = model.info.inputs.find((i) => i.name === model.inputName)
  const b = input?.shape[0]
  return typeof b === 'string' || b === -1
}

/**
 * The graph's (T, T) attention buffers stay under 1 GiB, shared by the runs in flight (two lanes
 * when windows go to a pool worker too). Measured RSS growth per T² element in
 * onnxruntime (T = 3000, 2 × 64 BiGRU): global 5.5 B with 1 head, 9.7 with 2; windowed 27 and 32
 * (the int64 |i − j| index matrices behind the mask): so 8 B per head, + 24 with a window.
 */
const ATTENTION_BYTES = 2 ** 30
const bytesPerScore = (heads: number, window: number): number => 8 * heads + (window > 0 ? 24 : 0)

/**
 * [window, context] frames for a model with `attention`. The ONNX graph computes dense (T, T)
 * scores (a window is a mask), so a run holds at most `most` frames: one run alone (a whole
 * file) 11585 with 1 global head, 5792 with 4; each of `lanes` concurrent runs 1/√lanes of that
 * (windowed, 2 lanes: 4096 frames with 1 head). Windowed (r > 0): context K + r, since frame t's
 * output reads frames t ± r, each needing K frames of recurrent context; then streaming equals
 * the whole-file run. Global: one run over the whole file when it fits, else windows, whose
 * outputs then depend on the window (the model attends within each; it trained within chunks).
 */
export function attentionWindows(
  attention: { heads: number; window: number } | null,
  T: number,
  W: number,
  K: number,
  lanes = 1,
): [window: number, context: number] {
  if (!attention) return [W, K]
  const { heads, window } = attention
  const most = (bytes: number) => Math.floor(Math.sqrt(bytes / bytesPerScore(heads, window)))
  if (window > 0) {
    const context = K + window
    // − 3 context: context both sides, and the last window may take up to one more (the sliver)
    return [Math.max(1, Math.min(W, most(ATTENTION_BYTES / lanes) - 3 * context)), context]
  }
  if (T <= most(ATTENTION_BYTES)) return [Math.max(T, 1), K] // one run, one lane
  return [Math.max(1, most(ATTENTION_BYTES / lanes) - 3 * K), K]
}

/**
 * Above this many frames (2 h at 10 ms) a WAV streams: the whole-file matrix of the default spec
 * (39 features, Δ/ΔΔ buffers) costs ≈ 310 B per frame, 220 MB at 2 h, 2.7 GB at 24 h.
 */
export const STREAM_FRAMES = 720_000

/**
 * Windows per onnxruntime run for a streamed file. Each session's arena keeps its largest run:
 * 3 h of 48 kHz through a BiGRU 2 × 64 (two sessions, this thread and a pool worker) peaked at
 * 973 MB RSS with 4 windows per run, 647 MB with 2 and 485 MB with 1, the model stage taking
 * 30.1, 19.5 and 22.5 s (load average 8 on 2 cores: no gain from batching measurable).
 */
const STREAM_BATCH = 1

/**
 * Probabilities (T, C) of features x (T, F), held or read window by window (FeatureRows), each
 * window with context on both sides. Softmax is applied when the model outputs logits.
 */
export async function predictProbabilities(
  model: TaggerModel,
  x: Float32Array | FeatureRows,
  T: number,
  F: number,
  options: WindowOptions = {},
): Promise<Float32Array> {
  // Two lanes take groups of windows in turn: this thread, and a pool worker when allowed.
  const workers = options.workers ?? Math.min(2, availableParallelism())
  const lanes = workers >= 1 && availableParallelism() >= 2 ? 2 : 1
  const [W, attentionK] = attentionWindows(
    model.attention,
    T,
    options.windowFrames ?? 15000,
    options.contextFrames ?? 500,
    lanes,
  )
  // a CRNN's conv front end reads convContext frames each side: a window's kept frames see
  // exactly what a whole-file run gives them only with at least that much context
  const K = Math.max(attentionK, model.convContext ?? 0)
  if (!(W >= 1 && K >= 0 && (options.batch ?? 1) >= 1))
    throw new RangeError('windowFrames and batch must be ≥ 1 and contextFrames ≥ 0')
  const C = model.numClasses
  const probs = new Float32Array(T * C) // (T, C)
  // Window w keeps frames t0 … end−1 of its input a … b−1.
  const windows: Array<{ t0: number; end: number; a: number; b: number }> = []
  for (let t0 = 0; t0 < T; t0 += W) {
    const t1 = Math.min(T, t0 + W)
    // The last window takes the rest when only a sliver would remain (saves one short run).
    const end = T - t1 <= K ? T : t1
    windows.push({ t0, end, a: Math.max(0, t0 - K), b: Math.min(T, end + K) })
    if (end === T) break
  }
  // Attention graphs hold (T, T) scores per sequence: they keep one window per run.
  const most = model.attention === null && dynamicBatch(model) ? (options.batch ?? WINDOW_BATCH) : 1
  const groups: (typeof windows)[] = []
  for (let i = 0; i < windows.length;) {
    const n = windows[i].b - windows[i].a
    let j = i + 1
    while (j < windows.length && j - i < most && windows[j].b - windows[j].a === n) j++
    groups.push(windows.slice(i, j))
    i = j
  }
  const pool = lanes === 2 && groups.length > 1
  let next = 0
  let done = 0
  const lane = async (remote: boolean) => {
    while (next < groups.length) {
      options.signal?.throwIfAborted()
      const group = groups[next++]
      const n = group[0].b - group[0].a
      let input: Float32Array // (batch, n, F)
      if (!(x instanceof Float32Array)) {
        const rows = await Promise.all(group.map((w) => x.rows(w.a, w.b)))
        input = rows.length === 1 ? rows[0] : new Float32Array(group.length * n * F)
        if (rows.length > 1) rows.forEach((r, k) => input.set(r, k * n * F))
      } else if (group.length > 1 || remote) {
        input = new Float32Array(group.length * n * F) // own buffer: a worker's is transferred
        group.forEach((w, k) => input.set(x.subarray(w.a * F, w.b * F), k * n * F))
      } else input = x.subarray(group[0].a * F, group[0].b * F)
      const y = remote
        ? await runModelOnPool(model, input, n, F, group.length, workers)
        : await runModel(model, input, n, F, group.length) // (batch, n, C)
      group.forEach((w, k) => {
        probs.set(y.subarray((k * n + w.t0 - w.a) * C, (k * n + w.end - w.a) * C), w.t0 * C)
        done += w.end - w.t0
        options.onProgress?.(done / T)
      })
    }
  }
  await Promise.all(pool ? [lane(false), lane(true)] : [lane(false)])
  options.signal?.throwIfAborted()
  if (model.output === 'logits') softmaxRows(probs, C)
  return probs
}

/** Seconds between frames: the median step of the frame times (robust to irregular series). */
export function hopOfFrameTimes(times: Float64Array, fallback: number): number {
  if (times.length < 2) return fallback
  const steps = Array.from(
    { length: Math.min(times.length - 1, 1001) },
    (_, i) => times[i + 1] - times[i],
  ).sort((p, q) => p - q)
  return steps[steps.length >> 1]
}

/** Features of `file` for the model, checked against its input width. */
export async function modelFeatures(
  model: TaggerModel,
  file: string,
  options: PredictOptions = {},
): Promise<FeatureMatrix> {
  const fm = await extractFileFeatures(file, model.spec, {
    seriesRate: options.seriesRate,
    signal: options.signal,
    workers: options.workers,
    cacheDir: options.cacheDir,
    onProgress: (f) => options.onStage?.(0.6 * f, 'features'),
  })
  if (model.numFeatures !== null && fm.dims !== model.numFeatures)
    throw new DataError(
      file,
      `gives ${fm.dims} features per frame with the model's FeatureSpec, but ${model.file} takes ${model.numFeatures}`,
    )
  return fm
}

/**
 * The frames → segments step of a prediction: argmax (or Viterbi over the whole file's stitched
 * probabilities, postprocess.viterbi), median filter, runs, gap merge, min duration.
 */
export function probabilitiesToSegments(
  model: TaggerModel,
  probs: Float32Array,
  frameTimes: Float64Array,
): { labels: Int32Array; segments: Segment[]; multiLabel?: boolean } {
  if (model.multiLabel) {
    // each class thresholded, filtered and cut by itself: events overlap across classes
    const { perClass } = model.multiLabel
    return {
      labels: strongestLabels(probs, model.numClasses, perClass),
      segments: multiLabelSegments(probs, frameTimes, model.classes, perClass),
      multiLabel: true,
    }
  }
  const labels = decodeLabels(probs, model.numClasses, model.postprocess, model.transitions)
  const segments = labelsToSegments(
    labels,
    frameTimes,
    model.classes,
    model.background,
    model.postprocess,
  )
  return { labels, segments }
}

/** The frames → segments step for a decoded label path: median filter, runs, gap merge, min duration. */
function decodedToSegments(
  model: TaggerModel,
  path: Int32Array,
  frameTimes: Float64Array,
): { labels: Int32Array; segments: Segment[]; multiLabel?: boolean } {
  const labels = modeFilter(path, model.postprocess.medianFilter)
  const segments = labelsToSegments(
    labels,
    frameTimes,
    model.classes,
    model.background,
    model.postprocess,
  )
  return { labels, segments }
}

/**
 * The features of a long WAV as rows read on demand (stream-features.ts), or undefined when the
 * file is short, not such a WAV, or the model decodes its own outputs (feedback.ts reads the
 * whole matrix).
 */
export async function streamedFeatures(
  model: TaggerModel,
  file: string,
  options: PredictOptions = {},
): Promise<FeatureRows | undefined> {
  const least = options.streamFrames ?? STREAM_FRAMES
  if (model.spec.kind !== 'audio' || model.decoder || !Number.isFinite(least)) return undefined
  const rows = await streamWavFeatures(file, model.spec, {
    workers: options.workers,
    scratchDir: options.scratchDir,
    signal: options.signal,
    minFrames: least,
    onProgress: (f) => options.onStage?.(0.6 * f, 'features'),
  })
  if (rows && model.numFeatures !== null && rows.dims !== model.numFeatures) {
    await rows.close()
    throw new DataError(
      file,
      `gives ${rows.dims} features per frame with the model's FeatureSpec, but ${model.file} takes ${model.numFeatures}`,
    )
  }
  return rows
}

/** Predicts one file (audio or CSV series, as the model's FeatureSpec says). */
export async function predictFile(
  model: TaggerModel,
  file: string,
  options: PredictOptions = {},
): Promise<Prediction> {
  const streamed = await streamedFeatures(model, file, options)
  if (streamed) {
    try {
      return await predictRows(model, file, streamed, options)
    } finally {
      await streamed.close()
    }
  }
  const fm = await modelFeatures(model, file, options)
  const modelProgress = (f: number): void => {
    options.onProgress?.(f)
    options.onStage?.(0.6 + 0.38 * f, 'model')
  }
  // an output-recurrent model is decoded frame by frame (infer/feedback.ts); its labels are the
  // decoded path (beam search may leave a frame's argmax), its probabilities those along the path
  const decoded = model.decoder
    ? await decodeOnnx(model, fm.data, fm.frames, fm.dims, {
        ...options,
        onProgress: modelProgress,
      })
    : null
  const probabilities =
    decoded?.probabilities ??
    (await predictProbabilities(model, fm.data, fm.frames, fm.dims, {
      ...options,
      onProgress: modelProgress,
    }))
  const fallback = model.spec.kind === 'audio' ? model.spec.hopLength / model.spec.sampleRate : 1
  const hop = hopOfFrameTimes(fm.frameTimes, fallback)
  const { labels, segments, multiLabel } = decoded
    ? decodedToSegments(model, decoded.path, fm.frameTimes)
    : probabilitiesToSegments(model, probabilities, fm.frameTimes)
  options.onStage?.(1, 'segments')
  return {
    file,
    classes: model.classes,
    frames: fm.frames,
    frameTimes: fm.frameTimes,
    hop,
    probabilities,
    labels,
    segments,
    ...(multiLabel ? { multiLabel } : {}),
  }
}

/** predictFile over streamed rows: windows read their features, the rest is as for a matrix. */
async function predictRows(
  model: TaggerModel,
  file: string,
  rows: FeatureRows,
  options: PredictOptions,
): Promise<Prediction> {
  const probabilities = await predictProbabilities(model, rows, rows.frames, rows.dims, {
    ...options,
    batch: options.batch ?? STREAM_BATCH,
    onProgress: (f) => {
      options.onProgress?.(f)
      options.onStage?.(0.6 + 0.38 * f, 'model')
    },
  })
  const fallback = model.spec.kind === 'audio' ? model.spec.hopLength / model.spec.sampleRate : 1
  const hop = hopOfFrameTimes(rows.frameTimes, fallback)
  const { labels, segments, multiLabel } = probabilitiesToSegments(
    model,
    probabilities,
    rows.frameTimes,
  )
  options.onStage?.(1, 'segments')
  return {
    file,
    classes: model.classes,
    frames: rows.frames,
    frameTimes: rows.frameTimes,
    hop,
    probabilities,
    labels,
    segments,
    ...(multiLabel ? { multiLabel } : {}),
  }
}
