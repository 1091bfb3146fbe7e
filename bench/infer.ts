/**
 * `npm run bench:infer`: inference speed.
 * 1. frames/s of onnxruntime-node on our exported taggers vs the engine's own forward
 *    (models/tagger.ts with loadKernels()) for configs A (F40 H64 L1 C4) and B (F40 H128 L2 C8),
 *    bidirectional LSTM/GRU, batch 1, T = 6000, x ~ N(0, 1); onnxruntime at 1 and 2 intra-op
 *    threads (our forward is single-threaded; its figure repeats with `ours_threads: 1`). For A
 *    the PyTorch-exported fixture runs too (`pytorch_ort_fps`), the reference's own model.
 * 2. the real-time factor of the whole pipeline (decode + features + model + post-processing)
 *    on 1 hour of 16 kHz audio (a WAV written to /tmp once) with config A at a 10 ms hop and 40
 *    log-mel features: rtf = audio seconds / wall seconds, after a warm-up file has started the
 *    feature workers and their onnxruntime session; CPU seconds per stage too (all threads),
 *    since other load on the machine steals wall time; `features_kernel` says which log-mel path
 *    ran (native-<isa>, or ts with FRAMEWISE_KERNELS=ts). `ort_threads` is the main session's;
 *    the pool worker's session, which runs every other batch of windows, has one.
 *
 *   npm run bench:infer [-- --seconds 2] [--threads 1,2] [--only A:lstm,B:gru] [--no-pipeline]
 *                       [--audio-seconds 3600]
 *
 * 3. product rows (`bench: 'product'`): the whole pipeline as `framewise predict` runs it, with a
 *    model trained at today's defaults (bench/infer-inputs.ts: 13 MFCC + Δ + ΔΔ, per-file CMVN,
 *    BiGRU 2 × 64) on the recordings users have (16 kHz mono, 44.1 and 48 kHz stereo; WAV and
 *    FLAC), each input in its own child process (so `peak_rss_mb` is that input's), best of
 *    `--repeat` runs after a warm-up: wall and CPU seconds of the pipeline's stages (features =
 *    decode + resample + features + Δ + CMVN on the feature workers; model; post), rtf, peak RSS,
 *    load average; and the CPU seconds per audio hour of each stage alone on one thread
 *    (`stage_cpu_s_per_h`, from a `--stage-seconds` excerpt of the same format): decode,
 *    resample, features (MFCC), deltas + CMVN.
 *
 *   npm run bench:infer [-- --seconds 2] [--threads 1,2] [--only A:lstm,B:gru] [--no-pipeline]
 *                       [--audio-seconds 3600] [--no-product] [--inputs wav-48k-stereo,…]
 *                       [--repeat 3] [--stage-seconds 300]
 *
 * One JSON line per row. Targets: ORT ≥ 300k frames/s on A (issue 5); ≥ 1000× real time on 16 kHz
 * mono and 48 kHz stereo WAV at product defaults, ≥ 500× on FLAC (issue 17).
 */
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { taggerGraph } from '../models/onnx-graph'
import { Rng } from '../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../models/tagger'
import { predictFile } from '../engine/infer/predict'
import { logmelKernel } from '../engine/kernels/features'
import { loadKernels, loadNativeTable } from '../engine/kernels/load'
import { exportTagger } from '../engine/onnx/export'
import { readModel, releaseSessions } from '../engine/onnx/read'
import { randomParams, specF40 } from '../engine/onnx/testing'
import { encodeModel } from '../engine/onnx/write'
import { writeLongWav } from './wav'
import { INPUTS, type InputName } from './infer-inputs'
import { productRow } from './infer-product'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1,2' },
    only: { type: 'string', default: '' },
    'no-pipeline': { type: 'boolean', default: false },
    'audio-seconds': { type: 'string', default: '3600' },
    'no-product': { type: 'boolean', default: false },
    inputs: { type: 'string', default: Object.keys(INPUTS).join(',') },
    repeat: { type: 'string', default: '3' },
    'stage-seconds': { type: 'string', default: '300' },
    /** Internal: run one product row in this process (the parent spawns one per input). */
    row: { type: 'string' },
  },
})

