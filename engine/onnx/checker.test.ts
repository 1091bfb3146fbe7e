/**
 * The exported files pass the ONNX project's own checker (`onnx.checker.check_model` with
 * full_check, which also runs shape inference), via Debian's python3-onnx. Skipped off CI, with the
 * reason, where that is not installed.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { taggerGraph } from '../../models/onnx-graph'
import type { CellType } from '../../models/params'
import { tsKernels } from '../../models/kernels-ts'
import { createTagger } from '../../models/tagger'
import { encodeModel } from './write'
import { hasTool } from '../testing/tools'

const PYTHON = '/usr/bin/python3'
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
inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
out = inferred.graph.output[0].type.tensor_type.shape.dim
print(m.opset_import[0].version, [d.dim_param or d.dim_value for d in out])
`

/** Runs `script` (CHECK by default) on the model `bytes`; expects it to pass and returns what it printed. */
async function check(bytes: Uint8Array, script = CHECK): Promise<string> {
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'fw-checker-')), 'm.onnx')
  try {
    await fs.writeFile(file, bytes)
    const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    return r.stdout.trim()
  } finally {
    await fs.rm(path.dirname(file), { recursive: true, force: true })
  }
}

describe.skipIf(!hasOnnx)('onnx.checker', () => {
  const cases: [CellType, boolean, number, boolean][] = [
    ['lstm', true, 2, false],
    ['gru', true, 1, false],
    ['rnn-tanh', false, 1, false],
    ['rnn-relu', true, 3, false],
    ['gru', false, 3, true],
    ['lstm', true, 2, true],
  ]
  it.each(cases)(
    'accepts the %s tagger (bidirectional %s, %i layers, residual %s)',
    async (cell, bidirectional, numLayers, residual) => {
      const config = {
        cell,
        inputSize: 7,
        hiddenSize: 5,
        numLayers,
        numClasses: 3,
        bidirectional,
        dropout: 0,
        residual,
      }
      const m = createTagger(config, tsKernels)
      const norm = { mean: new Float32Array(7).fill(0.5), std: new Float32Array(7).fill(2) }
      const bytes = encodeModel(
        taggerGraph(config, m.params, norm),
        { 'framewise.classes': '["a","b","c"]' },
        'test',
      )
      expect(await check(bytes)).toBe("17 ['batch', 'time', 3]")
    },
  )

  it.each(['gru', 'lstm'] as const)(
    'accepts the multi-label %s tagger (sigmoid head)',
    async (cell) => {
      const config = {
        cell,
        inputSize: 7,
        hiddenSize: 5,
        numLayers: 2,
        numClasses: 4,
        bidirectional: true,
        dropout: 0,
        head: 'sigmoid' as const,
      }
      const m = createTagger(config, tsKernels)
      const norm = { mean: new Float32Array(7).fill(0.5), std: new Float32Array(7).fill(2) }
      const bytes = encodeModel(
        taggerGraph(config, m.params, norm),
        { 'framewise.classes': '["a","b","c","d"]' },
        'test',
      )
      expect(await check(bytes)).toBe("17 ['batch', 'time', 4]")
    },
  )

  const attention: [CellType, boolean, number, number][] = [
    ['gru', true, 2, 0],
    ['lstm', false, 1, 50],
    ['lstm', true, 4, 3],
  ]
  it.each(attention)(
    'accepts the %s tagger with self-attention (bidirectional %s, %i heads, window %i)',
    async (cell, bidirectional, heads, window) => {
      const config = {
        cell,
        inputSize: 7,
        hiddenSize: 4,
        numLayers: 2,
        numClasses: 3,
        bidirectional,
        dropout: 0,
        attention: { heads, window },
      }
      const m = createTagger(config, tsKernels)
      const bytes = encodeModel(
        taggerGraph(config, m.params),
        { 'framewise.classes': '["a","b","c"]' },
        'test',
      )
      expect(await check(bytes)).toBe("17 ['batch', 'time', 3]")
    },
  )

  const feedback: [CellType, number][] = [
    ['lstm', 2],
    ['gru', 1],
    ['rnn-tanh', 2],
  ]
  it.each(feedback)(
    'accepts the output-recurrent %s tagger (%i layers: previous_labels, state in/out)',
    async (cell, numLayers) => {
      const config = {
        cell,
        inputSize: 4 + 3,
        hiddenSize: 5,
        numLayers,
        numClasses: 3,
        bidirectional: false,
        dropout: 0,
        outputRecurrence: true,
      }
      const m = createTagger(config, tsKernels)
      const norm = { mean: new Float32Array(4).fill(0.5), std: new Float32Array(4).fill(2) }
      const bytes = encodeModel(
        taggerGraph(config, m.params, norm),
        { 'framewise.classes': '["a","b","c"]' },
        'test',
      )
      const states = `[${Array.from({ length: numLayers }, () => "[1, 'batch', 5]").join(', ')}]`
      const stateShapes =
        "print([[d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in inferred.graph.output[1:] if o.name.startswith('h')])"
      expect(await check(bytes, CHECK + stateShapes)).toBe(`17 ['batch', 'time', 3]\n${states}`)
    },
  )
})
