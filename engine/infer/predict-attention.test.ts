/**
 * Taggers with self-attention through export, read-back and prediction: the card and metadata
 * record heads and window; a windowed model streams (window by window, context + r) to the
 * whole-file result; a global one runs whole-file whatever window is asked; the window plan keeps
 * the graph's dense scores bounded.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TaggerConfig } from '../../models/params'
import { Rng } from '../../models/rng'
import { exportTagger } from '../onnx/export'
import { META_KEYS } from '../onnx/metadata'
import { readModel, releaseSessions, type TaggerModel } from '../onnx/read'
import { randomParams, specF40 } from '../onnx/testing'
import { attentionWindows, predictProbabilities } from './predict'

const classes = ['bg', 'a', 'b', 'c']
let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-predict-att-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const config = (window: number, heads: number): TaggerConfig => ({
  cell: 'gru',
  inputSize: 40,
  hiddenSize: 16,
  numLayers: 1,
  numClasses: 4,
  bidirectional: true,
  dropout: 0,
  attention: { heads, window },
})

function features(T: number, F: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const x = new Float32Array(T * F)
  let level = 0
  for (let t = 0; t < T; t++) {
    if (t % 150 === 0) level = 2 * rng.normal()
    for (let f = 0; f < F; f++) x[t * F + f] = level * Math.sin(f) + 0.5 * rng.normal()
  }
  return x
}

async function wholeRun(m: TaggerModel, x: Float32Array, T: number): Promise<Float32Array> {
  const out = await m.session.run({ [m.inputName]: new ort.Tensor('float32', x, [1, T, 40]) })
  return Float32Array.from(out[m.outputName].data as Float32Array)
}

const maxDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i])), 0)

async function exported(name: string, c: TaggerConfig): Promise<TaggerModel> {
  const file = path.join(dir, `${name}.onnx`)
  // sharper attention than at init, so far frames matter
  const params = randomParams(c, 5).map((v, i) => v * (i % 3 === 0 ? 3 : 1))
  const r = await exportTagger(file, { config: c, params, spec: specF40(), classes })
  expect(r.card.tagger?.attention).toEqual(c.attention)
  const card = JSON.parse(await readFile(r.cardPath, 'utf8'))
  expect(card.tagger.attention).toEqual(c.attention)
  return readModel(file)
}

describe('self-attention taggers: export, read back, predict', () => {
  it('records heads and window in metadata_props, the card and the read model', async () => {
    const m = await exported('meta', config(25, 2))
    expect(JSON.parse(m.info.metadata[META_KEYS.attention])).toEqual({ heads: 2, window: 25 })
    expect(m.info.framewise.attention).toEqual({ heads: 2, window: 25 })
    expect(m.attention).toEqual({ heads: 2, window: 25 })
    const plain = await exported('plain', { ...config(0, 1), attention: undefined })
    expect(plain.attention).toBeNull()
    expect(plain.info.metadata[META_KEYS.attention]).toBeUndefined()
  })

  it('windowed (r = 40): streaming with context + r equals the whole-file run', async () => {
    const m = await exported('windowed', config(40, 1))
    const T = 3000
    const x = features(T, 40, 1)
    const whole = await wholeRun(m, x, T)
    const stitched = await predictProbabilities(m, x, T, 40, {
      windowFrames: 700,
      contextFrames: 500,
    })
    const diff = maxDiff(stitched, whole)
    console.log(`windowed attention r=40: stitched vs whole max |Δp| = ${diff.toExponential(2)}`)
    expect(diff).toBeLessThan(1e-4)
  })

  it('global: one whole-file run whatever window is asked (windows would change the output)', async () => {
    const m = await exported('global', config(0, 2))
    const T = 2500
    const x = features(T, 40, 2)
    const whole = await wholeRun(m, x, T)
    let runs = 0
    const got = await predictProbabilities(m, x, T, 40, {
      windowFrames: 600,
      contextFrames: 100,
      onProgress: () => runs++,
    })
    expect(runs).toBe(1)
    expect(maxDiff(got, whole)).toBeLessThan(1e-6)
    // the same model forced into windows gives another answer: the limit is real
    const forced = await predictProbabilities({ ...m, attention: null }, x, T, 40, {
      windowFrames: 600,
      contextFrames: 100,
    })
    expect(maxDiff(forced, whole)).toBeGreaterThan(1e-4)
  })

  it('plans windows so the dense (T, T) scores stay bounded', () => {
    expect(attentionWindows(null, 1e6, 15000, 500)).toEqual([15000, 500])
    expect(attentionWindows({ heads: 1, window: 100 }, 1e6, 15000, 500)).toEqual([5792 - 1800, 600])
    expect(attentionWindows({ heads: 1, window: 100 }, 1e6, 3000, 500)).toEqual([3000, 600])
    expect(attentionWindows({ heads: 1, window: 0 }, 11000, 15000, 500)).toEqual([11000, 500])
    expect(attentionWindows({ heads: 4, window: 0 }, 11000, 15000, 500)).toEqual([5792 - 1500, 500])
    // two runs in flight share the budget: windows shrink by √2
    expect(attentionWindows({ heads: 1, window: 100 }, 1e6, 15000, 500, 2)).toEqual([
      4096 - 1800,
      600,
    ])
    expect(attentionWindows({ heads: 1, window: 0 }, 11000, 15000, 500, 2)).toEqual([11000, 500])
    expect(attentionWindows({ heads: 1, window: 0 }, 20000, 15000, 500, 2)).toEqual([
      8192 - 1500,
      500,
    ])
  })
})