const CONFIGS = {
  A: { F: 40, H: 64, L: 1, C: 4 },
  B: { F: 40, H: 128, L: 2, C: 8 },
} as const
type ConfigName = keyof typeof CONFIGS
const T = 6000
const seconds = Number(args.seconds)
const threadCounts = args.threads.split(',').map(Number)
const only = args.only ? args.only.split(',') : null
const fixtureDir = path.join(import.meta.dirname, '..', 'engine', 'infer', 'fixtures')

const configOf = (name: ConfigName, cell: 'lstm' | 'gru'): TaggerConfig => {
  const { F, H, L, C } = CONFIGS[name]
  return {
    cell,
    inputSize: F,
    hiddenSize: H,
    numLayers: L,
    numClasses: C,
    bidirectional: true,
    dropout: 0,
  }
}

/** Wall-clock and CPU-time rates of a timed window. */
interface Rate {
  /** Frames per wall second. */
  fps: number
  /** Frames per CPU second of this process: robust to other load for single-threaded work. */
  fpsCpu: number
}

/** Frames/s of `run` (one call = T frames): one warm-up, then calls for ≥ `seconds`. */
async function throughput(run: () => unknown): Promise<Rate> {
  await run()
  let n = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  while (performance.now() - t0 < seconds * 1000) {
    await run()
    n++
  }
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(c0)
  return { fps: (n * T) / wall, fpsCpu: (n * T) / ((cpu.user + cpu.system) / 1e6) }
}

async function ortFps(
  model: Uint8Array | string,
  input: string,
  x: Float32Array,
  F: number,
  threads: number,
): Promise<Rate> {
  const session = await ort.InferenceSession.create(model as Uint8Array, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } }, // as engine/onnx/read.ts
  })
  const feeds = { [input]: new ort.Tensor('float32', x, [1, T, F]) }
  const rate = await throughput(() => session.run(feeds))
  await session.release()
  return rate
}

function oursFps(config: TaggerConfig, params: Float32Array, x: Float32Array): Promise<Rate> {
  const k = loadKernels()
  const m = createTagger(config, k)
  m.params.set(params)
  const ws = allocWorkspace(config, k, T, 1)
  const lengths = Int32Array.of(T)
  return throughput(() => taggerForward(ws, x, lengths, T, m, k))
}

const round = (v: number) => Math.round(v)

async function modelRows(): Promise<void> {
  const kernels = loadKernels().name
  for (const name of ['A', 'B'] as ConfigName[])
    for (const cell of ['lstm', 'gru'] as const) {
      if (only && !only.includes(`${name}:${cell}`)) continue
      const config = configOf(name, cell)
      const params = randomParams(config, 1)
      const rng = new Rng(2)
      const x = Float32Array.from({ length: T * config.inputSize }, () => rng.normal()) // (1, T, F)
      const bytes = encodeModel(taggerGraph(config, params), {}, 'bench')
      const ours = await oursFps(config, params, x)
      for (const threads of threadCounts) {
        const row: Record<string, unknown> = {
          bench: 'infer',
          config: name,
          cell,
          T,
          batch: 1,
          threads,
        }
        const ort1 = await ortFps(bytes, 'features', x, config.inputSize, threads)
        row.ort_fps = round(ort1.fps)
        // Per CPU second (all threads of the process): what an idle core would give at 1 thread.
        row.ort_fps_per_cpu_s = round(ort1.fpsCpu)
        if (name === 'A') {
          const fixture = path.join(fixtureDir, `tagger_A_${cell}.onnx`)
          const pt = await ortFps(fixture, 'x', x, 40, threads)
          row.pytorch_ort_fps = round(pt.fps)
          row.pytorch_ort_fps_per_cpu_s = round(pt.fpsCpu)
        }
        row.ours_fps = round(ours.fps)
        row.ours_fps_per_cpu_s = round(ours.fpsCpu)
        row.ours_threads = 1
        row.ours_kernels = kernels
        row.ort_over_ours = Number((ort1.fps / ours.fps).toFixed(2))
        row.load_avg_1m = Number(loadavg()[0].toFixed(1))
        console.log(JSON.stringify(row))
      }
    }
}

/** A 16 kHz mono 16-bit WAV: tone bursts over noise, so the features are not constant. */
function writeWav(file: string, secs: number): Promise<void> {
  const rng = new Rng(3)
  return writeLongWav(file, secs, 16000, 1, (_, t) => {
    const on = Math.floor(t * 2) % 5 === 0 ? 1 : 0 // 0.5 s burst every 2.5 s
    const tone = Math.sin(2 * Math.PI * (500 + 100 * (Math.floor(t) % 7)) * t)
    return 3000 * rng.normal() * 0.1 + on * 8000 * tone
  })
}

