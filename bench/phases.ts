/**
 * `npm run bench:phases`: strictly ordered label phases — does output recurrence (the previous
 * label fed back) keep the order where a plain tagger flickers?
 *
 *   labels   background 0 → phase 1 → phase 2 → phase 3 → background …, strictly in that order;
 *            phases last U(8, 24) frames each, background U(15, 50) frames between events
 *   x_t      = μ(y_t) + σ·ε,  ε ~ N(0, 1)^F, F = 4, σ = `noise` (default 1.2)
 *            μ: background (0, 0, 0, 0), phase 1 (1, 1, 0, 0), phase 2 (0, 1, 1, 0),
 *               phase 3 (1, 1, 0, 0) = phase 1
 *            and over the 4 frames around each change μ is blended linearly (ambiguous edges)
 * Phases 1 and 3 look the same, so only the order tells them apart; the noise makes single
 * frames unreliable, so a tagger that decides frame by frame flickers between phases.
 *
 * Rows (GRU, H 32, 1 layer, trained with trainTagger: Adam 2e-3, batch 16, chunks 200, fixed
 * epochs, no early stopping), scored on held-out sequences:
 *   bi            plain bidirectional tagger (the default), argmax
 *   uni           plain unidirectional tagger, argmax
 *   uni+viterbi   the same uni tagger, Viterbi with transitions estimated from the training
 *                 labels (models/label-decoding.ts; the emission term is log p(y | x), as hybrid taggers do)
 *   bi+viterbi    the bi tagger with the same Viterbi
 *   …+viterbi stored  the product path: transitions as training stores them (probabilities in
 *                 framewise.transitions) and postprocess.viterbi decoding float32 probabilities
 *                 (engine/infer/postprocess.ts); should equal the +viterbi row
 *   or ε          output recurrence, scheduled sampling ε_max (0 = teacher forcing only), greedy
 *   or ε beam W   the same model, beam search of width W
 * Columns: frame accuracy, order violations (predicted label changes that are not 0→1, 1→2,
 * 2→3, 3→0) per 100 true events, and segment-level event F1 of whole events found in order.
 *
 * Then the decoding speed of an untrained output-recurrent GRU (F 40, H 64, 2 layers, C 4) on
 * `--speed-frames` frames: the engine's forward frame by frame on the weights read back from the
 * exported file (what predict runs) vs onnxruntime on the graph frame by frame (the fallback),
 * greedy and beam, and the plain tagger's windowed onnxruntime run for reference.
 *
 *   npm run bench:phases [-- --epochs 30] [--train 96] [--test 24] [--frames 300] [--seeds 1,2]
 *                        [--noise 1.2] [--eps 0,0.5,0.75] [--beam 4] [--speed-frames 3000]
 *                        [--speed-only] [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { estimateTransitions, logSoftmaxRows, viterbi } from '../models/label-decoding'
import { decodeWithTagger } from '../models/feedback'
import { Rng } from '../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../models/tagger'
import { initTagger } from '../models/init'
import { pickKernels } from '../engine/kernels/load'
import { parseFeatureSpec } from '../engine/features/spec'
import { decodeOnnx, engineTaggerOf } from '../engine/infer/feedback'
import { predictProbabilities } from '../engine/infer/predict'
import { decodeLabels } from '../engine/infer/postprocess'
import { exportTagger } from '../engine/onnx/export'
import { postProcessSchema } from '../engine/onnx/postprocess-settings'
import { readModel, releaseSessions } from '../engine/onnx/read'
import { transitionsOf, transitionsToLog } from '../engine/onnx/transitions'
import { trainTagger } from '../engine/train/loop'
import type { Sequence, TrainData } from '../engine/data/sequences'
import { parseTrainSettings, type TrainSettingsInput } from '../engine/train/settings'
import {
  PHASE_CLASSES,
  PHASE_FEATURES,
  phaseSequences,
  scorePhases,
  type PhaseScore,
} from '../engine/data/phases'

function logProbs(
  config: TaggerConfig,
  params: Float32Array,
  x: Float32Array,
  T: number,
): Float64Array {
  const k = pickKernels('auto')
  const m = createTagger(config, k)
  m.params.set(params)
  const ws = allocWorkspace(config, k, T, 1)
  taggerForward(ws, x, Int32Array.of(T), T, m, k)
  return logSoftmaxRows(new Float64Array(T * config.numClasses), ws.logits, T, config.numClasses)
}

const argmaxPath = (lp: Float64Array, T: number, C: number): Int32Array =>
  Int32Array.from({ length: T }, (_, t) => {
    let best = 0
    for (let c = 1; c < C; c++) if (lp[t * C + c] > lp[t * C + best]) best = c
    return best
  })

export interface PhaseRow extends PhaseScore {
  model: string
  seed: number
  seconds: number
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      epochs: { type: 'string', default: '30' },
      train: { type: 'string', default: '96' },
      test: { type: 'string', default: '24' },
      frames: { type: 'string', default: '300' },
      seeds: { type: 'string', default: '1,2' },
      noise: { type: 'string', default: '1.2' },
      eps: { type: 'string', default: '0,0.5,0.75' },
      beam: { type: 'string', default: '4' },
      'speed-frames': { type: 'string', default: '3000' },
      'speed-only': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
    },
  })
  const quick = args.quick
  const epochs = quick ? 4 : Number(args.epochs)
  const nTrain = quick ? 16 : Number(args.train)
  const nTest = quick ? 8 : Number(args.test)
  const frames = Number(args.frames)
  const noise = Number(args.noise)
  const seeds = (quick ? '1' : args.seeds).split(',').map(Number)
  const epsList = args.eps.split(',').map(Number)
  const W = Number(args.beam)
  const C = PHASE_CLASSES.length
  if (args['speed-only']) return decodeSpeed(Number(args['speed-frames']), W)
  const rows: PhaseRow[] = []
  const push = (row: PhaseRow): void => {
    rows.push(row)
    console.log(JSON.stringify(row))
  }
  for (const seed of seeds) {
    const data: TrainData = {
      F: PHASE_FEATURES,
      classes: PHASE_CLASSES,
      train: phaseSequences(nTrain, 1000 + seed, frames, noise),
      val: [],
    }
    const test = phaseSequences(nTest, 2000 + seed, frames, noise)
    const truth = test.map((s) => s.labels)
    const tr = estimateTransitions(
      data.train.map((s) => s.labels),
      C,
    )
    const base: TrainSettingsInput = {
      cell: 'gru',
      hidden: 32,
      layers: 1,
      epochs,
      seed,
      patience: 0,
      chunk: 200,
      classWeights: 'none',
    }
    const train = async (name: string, s: TrainSettingsInput) => {
      const t0 = Date.now()
      const r = await trainTagger(data, parseTrainSettings({ ...base, ...s }), {
        onProgress: (p) => {
          if (p.step === p.stepsPerEpoch)
            process.stderr.write(
              `${name} seed ${seed} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)}\n`,
            )
        },
      })
      return { r, seconds: (Date.now() - t0) / 1000 }
    }
    for (const bi of [true, false]) {
      const { r, seconds } = await train(bi ? 'bi' : 'uni', { bidirectional: bi })
      const lps = test.map((s) => logProbs(r.config, r.params, s.x, frames))
      const name = bi ? 'bi' : 'uni'
      push({
        model: name,
        seed,
        seconds,
        ...scorePhases(
          truth,
          lps.map((lp) => argmaxPath(lp, frames, C)),
        ),
      })
      const vit = lps.map((lp) => {
        const path = new Int32Array(frames)
        viterbi(path, lp, tr, frames, C)
        return path
      })
      push({ model: `${name}+viterbi`, seed, seconds, ...scorePhases(truth, vit) })
      const stored = transitionsToLog(
        transitionsOf(
          data.train.map((s) => s.labels),
          C,
        ),
      )
      const post = postProcessSchema.parse({ viterbi: { enabled: true, weight: 1 } })
      const fromStored = lps.map((lp) =>
        decodeLabels(Float32Array.from(lp, Math.exp), C, post, stored),
      )
      push({ model: `${name}+viterbi stored`, seed, seconds, ...scorePhases(truth, fromStored) })
    }
    for (const eps of epsList) {
      const { r, seconds } = await train(`or ${eps}`, {
        bidirectional: false,
        outputRecurrence: true,
        scheduledSampling: eps,
      })
      const k = pickKernels('auto')
      const m = createTagger(r.config, k)
      m.params.set(r.params)
      for (const width of [1, W]) {
        const t0 = Date.now()
        const paths = test.map((s) => decodeWithTagger(m, k, s.x, frames, width).path)
        const decodeMs = (Date.now() - t0) / (nTest * frames)
        const model = width === 1 ? `or ε=${eps}` : `or ε=${eps} beam ${width}`
        push({
          model,
          seed,
          seconds,
          ...scorePhases(truth, paths),
          decodeMsPerFrame: decodeMs,
        } as PhaseRow)
      }
    }
  }
  const f = (x: number, d = 3) => x.toFixed(d)
  console.log(
    `\nGRU H 32, ${nTrain} training / ${nTest} test sequences of ${frames} frames, noise σ ${noise}, ${epochs} epochs, seeds ${seeds.join(', ')} (means)\n`,
  )
  console.log(
    '| model | frame accuracy | order violations / 100 events | event F1 | s / training |',
  )
  console.log('| --- | --- | --- | --- | --- |')
  for (const model of [...new Set(rows.map((r) => r.model))]) {
    const r = rows.filter((x) => x.model === model)
    const mean = (k: 'accuracy' | 'violations' | 'eventF1' | 'seconds') =>
      r.reduce((a, b) => a + b[k], 0) / r.length
    console.log(
      `| ${model} | ${f(mean('accuracy'))} | ${f(mean('violations'), 1)} | ${f(mean('eventF1'))} | ${mean('seconds').toFixed(0)} |`,
    )
  }
  await decodeSpeed(quick ? 500 : Number(args['speed-frames']), W)
}

/** Frames per second of each way to decode (see the header). */
async function decodeSpeed(T: number, W: number): Promise<void> {
  const [Fs, C] = [40, 4]
  const config: TaggerConfig = {
    cell: 'gru',
    inputSize: Fs + C,
    hiddenSize: 64,
    numLayers: 2,
    numClasses: C,
    bidirectional: false,
    dropout: 0,
    outputRecurrence: true,
  }
  const k = pickKernels('auto')
  const m = createTagger(config, k)
  initTagger(m.params, config, new Rng(1))
  const rng = new Rng(2)
  const x = Float32Array.from({ length: T * Fs }, () => rng.normal())
  const spec = parseFeatureSpec({
    kind: 'audio',
    features: [{ name: 'logmel' }],
    deltas: 0,
    normalization: { mode: 'none' },
  })
  const dir = await mkdtemp(path.join(tmpdir(), 'fw-phases-'))
  try {
    const file = path.join(dir, 'or.onnx')
    await exportTagger(file, { config, params: m.params, spec, classes: PHASE_CLASSES })
    const model = await readModel(file)
    const plainCfg = { ...config, inputSize: Fs, outputRecurrence: false }
    const plainFile = path.join(dir, 'plain.onnx')
    const plainParams = new Float32Array(createTagger(plainCfg, k).params.length)
    initTagger(plainParams, plainCfg, new Rng(1))
    await exportTagger(plainFile, {
      config: plainCfg,
      params: plainParams,
      spec,
      classes: PHASE_CLASSES,
    })
    const plain = await readModel(plainFile)
    await engineTaggerOf(model, Fs) // read back and probed once per model, not timed
    // best of 5 runs: on a shared machine single runs varied 5× with the load
    const time = async (f: () => unknown): Promise<number> => {
      let best = Infinity
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now()
        await f()
        best = Math.min(best, performance.now() - t0)
      }
      return T / (best / 1000)
    }
    const rows: [string, number][] = [
      [
        'engine forward, greedy',
        await time(() => decodeOnnx(model, x, T, Fs, { width: 1, driver: 'engine' })),
      ],
      [
        `engine forward, beam ${W}`,
        await time(() => decodeOnnx(model, x, T, Fs, { width: W, driver: 'engine' })),
      ],
      [
        'onnxruntime step-wise, greedy',
        await time(() => decodeOnnx(model, x, T, Fs, { width: 1, driver: 'onnx' })),
      ],
      [
        `onnxruntime step-wise, beam ${W}`,
        await time(() => decodeOnnx(model, x, T, Fs, { width: W, driver: 'onnx' })),
      ],
      [
        'plain tagger, onnxruntime windows',
        await time(() => predictProbabilities(plain, x, T, Fs)),
      ],
    ]
    console.log(`\nDecoding speed, GRU F ${Fs} H 64 L 2 C ${C}, ${T} frames (${k.name} kernels)\n`)
    console.log('| decoder | frames / s |')
    console.log('| --- | --- |')
    for (const [name, fps] of rows) console.log(`| ${name} | ${Math.round(fps)} |`)
  } finally {
    await releaseSessions()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
