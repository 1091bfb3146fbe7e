/**
 * The PyTorch round trip with Debian's python3-torch: a generated project → `export-dataset` →
 * recipes/pytorch/train.py under torchrun (2 gloo processes on CPU, a few steps; and once as a
 * plain process) → the ONNX file
 * imported into the project through the API (its spec and classes checked) → Framewise predicts
 * every file, and its probabilities equal PyTorch's own on the exported features within 1e-4;
 * exported from the project with its front end (`withFeatures`), it takes samples and agrees too.
 * A softmax tagger of the exclusive tier and a sigmoid tagger of the overlapping one.
 */
import { spawn, spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelView } from '../api'
import { Service } from '../service'
import { syntheticAudio } from '../data/synthetic'
import { exportDataset } from '../commands/export-dataset'
import { readModel, releaseSessions } from '../onnx/read'
import { decodeAudio } from '../media/audio/decode'
import { predictFile } from '../infer/predict'
import { hasTool, requireUnderCi } from '../testing/tools'
import { classWeightsOf } from '../train/config'
import { positiveWeightsOf } from '../data/multi-hot'

const PYTHON = '/usr/bin/python3'
const RECIPE = path.resolve(__dirname, '../../recipes/pytorch/train.py')
const hasTorch =
  hasTool('python3-torch', PYTHON, ['-c', 'import torch'], 'apt-get install python3-torch') &&
  requireUnderCi(
    spawnSync(PYTHON, ['-c', 'import onnx']).status === 0,
    'python3-onnx',
    'apt-get install python3-onnx',
  )

/** PyTorch's probabilities of each file's exported features, from the saved `<stem>.pt`. */
const REFERENCE = `
import sys, json, os, runpy, numpy as np, torch
recipe = runpy.run_path(sys.argv[1])
model, settings = recipe['load'](sys.argv[2])
index = json.load(open(os.path.join(sys.argv[3], 'index.json')))
out = {}
with torch.no_grad():
    for f in index['files']:
        x = torch.from_numpy(np.load(os.path.join(sys.argv[3], f['features'])))[None]
        out[f['name']] = model(x)[0].numpy().ravel().tolist()
print(json.dumps(out))
`

/** Runs a command to its end; rejects with its stderr when it fails. */
function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, OMP_NUM_THREADS: '1' } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}:\n${err.slice(-3000)}`)),
    )
  })
}

let dir: string
const service = new Service(() => {})
const classes = [
  { name: 'background', color: '#999999', hotkey: null, role: 'background' as const },
  { name: 'tone', color: '#ff0000', hotkey: 1 },
  { name: 'chirp', color: '#00ff00', hotkey: 2 },
  { name: 'noise', color: '#0000ff', hotkey: 3 },
]

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-pytorch-'))
  await service.call('createProject', { dir })
  await service.call('setClasses', { classes })
  for (let i = 0; i < 4; i++) {
    const a = syntheticAudio(900 + i, 3)
    await fs.writeFile(path.join(dir, `r${i}.wav`), a.wav)
    await service.call('addMedia', { paths: [`r${i}.wav`] })
    const events = [...a.segments, { start: 0.5, end: 2.5, label: 'tone' }]
    const tiers = [
      { name: 'labels', kind: 'exclusive' as const, segments: a.segments },
      { name: 'events', kind: 'overlapping' as const, segments: events },
    ]
    expect(
      await service.call('saveLabels', { media: `r${i}.wav`, tiers, baseRevision: 0 }),
    ).toMatchObject({ ok: true })
  }
  await exportDataset({ dir, out: path.join(dir, 'dataset') })
})
afterAll(async () => {
  await releaseSessions()
  await fs.rm(dir, { recursive: true, force: true })
})

/** train.py's class weights of both tiers, and the training files' labels they come from. */
const WEIGHTS = `
import sys, json, runpy, numpy as np
recipe = runpy.run_path(sys.argv[1])
out = {}
for tier, sigmoid in (('labels', False), ('events', True)):
    index, t, files = recipe['read_dataset'](sys.argv[2], tier)
    ids = set(index['split']['train'])
    C = len(t['classes'])
    w = recipe['class_weights'](files, ids, C, sigmoid, 'sqrt-balanced')
    out[tier] = {'weights': w.tolist(), 'labels': [y.ravel().tolist() for i, _, y in files if i in ids]}
