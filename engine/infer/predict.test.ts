/**
 * Prediction: windowed inference with context equals one whole-file run (1e-4) on the external
 * PyTorch models and on our own export; a hand-built RMS-threshold model finds a tone where the
 * WAV has it; post-processing matches brute-force references; cancel, progress and per-file
 * feature-count errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Rng } from '../../models/rng'
import { makeWav, sine } from '../media/audio/testing'
import { DataError } from '../errors'
import { parseFeatureSpec } from '../features/spec'
import { exportTagger } from '../onnx/export'
import { postProcessSchema } from '../onnx/postprocess-settings'
import { readModel, releaseSessions, type TaggerModel } from '../onnx/read'
import { configA, randomParams, specF40 } from '../onnx/testing'
import { labelsToSegments, smoothLabels } from './postprocess'
import { predictFile, predictProbabilities, softmaxRows } from './predict'
import { rmsModel } from './testing'

const FIXTURES = path.join(import.meta.dirname, 'fixtures')
const classes = ['bg', 'a', 'b', 'c']

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-predict-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

/** One whole-sequence run, softmaxed when the model gives logits. */
async function wholeRun(
  m: TaggerModel,
  x: Float32Array,
  T: number,
  F: number,
): Promise<Float32Array> {
  const out = await m.session.run({ [m.inputName]: new ort.Tensor('float32', x, [1, T, F]) })
  const y = Float32Array.from(out[m.outputName].data as Float32Array)
  if (m.output === 'logits') softmaxRows(y, m.numClasses)
  return y
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
  return worst
}

/** Features with slow structure (events) plus noise, so recurrent state carries information. */
function features(T: number, F: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const x = new Float32Array(T * F)
  let level = 0
  for (let t = 0; t < T; t++) {
    if (t % 200 === 0) level = rng.normal()
    for (let f = 0; f < F; f++) x[t * F + f] = level * Math.sin(f) + 0.5 * rng.normal()
  }
  return x
}

