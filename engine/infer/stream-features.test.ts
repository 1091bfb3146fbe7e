/**
 * Streamed features and prediction equal the whole-file ones: on a 2-minute 48 kHz stereo WAV
 * with the default spec (13 MFCC + Δ + ΔΔ, per-file CMVN, resampled to 16 kHz), rows read back
 * window by window equal extractFileFeatures' matrix, and predictFile streaming equals predictFile
 * holding the matrix within 1e-4; the scratch file is gone afterwards.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Rng } from '../../models/rng'
import { extractFileFeatures } from '../features/extract'
import { parseFeatureSpec, type AudioSpec } from '../features/spec'
import { makeWav } from '../media/audio/testing'
import { exportTagger } from '../onnx/export'
import { readModel, releaseSessions } from '../onnx/read'
import { configA, randomParams } from '../onnx/testing'
import { predictFile, streamedFeatures } from './predict'
import { streamWavFeatures } from './stream-features'

let dir: string
let wav: string
const spec = parseFeatureSpec({ kind: 'audio' }) as AudioSpec // the product default

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fw-stream-test-'))
  // noise whose level jumps every 0.5 s, and a chirp in one channel: features move
  const rate = 48000
  const n = 120 * rate
  const rng = new Rng(5)
  const left = new Float64Array(n)
  const right = new Float64Array(n)
  let level = 0.1
  for (let i = 0; i < n; i++) {
    if (i % (rate / 2) === 0) level = 0.02 + 0.3 * rng.uniform()
    left[i] = level * (rng.uniform() - 0.5)
    right[i] = 0.2 * Math.sin((2 * Math.PI * (200 + (i % rate) / 20) * i) / rate) + left[i] / 2
  }
  wav = path.join(dir, 'long.wav')
  await writeFile(wav, makeWav({ bits: 16, rate, channels: [left, right] }))
})
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
  return worst
}

describe('streamed features', () => {
  it('rows read back in pieces equal the whole-file matrix; the scratch file is deleted', async () => {
    const whole = await extractFileFeatures(wav, spec, { workers: 2 })
    const scratch = path.join(dir, 'scratch')
    await mkdir(scratch)
    const rows = await streamWavFeatures(wav, spec, { workers: 2, scratchDir: scratch })
    expect(rows).toBeDefined()
    if (!rows) return
    expect(await readdir(scratch)).toHaveLength(1) // the scratch folder, while open
    expect(rows.frames).toBe(whole.frames)
    expect(rows.dims).toBe(39)
    expect(maxDiff(Float32Array.from(rows.frameTimes), Float32Array.from(whole.frameTimes))).toBe(0)
    const F = rows.dims
    // pieces that start at the file's start, inside it, and end at its end (edge replication)
    const cuts = [0, 1, 3, 777, 5000, 5004, rows.frames - 2, rows.frames]
    let worst = 0
    for (let i = 0; i + 1 < cuts.length; i++) {
      const got = await rows.rows(cuts[i], cuts[i + 1])
      worst = Math.max(worst, maxDiff(got, whole.data.subarray(cuts[i] * F, cuts[i + 1] * F)))
    }
    console.log(`streamed vs whole features: max |Δ| = ${worst.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-4)
    await rows.close()
    expect(await readdir(scratch)).toHaveLength(0)
  })

  it('a file shorter than minFrames, or without workers, does not stream', async () => {
    expect(await streamWavFeatures(wav, spec, { workers: 2, minFrames: 10 ** 7 })).toBeUndefined()
    expect(await streamWavFeatures(wav, spec, { workers: 0 })).toBeUndefined()
  })
})

describe('predictFile streaming = holding the matrix', () => {
  it('probabilities within 1e-4 and the same segments (BiGRU at init, 39 features)', async () => {
    const config = { ...configA('gru'), inputSize: 39, numClasses: 3 }
    const modelFile = path.join(dir, 'gru.onnx')
    await exportTagger(modelFile, {
      config,
      params: randomParams(config, 7),
      spec,
      classes: ['bg', 'a', 'b'],
    })
    const m = await readModel(modelFile)
    const probe = await streamedFeatures(m, wav, { streamFrames: 0 })
    expect(probe?.frames).toBe(12001) // streams when asked to…
    await probe?.close()
    expect(await streamedFeatures(m, wav, {})).toBeUndefined() // …and not at 2 min by default
    const opts = { windowFrames: 3000, contextFrames: 500, workers: 2 }
    const held = await predictFile(m, wav, { ...opts, streamFrames: Infinity })
    const stages: number[] = []
    const streamed = await predictFile(m, wav, {
      ...opts,
      streamFrames: 0,
      onStage: (f) => stages.push(f),
    })
    expect(streamed.frames).toBe(held.frames)
    const diff = maxDiff(streamed.probabilities, held.probabilities)
    console.log(`streamed vs held prediction: max |Δp| = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThan(1e-4)
    expect(streamed.segments).toEqual(held.segments)
    expect(stages.every((f, i) => i === 0 || f >= stages[i - 1])).toBe(true)
    expect(stages.at(-1)).toBe(1)
  })
})
