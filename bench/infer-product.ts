/**
 * One product row of bench:infer (see bench/infer.ts, 3.): `predictFile` with the product-defaults
 * model on one input, best of `repeat` runs after a warm-up, plus each stage alone on one thread
 * over an excerpt of the same format. Runs in a child process of its own (peak RSS per input).
 */
import { closeSync } from 'node:fs'
import { loadavg } from 'node:os'
import { decodeAudio } from '../engine/media/audio/decode'
import { readWavInfo, readWavRangeSync } from '../engine/media/audio/wav'
import { resample } from '../engine/media/audio/resample'
import { resampleKernelName } from '../engine/kernels/resample'
import { openRegular, openRegularSync } from '../engine/io/input-files'
import { audioFrameCount, computeAudioFrames } from '../engine/features/audio-features'
import { finishFeatures } from '../engine/features/extract'
import type { AudioSpec } from '../engine/features/spec'
import { logmelKernel } from '../engine/kernels/features'
import { loadNativeTable } from '../engine/kernels/load'
import { predictFile } from '../engine/infer/predict'
import { readModel, releaseSessions } from '../engine/onnx/read'
import { benchInput, INPUTS, productModel, type InputName } from './infer-inputs'

export interface ProductRowOptions {
  /** Audio seconds of the timed input. */
  seconds: number
  /** Timed runs; the row reports the fastest. */
  repeat: number
  /** Seconds of the excerpt each stage is timed on alone. */
  stageSeconds: number
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}
const r3 = (v: number) => Number(v.toFixed(3))

/** CPU seconds of `f` on this thread (nothing else runs meanwhile). */
async function cpuOf<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const c0 = process.cpuUsage()
  const v = await f()
  return [v, cpuSeconds(c0)]
}

/** Each stage alone on this thread over `file`, in CPU seconds per hour of audio. */
async function stageCosts(file: string, name: InputName, spec: AudioSpec, seconds: number) {
  const { format } = INPUTS[name]
  const [x, decode] = await cpuOf(async () => {
    if (format !== 'wav') return (await decodeAudio(file)).samples
    const fh = await openRegular(file)
    const info = await readWavInfo(fh, file, (await fh.stat()).size).finally(() => fh.close())
    // in 20 s slices into one buffer, as the feature workers read (fresh megabytes would time
    // the page faults)
    const x = new Float32Array(info.frames)
    const slice = new Float32Array(20 * info.sampleRate)
    const fd = openRegularSync(file)
    try {
      for (let s0 = 0; s0 < info.frames; s0 += slice.length) {
        const s1 = Math.min(info.frames, s0 + slice.length)
        x.set(readWavRangeSync(fd, file, info, 'mix', s0, s1, slice), s0)
      }
      return x
    } finally {
      closeSync(fd)
    }
  })
  const rate = INPUTS[name].rate
  const [y, resampling] = await cpuOf(() => resample(x, rate, spec.sampleRate))
  const T = audioFrameCount(y.length, spec.hopLength)
  const [base, features] = await cpuOf(() => computeAudioFrames(y, spec, 0, T))
  const times = new Float64Array(T)
  const [, deltas] = await cpuOf(() => finishFeatures(base, T, spec, times))
  const perHour = (s: number) => r3((s * 3600) / seconds)
  return {
    decode: perHour(decode),
    resample: rate === spec.sampleRate ? 0 : perHour(resampling),
    features: perHour(features),
    deltas_cmvn: perHour(deltas),
  }
}

export async function productRow(name: InputName, o: ProductRowOptions) {
  const modelFile = await productModel()
  const file = await benchInput(name, o.seconds)
  const model = await readModel(modelFile)
  if (model.spec.kind !== 'audio') throw new Error(`${modelFile}: not an audio model`)
  // Warm-up on 60 s of the same format: starts the feature pool and the pool worker's session.
  await predictFile(model, await benchInput(name, 60), { windowFrames: 1000 })
  let best: Record<string, number> | undefined
  const totals: number[] = []
  for (let i = 0; i < o.repeat; i++) {
    const marks: Record<string, number> = {}
    const cpuMarks: Record<string, number> = {}
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const p = await predictFile(model, file, {
      onStage: (_, stage) => {
        marks[stage] = performance.now()
        cpuMarks[stage] = cpuSeconds(c0)
      },
    })
    const total = (performance.now() - t0) / 1000
    const cpu = cpuSeconds(c0)
    totals.push(r3(total))
    if (best && total >= best.total_s) continue
    best = {
      frames: p.frames,
      segments: p.segments.length,
      features_s: r3((marks.features - t0) / 1000),
      model_s: r3((marks.model - marks.features) / 1000),
      post_s: r3((t0 + total * 1000 - marks.model) / 1000),
      total_s: r3(total),
      rtf: Math.round(o.seconds / total),
      features_cpu_s: r3(cpuMarks.features),
      model_cpu_s: r3(cpuMarks.model - cpuMarks.features),
      post_cpu_s: r3(cpu - cpuMarks.model),
      cpu_s: r3(cpu),
      rtf_per_cpu_s: Math.round(o.seconds / cpu),
    }
  }
  const stage = await stageCosts(
    await benchInput(name, o.stageSeconds),
    name,
    model.spec,
    o.stageSeconds,
  )
  await releaseSessions()
  const native = loadNativeTable()
  return {
    bench: 'product',
    input: name,
    audio_s: o.seconds,
    model: 'TRAIN_DEFAULTS: BiGRU 2×64, mfcc13+Δ+ΔΔ, per-file CMVN, 16 kHz, hop 10 ms',
    features_kernel: logmelKernel() && !(native instanceof Error) ? native.name : 'ts',
    resample_kernel: resampleKernelName(),
    ...best,
    runs_total_s: totals,
    stage_cpu_s_per_h: stage,
    stage_excerpt_s: o.stageSeconds,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    load_avg_1m: Number(loadavg()[0].toFixed(1)),
  }
}