async function pipelineRows(): Promise<void> {
  const secs = Number(args['audio-seconds'])
  const wav = `/tmp/framewise-bench-infer-${secs}s-16k.wav`
  await writeWav(wav, secs)
  const modelFile = '/tmp/framewise-bench-infer-A-lstm.onnx'
  const config = configOf('A', 'lstm')
  await exportTagger(modelFile, {
    config,
    params: randomParams(config, 1),
    spec: specF40(),
    classes: ['bg', 'a', 'b', 'c'],
    postprocess: { medianFilter: 5, minDuration: 0.05 },
  })
  // Warm-up on 60 s: starts the feature worker pool (tsx compiles the workers here; the built
  // app starts them in tens of ms) and, with short windows, the pool worker's own onnxruntime
  // session (predict.ts), so the rows time the work, not the start-up — as for every file
  // after the first in the app.
  const warm = '/tmp/framewise-bench-infer-60s-16k.wav'
  await writeWav(warm, 60)
  await predictFile(await readModel(modelFile), warm, { windowFrames: 1000 })
  for (const threads of threadCounts) {
    const model = await readModel(modelFile, { threads })
    const marks: Record<string, number> = {}
    const cpuMarks: Record<string, number> = {}
    const c0 = process.cpuUsage()
    const cpuSince = () => {
      const u = process.cpuUsage(c0)
      return (u.user + u.system) / 1e6
    }
    const t0 = performance.now()
    const p = await predictFile(model, wav, {
      onStage: (_, stage) => {
        marks[stage] = performance.now()
        cpuMarks[stage] = cpuSince()
      },
    })
    const t1 = performance.now()
    const cpu = cpuSince()
    const total = (t1 - t0) / 1000
    console.log(
      JSON.stringify({
        bench: 'pipeline',
        config: 'A',
        cell: 'lstm',
        audio_s: secs,
        sample_rate: 16000,
        hop_ms: 10,
        features: 'logmel40',
        // the workers' log-mel kernel (they pick it by the same rule: FRAMEWISE_KERNELS)
        features_kernel: logmelKernel() ? (loadNativeTable() as { name: string }).name : 'ts',
        frames: p.frames,
        segments: p.segments.length,
        ort_threads: threads,
        features_s: Number(((marks.features - t0) / 1000).toFixed(3)),
        model_s: Number(((marks.model - marks.features) / 1000).toFixed(3)),
        post_s: Number(((t1 - marks.model) / 1000).toFixed(3)),
        total_s: Number(total.toFixed(3)),
        rtf: round(secs / total),
        // CPU seconds of the whole process (feature workers included) per stage, robust to the
        // machine's load (which steals wall time), and the real time per CPU second.
        features_cpu_s: Number(cpuMarks.features.toFixed(3)),
        model_cpu_s: Number((cpuMarks.model - cpuMarks.features).toFixed(3)),
        cpu_s: Number(cpu.toFixed(3)),
        rtf_per_cpu_s: round(secs / cpu),
        load_avg_1m: Number(loadavg()[0].toFixed(1)),
      }),
    )
  }
  await releaseSessions()
}

/** Each product row in a child process of its own: its peak RSS is that input's alone. */
function productRows(): void {
  for (const name of args.inputs.split(',')) {
    if (!(name in INPUTS)) throw new Error(`--inputs: unknown input ${name}`)
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        import.meta.filename,
        '--row',
        name,
        '--audio-seconds',
        args['audio-seconds'],
        '--repeat',
        args.repeat,
        '--stage-seconds',
        args['stage-seconds'],
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    )
    process.stdout.write(r.stdout)
    if (r.status !== 0) throw new Error(`product row ${name} failed (exit ${r.status})`)
  }
}

if (args.row) {
  const row = await productRow(args.row as InputName, {
    seconds: Number(args['audio-seconds']),
    repeat: Number(args.repeat),
    stageSeconds: Number(args['stage-seconds']),
  })
  console.log(JSON.stringify(row))
} else {
  await modelRows()
  if (!args['no-pipeline']) await pipelineRows()
  if (!args['no-product']) productRows()
}
// The feature pool's worker MessagePorts stay referenced (engine/features/worker-pool.ts), so end here.
process.exit(0)