print(json.dumps(out))
`

describe.skipIf(!hasTorch)('recipes/pytorch/train.py round trip', () => {
  it("weighs classes as Framewise's trainer does (sqrt-balanced, softmax and sigmoid)", async () => {
    const out = await run(PYTHON, ['-c', WEIGHTS, RECIPE, path.join(dir, 'dataset')], dir)
    const got = JSON.parse(out) as Record<string, { weights: number[]; labels: number[][] }>
    const seqs = got.labels.labels.map((y) => ({
      name: '',
      x: new Float32Array(0),
      labels: Int32Array.from(y),
    }))
    classWeightsOf(seqs, 4, 'sqrt-balanced').forEach((w, c) =>
      expect(got.labels.weights[c]).toBeCloseTo(w, 5),
    )
    const targets = got.events.labels.map((y) => Float32Array.from(y, (v) => (v === 255 ? -1 : v)))
    positiveWeightsOf(targets, 3, 'sqrt-balanced').forEach((w, c) =>
      expect(got.events.weights[c]).toBeCloseTo(w, 5),
    )
  })

  // the softmax GRU under torchrun (2 gloo processes); the sigmoid LSTM as one plain process,
  // the script's path without torch.distributed (and half the test's time)
  it.each([
    ['softmax', 'gru', 'labels', 2, ['background', 'tone', 'chirp', 'noise']],
    ['sigmoid', 'lstm', 'events', 1, ['tone', 'chirp', 'noise']],
  ] as const)(
    'a %s %s of tier %s, trained by %i process(es), predicts in Framewise as in PyTorch',
    { timeout: 120_000 },
    async (head, cell, tier, processes, names) => {
      const out = path.join(dir, `torch-${head}.onnx`)
      const started = Date.now()
      // --redirects/--tee 1: Debian's torchrun 1.13 on Python 3.11 fails on its default "0"
      const launcher =
        processes === 1
          ? []
          : [
              ...['-m', 'torch.distributed.run', '--standalone', `--nproc_per_node=${processes}`],
              ...['--redirects', '1', '--tee', '1'],
            ]
      const log = await run(
        PYTHON,
        [
          ...launcher,
          ...[RECIPE, path.join(dir, 'dataset'), '--out', out, '--tier', tier, '--cell', cell],
          ...['--hidden', '12', '--steps', '4', '--chunk', '100', '--batch', '4'],
        ],
        dir,
      )
      console.log(
        `train.py (${processes} process(es), 4 steps): ${(Date.now() - started) / 1000} s`,
      )
      expect(log).toMatch(/"steps": 4/)

      const imported = await service.call('importModel', { path: out })
      if (!imported.ok) throw new Error(imported.error.message)
      const view = imported.result as ModelView
      expect(view.classes).toEqual([...names])
      const listed = await service.call('listModels', {})
      expect(listed.ok && (listed.result as ModelView[]).some((m) => m.id === view.id)).toBe(true)

      const ref = JSON.parse(
        await run(
          PYTHON,
          ['-c', REFERENCE, RECIPE, out.replace(/\.onnx$/, '.pt'), path.join(dir, 'dataset')],
          dir,
        ),
      ) as Record<string, number[]>
      const model = await readModel(view.file)
      expect(model.multiLabel !== null).toBe(head === 'sigmoid')
      expect([...names]).toEqual(model.classes)
      let max = 0
      for (let i = 0; i < 4; i++) {
        const p = await predictFile(model, path.join(dir, `r${i}.wav`), { workers: 0 })
        expect(p.probabilities.length).toBe(ref[`r${i}.wav`].length)
        p.probabilities.forEach((v, k) => (max = Math.max(max, Math.abs(v - ref[`r${i}.wav`][k]))))
      }
      console.log(
        `Framewise vs PyTorch probabilities (${head}): max |diff| ${max.toExponential(2)}`,
      )
      expect(max).toBeLessThan(1e-4)

      // exported from the project with its front end, it takes samples and gives the same
      const raw = path.join(dir, `torch-${head}-raw.onnx`)
      const exported = await service.call('exportModel', {
        model: view.id,
        path: raw,
        withFeatures: true,
      })
      expect(exported).toMatchObject({ ok: true })
      const check = `import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)`
      expect(await run(PYTHON, ['-c', check, raw], dir)).toBe('')
      const session = await ort.InferenceSession.create(raw)
      const { samples } = await decodeAudio(path.join(dir, 'r0.wav'))
      const rawOut = await session.run({
        samples: new ort.Tensor('float32', samples, [1, samples.length]),
      })
      const rawProbs = rawOut.probabilities.data as Float32Array
      let rawMax = 0
      rawProbs.forEach((v, k) => (rawMax = Math.max(rawMax, Math.abs(v - ref['r0.wav'][k]))))
      await session.release()
      console.log(`raw-audio export vs PyTorch (${head}): max |diff| ${rawMax.toExponential(2)}`)
      expect(rawProbs.length).toBe(ref['r0.wav'].length)
      expect(rawMax).toBeLessThan(1e-4)

      // the studio predicts with it like one of its own
      const predicted = await service.call('predict', {
        jobId: `p-${head}`,
        model: view.id,
        media: 'r0.wav',
      })
      expect(predicted).toMatchObject({ ok: true })
    },
  )
})
