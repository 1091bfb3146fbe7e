/**
 * A raw-audio model (the front end in the graph) gives, in onnxruntime, the probabilities of
 * Framewise's own path — features by the engine, then the feature-input model — within 1e-4,
 * frame for frame, on generated WAVs and on real recordings of ../shared/realworld (read at run
 * time; skipped when absent); it passes onnx.checker's full check; its card says it takes samples.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TaggerConfig } from '../../models/params'
import { syntheticAudio } from '../data/synthetic'
import { parseFeatureSpec, type FeatureSpecInput } from '../features/spec'
import { featureNames } from '../features/spec'
import { decodeAudio } from '../media/audio/decode'
import { predictFile } from '../infer/predict'
import { hasTool } from '../testing/tools'
import { readModelCard } from './card'
import { exportTagger } from './export'
import { addFrontEnd, exportWithFeatures, frontEndGraph, INPUT_KEY } from './front-end'
import { encodeModel } from './write'
import { extractFileFeatures } from '../features/extract'
import { readModel, releaseSessions } from './read'
import { randomParams } from './testing'

const PYTHON = '/usr/bin/python3'
const REALWORLD = path.resolve(__dirname, '../../../shared/realworld/audio')
const hasOnnx = hasTool(
  'python3-onnx (for onnx.checker)',
  PYTHON,
  ['-c', 'import onnx'],
  'apt-get install python3-onnx',
)
const CHECK = `
import sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
print(m.graph.input[0].name, m.opset_import[0].version)
`

let dir: string
const wavs: string[] = []
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-front-end-'))
  // 3 s of events, and 5 ms: fewer samples than half a frame (one frame, all padding around it)
  for (const [seed, seconds] of [
    [31, 3],
    [32, 0.005],
  ] as const) {
    const file = path.join(dir, `g${seed}.wav`)
    await fs.writeFile(file, syntheticAudio(seed, seconds).wav)
    wavs.push(file)
  }
})
afterAll(async () => {
  await releaseSessions()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Real recordings: 16 kHz mono, 16 kHz stereo (mixed), 48 kHz (resampled to the spec's rate). */
const REAL = [
  'crowsetta/timit_kaggle_sa1.wav',
  'praatio/bobby_16bit_16khz_2ch.wav',
  'praatio/mary.wav',
].map((f) => path.join(REALWORLD, f))
const hasReal = REAL.every((f) => existsSync(f))

const specs: [string, FeatureSpecInput][] = [
  ['default MFCC + Δ + ΔΔ, per-file CMVN', { kind: 'audio' }],
  [
    'log-mel, global normalisation',
    {
      kind: 'audio',
      features: [{ name: 'logmel' }],
      deltas: 0,
      normalization: {
        mode: 'global',
        mean: Array.from({ length: 40 }, (_, i) => -10 + i / 10),
        std: Array.from({ length: 40 }, (_, i) => 2 + i / 20),
      },
    },
  ],
  [
    'MFCC 20 + 64 log-mel of 100–7000 Hz, hamming 1024/256, Δ width 3',
    {
      kind: 'audio',
      frameLength: 1024,
      hopLength: 256,
      window: 'hamming',
      features: [{ name: 'mfcc', n: 20 }, { name: 'logmel' }],
      mel: { bands: 64, fMin: 100, fMax: 7000 },
      deltas: 1,
      deltaWidth: 3,
    },
  ],
]

/** A random bidirectional GRU tagger for `spec`, exported both ways; returns the two files. */
async function models(name: string, input: FeatureSpecInput, withRaw = true) {
  const spec = parseFeatureSpec(input)
  const config: TaggerConfig = {
    cell: 'gru',
    inputSize: featureNames(spec).length,
    hiddenSize: 6,
    numLayers: 2,
    numClasses: 3,
    bidirectional: true,
    dropout: 0,
  }
  const features = path.join(dir, `${name}.onnx`)
  const classes = ['background', 'a', 'b']
  await exportTagger(features, { config, params: randomParams(config, 7), spec, classes })
  const raw = path.join(dir, `${name}-raw.onnx`)
  if (withRaw) await exportWithFeatures(features, raw)
  return { features, raw }
}

