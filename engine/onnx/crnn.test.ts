/**
 * ONNX export of the CRNN (models/onnx-graph.ts's conv front end: Conv, BatchNormalization,
 * Relu, MaxPool, then Transpose/Reshape into the recurrent stack): onnxruntime gives the
 * engine's own eval-mode forward within 1e-5 at several file lengths, and the graph passes
 * `onnx.checker` with full_check (Debian's python3-onnx).
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { initTagger } from '../../models/init'
import { tsKernels } from '../../models/kernels-ts'
import { taggerGraph } from '../../models/onnx-graph'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { softmaxRows } from '../infer/predict'
import { hasTool } from '../testing/tools'
import { encodeModel } from './write'

const crnn = (cell: 'gru' | 'lstm', bi: boolean, pools: number[]): TaggerConfig => ({
  cell,
  inputSize: 10,
  hiddenSize: 4,
  numLayers: 2,
  numClasses: 3,
  bidirectional: bi,
  dropout: 0,
  frontEnd: { blocks: pools.map((pool, i) => ({ channels: 2 + i, pool })) },
})

/** A CRNN with random weights and running statistics away from (0, 1). */
function model(config: TaggerConfig, seed: number) {
  const rng = new Rng(seed)
  const m = createTagger(config, tsKernels)
  initTagger(m.params, config, rng)
  for (const f of m.p.front!)
    for (let c = 0; c < f.mean.length; c++) {
      f.gamma[c] = 0.5 + rng.uniform()
      f.beta[c] = 0.3 * rng.normal()
      f.mean[c] = 0.2 * rng.normal()
      f.var[c] = 0.3 + rng.uniform()
    }
  return { m, rng }
}

describe('ONNX export of the CRNN runs in onnxruntime with our results', () => {
  const cases: [string, TaggerConfig][] = [
    ['gru bi, pools 2·1·2', crnn('gru', true, [2, 1, 2])],
    ['lstm uni, pools 3', crnn('lstm', false, [3])],
  ]
  for (const [name, config] of cases)
    it(`${name}: ≤ 1e-5 at T = 1, 4, 17, 60`, async () => {
      const { m, rng } = model(config, 3)
      const { inputSize: F, numClasses: C } = config
      const session = await ort.InferenceSession.create(
        encodeModel(taggerGraph(config, m.params), {}, 'test'),
      )
      let worst = 0
      for (const n of [17, 1, 4, 60]) {
        const x = Float32Array.from({ length: n * F }, () => rng.normal())
        const ws = allocWorkspace(config, tsKernels, n, 1)
        taggerForward(ws, x, Int32Array.of(n), n, m, tsKernels)
        const ours = Float32Array.from(ws.logits.subarray(0, n * C))
        softmaxRows(ours, C)
        const out = await session.run({ features: new ort.Tensor('float32', x, [1, n, F]) })
        expect(out.probabilities.dims).toEqual([1, n, C])
        const got = out.probabilities.data as Float32Array
        for (let q = 0; q < n * C; q++) worst = Math.max(worst, Math.abs(got[q] - ours[q]))
      }
      await session.release()
      console.log(`CRNN ${name}: max |Δp| = ${worst.toExponential(2)}`)
      expect(worst).toBeLessThan(1e-5)
    })

  it('holds the front end as standard Conv/BatchNormalization/Relu/MaxPool ops', () => {
    const config = crnn('gru', true, [2, 1, 2])
    const ops = taggerGraph(config, model(config, 1).m.params).nodes.map((n) => n.op)
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(3)
    expect(ops.filter((o) => o === 'BatchNormalization')).toHaveLength(3)
    expect(ops.filter((o) => o === 'MaxPool')).toHaveLength(2) // pool 1 needs none
    expect(ops.indexOf('Conv')).toBeLessThan(ops.indexOf('GRU'))
  })
})

const PYTHON = '/usr/bin/python3'
const hasOnnx = hasTool(
  'python3-onnx (for onnx.checker)',
  PYTHON,
  ['-c', 'import onnx'],
  'apt-get install python3-onnx',
)

describe.skipIf(!hasOnnx)('onnx.checker on the CRNN', () => {
  it('accepts it with full_check and infers (batch, time, classes) probabilities', async () => {
    const config = crnn('gru', true, [2, 1, 2])
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-crnn-check-'))
    try {
      const file = path.join(dir, 'm.onnx')
      await fs.writeFile(
        file,
        encodeModel(taggerGraph(config, model(config, 2).m.params), {}, 'test'),
      )
      const script = `
import sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
print([d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim])
`
      const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      expect(r.stdout.trim()).toMatch(/3\]$/)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
