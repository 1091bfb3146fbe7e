/**
 * recipes/numpy/featurespec.py, the NumPy reference of the FeatureSpec for consumers of
 * feature-input models, gives the engine's features (extractFileFeatures) to 1e-4 on generated
 * WAVs and on real recordings of ../shared/realworld (at the spec's rate; skipped when absent).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syntheticAudio } from '../data/synthetic'
import { extractFileFeatures } from '../features/extract'
import { parseFeatureSpec, type FeatureSpecInput } from '../features/spec'
import { hasTool } from '../testing/tools'

const PYTHON = '/usr/bin/python3'
const SCRIPT = path.resolve(__dirname, '../../recipes/numpy/featurespec.py')
const REALWORLD = path.resolve(__dirname, '../../../shared/realworld/audio')
const hasNumpy = hasTool(
  'python3-numpy',
  PYTHON,
  ['-c', 'import numpy'],
  'apt-get install python3-numpy',
)

/** featurespec.py's features of `wav` for `spec`, as (T·F) values. */
const PRINT = `
import sys, json, runpy
fs = runpy.run_path(sys.argv[1])
x, rate = fs['read_wav'](sys.argv[2])
y = fs['features'](x, json.loads(sys.argv[3]))
print(json.dumps({'shape': list(y.shape), 'values': y.ravel().tolist()}))
`

let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-featurespec-'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const specs: [string, FeatureSpecInput][] = [
  ['the default MFCC + Δ + ΔΔ, per-file CMVN', { kind: 'audio' }],
  [
    '40 log-mel bands, no normalisation',
    { kind: 'audio', features: [{ name: 'logmel' }], deltas: 0, normalization: { mode: 'none' } },
  ],
  [
    'MFCC 20 over 64 bands of 100–7000 Hz, hamming, 1024/256, Δ width 3',
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

/** The largest |numpy − engine| over the file's features. */
async function maxDiff(wav: string, input: FeatureSpecInput): Promise<number> {
  const spec = parseFeatureSpec(input)
  const r = spawnSync(PYTHON, ['-c', PRINT, SCRIPT, wav, JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  expect(r.stderr).toBe('')
  const ref = JSON.parse(r.stdout) as { shape: number[]; values: number[] }
  const m = await extractFileFeatures(wav, spec, { workers: 0 })
  expect(ref.shape).toEqual([m.frames, m.dims])
  let max = 0
  for (let i = 0; i < m.data.length; i++) max = Math.max(max, Math.abs(ref.values[i] - m.data[i]))
  return max
}

describe.skipIf(!hasNumpy)('recipes/numpy/featurespec.py', () => {
  it.each(specs)('matches the engine on generated WAVs: %s', async (_, spec) => {
    for (const [seed, seconds] of [
      [11, 2],
      [12, 0.013],
    ] as const) {
      const wav = path.join(dir, `g${seed}.wav`)
      await fs.writeFile(wav, syntheticAudio(seed, seconds).wav)
      const d = await maxDiff(wav, spec)
      console.log(`featurespec.py vs engine, ${seconds} s: max |diff| ${d.toExponential(2)}`)
      expect(d).toBeLessThan(1e-4)
    }
  })

  const real = ['praatio/bobby_16bit_16khz_2ch.wav', 'crowsetta/timit_kaggle_sa1.wav'].map((f) =>
    path.join(REALWORLD, f),
  )
  it.skipIf(!real.every((f) => existsSync(f)))(
    'matches the engine on real 16 kHz recordings (a stereo one mixed)',
    async () => {
      for (const wav of real)
        for (const [, spec] of specs) {
          const d = await maxDiff(wav, spec)
          console.log(`featurespec.py vs engine, ${path.basename(wav)}: ${d.toExponential(2)}`)
          expect(d).toBeLessThan(1e-4)
        }
    },
  )
})