describe('windowed inference with context = whole-file inference', () => {
  const T = 8000
  const x = features(T, 40, 3)
  for (const cell of ['lstm', 'gru'] as const)
    it(`external PyTorch ${cell} (logits): window 3000, context 500`, async () => {
      const m = await readModel(path.join(FIXTURES, `tagger_A_${cell}.onnx`), {
        spec: specF40(),
        classes,
      })
      const whole = await wholeRun(m, x, T, 40)
      const stitched = await predictProbabilities(m, x, T, 40, {
        windowFrames: 3000,
        contextFrames: 500,
      })
      const diff = maxDiff(stitched, whole)
      console.log(`${cell}: stitched vs whole max |Δp| = ${diff.toExponential(2)}`)
      expect(diff).toBeLessThan(1e-4)
      // Without context the window edges differ: the comparison can fail.
      const blind = await predictProbabilities(m, x, T, 40, {
        windowFrames: 3000,
        contextFrames: 0,
      })
      expect(maxDiff(blind, whole)).toBeGreaterThan(1e-3)
    })

  it('our own export (probabilities, 2-layer BiLSTM at training init)', async () => {
    const config = { ...configA('lstm'), numLayers: 2 }
    const file = path.join(dir, 'own.onnx')
    await exportTagger(file, { config, params: randomParams(config, 11), spec: specF40(), classes })
    const m = await readModel(file)
    const whole = await wholeRun(m, x, T, 40)
    const stitched = await predictProbabilities(m, x, T, 40, {
      windowFrames: 3000,
      contextFrames: 500,
    })
    expect(maxDiff(stitched, whole)).toBeLessThan(1e-4)
  })

  it('batches equal windows: same as one run per window, and as the whole file', async () => {
    const config = configA('lstm')
    const file = path.join(dir, 'batched.onnx')
    await exportTagger(file, { config, params: randomParams(config, 12), spec: specF40(), classes })
    const m = await readModel(file)
    const whole = await wholeRun(m, x, T, 40)
    // window 1000, context 500: windows 2 … 6 all read 2000 frames, so runs of 4 and 1 happen
    const opts = { windowFrames: 1000, contextFrames: 500, workers: 0 } // all runs on this thread
    const seen: number[] = []
    const run = m.session.run.bind(m.session)
    let runs = 0
    m.session.run = ((...a: Parameters<typeof run>) => (runs++, run(...a))) as typeof run
    const batched = await predictProbabilities(m, x, T, 40, {
      ...opts,
      batch: 4,
      onProgress: (f) => seen.push(f),
    })
    expect(runs).toBe(4) // windows of 1500 | 2000 × 4 | 2000 × 2 | 1500 frames
    const single = await predictProbabilities(m, x, T, 40, { ...opts, batch: 1 })
    expect(runs).toBe(4 + 8)
    expect(seen.length).toBe(8) // one report per window, batched or not
    expect(maxDiff(batched, single)).toBeLessThan(1e-6)
    expect(maxDiff(batched, whole)).toBeLessThan(1e-4)
  })

  it('a feature-pool worker runs every other batch: same result as this thread alone', async () => {
    const m = await readModel(path.join(FIXTURES, 'tagger_A_lstm.onnx'), {
      spec: specF40(),
      classes,
    })
    const opts = { windowFrames: 1000, contextFrames: 500, batch: 2 }
    const run = m.session.run.bind(m.session)
    let runs = 0
    m.session.run = ((...a: Parameters<typeof run>) => (runs++, run(...a))) as typeof run
    const seen: number[] = []
    const two = await predictProbabilities(m, x, T, 40, {
      ...opts,
      workers: 2,
      onProgress: (f) => seen.push(f),
    })
    const here = runs
    const one = await predictProbabilities(m, x, T, 40, { ...opts, workers: 0 })
    expect(runs - here).toBe(5) // 1500 | 2000 × 2 | 2000 × 2 | 2000 × 2 | 1500
    expect(here).toBeLessThan(5) // the rest ran on the worker
    expect(maxDiff(two, one)).toBeLessThan(1e-6)
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1])).toBe(true)
    expect(seen.at(-1)).toBe(1)
  })

  it('reports progress to 1 and cancels between windows', async () => {
    const m = await readModel(path.join(FIXTURES, 'tagger_A_gru.onnx'), {
      spec: specF40(),
      classes,
    })
    const seen: number[] = []
    await predictProbabilities(m, x, T, 40, {
      windowFrames: 1000,
      contextFrames: 100,
      onProgress: (f) => seen.push(f),
    })
    expect(seen.length).toBe(8)
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1])).toBe(true)
    expect(seen.at(-1)).toBe(1)
    const ac = new AbortController()
    const run = predictProbabilities(m, x, T, 40, {
      windowFrames: 1000,
      signal: ac.signal,
      onProgress: (f) => f > 0.2 && ac.abort(),
    })
    await expect(run).rejects.toThrow(/abort/i)
  })
})