/** Largest |raw-audio model − Framewise's features + model| over the files' probabilities. */
async function maxDiff(features: string, raw: string, files: string[]): Promise<number> {
  const model = await readModel(features)
  const session = await ort.InferenceSession.create(raw)
  let max = 0
  for (const file of files) {
    const want = await predictFile(model, file, { workers: 0 })
    const { samples } = await decodeAudio(file, { sampleRate: model.spec.sampleRate as number })
    const out = await session.run({
      samples: new ort.Tensor('float32', samples, [1, samples.length]),
    })
    const got = out[session.outputNames[0]]
    expect(got.dims).toEqual([1, want.frames, 3])
    const p = got.data as Float32Array
    for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i] - want.probabilities[i]))
  }
  await session.release()
  return max
}

describe('the front end in the graph', () => {
  it.each(specs)(
    'alone gives the engine features (generated and real WAVs): %s',
    async (name, input) => {
      const spec = parseFeatureSpec(input)
      if (spec.kind !== 'audio') throw new Error('audio spec expected')
      const bytes = encodeModel(frontEndGraph(spec, 'features'), {}, '')
      const session = await ort.InferenceSession.create(bytes)
      let max = 0
      for (const file of [...wavs, ...(hasReal ? REAL : [])]) {
        const want = await extractFileFeatures(file, spec, { workers: 0 })
        const { samples } = await decodeAudio(file, { sampleRate: spec.sampleRate })
        const x = new ort.Tensor('float32', samples, [1, samples.length])
        const got = (await session.run({ samples: x })).features
        expect(got.dims).toEqual([1, want.frames, want.dims])
        const y = got.data as Float32Array
        for (let i = 0; i < y.length; i++) max = Math.max(max, Math.abs(y[i] - want.data[i]))
      }
      await session.release()
      console.log(`front-end features vs engine (${name}): max |diff| ${max.toExponential(2)}`)
      expect(max).toBeLessThan(1e-4)
    },
  )

  it.each(specs)('matches Framewise on generated WAVs: %s', async (name, spec) => {
    const { features, raw } = await models(name.replace(/\W+/g, '_'), spec)
    const d = await maxDiff(features, raw, wavs)
    console.log(`raw-audio model vs features + model (${name}), generated: ${d.toExponential(2)}`)
    expect(d).toBeLessThan(1e-4)
    const card = await readModelCard(raw)
    expect(card?.input).toMatchObject({ name: 'samples', kind: 'samples', sampleRate: 16000 })
    expect(card?.features).toEqual(
      parseFeatureSpec(spec).normalization.mode === 'global'
        ? { ...parseFeatureSpec(spec), normalization: { mode: 'none' } }
        : parseFeatureSpec(spec),
    )
  })

  it.skipIf(!hasReal)('matches Framewise on real recordings (mono, stereo, 48 kHz)', async () => {
    for (const [name, spec] of specs) {
      const { features, raw } = await models(`real_${name.replace(/\W+/g, '_')}`, spec)
      const d = await maxDiff(features, raw, REAL)
      console.log(`raw-audio model vs features + model (${name}), real: ${d.toExponential(2)}`)
      expect(d).toBeLessThan(1e-4)
    }
  })

  it.skipIf(!hasOnnx)('passes onnx.checker with full_check, at opset 17', async () => {
    const { raw } = await models('checked', specs[0][1])
    const r = spawnSync(PYTHON, ['-c', CHECK, raw], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('samples 17')
  })

  it('refuses a spec without ONNX operators, and a model that already takes samples', async () => {
    const { raw } = await models('twice', specs[0][1])
    const bytes = await fs.readFile(raw)
    expect(() => addFrontEnd(raw, bytes)).toThrow(/already takes samples/)
    const { features } = await models(
      'centroid',
      { kind: 'audio', features: [{ name: 'mfcc', n: 13 }, { name: 'spectralCentroid' }] },
      false,
    )
    expect(() => addFrontEnd(features, new Uint8Array(0))).toThrow(/no framewise.features/)
    await expect(exportWithFeatures(features, path.join(dir, 'c-raw.onnx'))).rejects.toThrow(
      /feature 'spectralCentroid' has no ONNX front end/,
    )
    expect(INPUT_KEY).toBe('framewise.input')
  })
})