describe('predictFile end to end', () => {
  it('finds the tone in silence | tone | silence | click at the right times', async () => {
    const rate = 16000
    const signal = new Float64Array(4 * rate)
    signal.set(sine(rate, 440, rate, 0.5), rate) // tone 1–2 s
    for (let i = 0; i < 80; i++) signal[3 * rate + i] = 0.9 // 5 ms click at 3 s: shorter than minDuration
    const wav = path.join(dir, 'tone.wav')
    await writeFile(wav, makeWav({ bits: 16, rate, channels: [signal] }))
    const modelFile = path.join(dir, 'rms.onnx')
    await writeFile(modelFile, rmsModel(0.1))
    const m = await readModel(modelFile)
    const stages: string[] = []
    const p = await predictFile(m, wav, {
      windowFrames: 100,
      contextFrames: 10,
      onStage: (_, s) => stages.push(s),
      workers: 0,
    })
    expect(p.frames).toBe(Math.floor((4 * rate) / 160) + 1)
    expect(p.hop).toBeCloseTo(0.01, 9)
    for (let t = 0; t < p.frames; t++)
      expect(p.probabilities[2 * t] + p.probabilities[2 * t + 1]).toBeCloseTo(1, 5)
    // The 32 ms frame sees the tone from ~16 ms before its start to ~16 ms after its end.
    expect(p.segments).toHaveLength(1)
    expect(p.segments[0].label).toBe('tone')
    expect(Math.abs(p.segments[0].start - 1)).toBeLessThan(0.025)
    expect(Math.abs(p.segments[0].end - 2)).toBeLessThan(0.025)
    expect(stages.at(-1)).toBe('segments')
  })

  it('a file whose feature count does not fit the model is a DataError naming it', async () => {
    const csv = path.join(dir, 'three.csv')
    await writeFile(
      csv,
      'time,x,y,z\n' +
        Array.from({ length: 50 }, (_, i) => `${i * 0.1},${i},${-i},1`).join('\n') +
        '\n',
    )
    const config = { ...configA('gru'), inputSize: 2, hiddenSize: 4, numClasses: 2 }
    const modelFile = path.join(dir, 'two.onnx')
    await exportTagger(modelFile, {
      config,
      params: randomParams(config),
      spec: parseFeatureSpec({
        kind: 'series',
        channels: ['x', 'y'],
        normalization: { mode: 'none' },
      }),
      classes: ['off', 'on'],
    })
    const m = await readModel(modelFile, { spec: parseFeatureSpec({ kind: 'series' }) }) // every column: 3
    const err = await predictFile(m, csv).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DataError)
    expect((err as DataError).file).toBe(csv)
    expect((err as DataError).message).toMatch(/gives 3 features per frame .* takes 2/)
    // With the model's own spec it runs: one frame per row.
    const ok = await predictFile(await readModel(modelFile), csv)
    expect(ok.frames).toBe(50)
    expect(ok.hop).toBeCloseTo(0.1, 9)
  })
})

describe('post-processing', () => {
  it('majority filter equals a brute-force mode over each window', () => {
    const rng = new Rng(2)
    const [T, C, k] = [300, 3, 7]
    const probs = Float32Array.from({ length: T * C }, () => rng.uniform())
    const got = smoothLabels(probs, C, k)
    const arg = smoothLabels(probs, C, 1)
    for (let t = 0; t < T; t++) {
      const counts = new Array(C).fill(0)
      for (let s = Math.max(0, t - 3); s <= Math.min(T - 1, t + 3); s++) counts[arg[s]]++
      const max = Math.max(...counts)
      expect(counts[got[t]]).toBe(max)
      if (counts[arg[t]] === max) expect(got[t]).toBe(arg[t])
    }
  })

  it('segments of the non-background classes with midpoint edges, min duration, gap merge', () => {
    const L = (s: string) => Int32Array.from(s, (ch) => Number(ch))
    const times = Float64Array.from({ length: 20 }, (_, t) => t * 0.1)
    const post = (o: object) => postProcessSchema.parse(o)
    const cls = ['bg', 'x', 'y']
    const round = (segs: { start: number; end: number; label: string }[]) =>
      segs.map((s) => [s.label, +s.start.toFixed(6), +s.end.toFixed(6)])
    expect(round(labelsToSegments(L('01100000000000000220'), times, cls, 0, post({})))).toEqual([
      ['x', 0.05, 0.25],
      ['y', 1.65, 1.85],
    ])
    const merged = labelsToSegments(
      L('11011021100000000000'),
      times,
      cls,
      0,
      post({ mergeGap: 0.15 }),
    )
    expect(round(merged)).toEqual([
      ['x', 0, 0.45],
      ['y', 0.55, 0.65],
      ['x', 0.65, 0.85],
    ])
    expect(
      labelsToSegments(L('01000111100000000000'), times, cls, 0, post({ minDuration: 0.3 })),
    ).toHaveLength(1)
    expect(round(labelsToSegments(L('00000000000000000000'), times, cls, null, post({})))).toEqual([
      ['bg', 0, 1.95],
    ])
    expect(round(labelsToSegments(L('22222222222222222222'), times, cls, 1, post({})))).toEqual([
      ['y', 0, 1.95],
    ])
  })
})
