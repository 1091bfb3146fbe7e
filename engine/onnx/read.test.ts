/**
 * readModel on external PyTorch exports (input 'x', output 'logits', no metadata) and on our own
 * exports; every unusable file fails before running, with an error naming it.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { parseFeatureSpec } from '../features/spec'
import { exportTagger } from './export'
import { inspectModel, readModel, releaseSessions } from './read'
import { configA, identityModel, randomParams, specF40 } from './testing'

const FIXTURES = path.join(import.meta.dirname, '../infer/fixtures')
const lstmFile = path.join(FIXTURES, 'tagger_A_lstm.onnx')
const gruFile = path.join(FIXTURES, 'tagger_A_gru.onnx')
const classes = ['bg', 'tone', 'noise', 'chirp']

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-read-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const write = async (name: string, bytes: Uint8Array | string) => {
  const file = path.join(dir, name)
  await writeFile(file, bytes)
  return file
}

describe('external PyTorch models', () => {
  for (const [cell, file] of [
    ['lstm', lstmFile],
    ['gru', gruFile],
  ] as const)
    it(`${cell}: opens, detects logits, and reproduces PyTorch's logits`, async () => {
      const m = await readModel(file, { spec: specF40(), classes })
      expect([m.inputName, m.outputName, m.numFeatures, m.numClasses]).toEqual([
        'x',
        'logits',
        40,
        4,
      ])
      expect([m.output, m.outputSource]).toEqual(['logits', 'detected'])
      expect(m.background).toBe(0)
      const fx = JSON.parse(
        await readFile(
          path.join(import.meta.dirname, `../../models/fixtures/fixture_A_${cell}_T50.json`),
          'utf8',
        ),
      ) as {
        input: number[][]
        logits: number[][]
      }
      const T = fx.input.length
      const out = await m.session.run({
        x: new ort.Tensor('float32', Float32Array.from(fx.input.flat()), [1, T, 40]),
      })
      const got = out.logits.data as Float32Array
      const want = fx.logits.flat()
      let worst = 0
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]))
      expect(worst).toBeLessThan(1e-5)
    })

  it('takes the output kind from the caller over detection', async () => {
    const m = await readModel(lstmFile, { spec: specF40(), classes, output: 'probabilities' })
    expect([m.output, m.outputSource]).toEqual(['probabilities', 'caller'])
  })

  it('reuses one session per model', async () => {
    const a = await readModel(lstmFile, { spec: specF40(), classes })
    const b = await readModel(lstmFile, { spec: specF40(), classes })
    expect(a.session).toBe(b.session)
  })

  it('inspectModel lists inputs, outputs and opset without a spec', async () => {
    const info = await inspectModel(gruFile)
    expect(info.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['batch', 'time', 40] }])
    expect(info.outputs).toEqual([{ name: 'logits', type: 'float32', shape: ['batch', 'time', 4] }])
    expect(info.opset).toBe(13)
    expect(info.producer.name).toBe('pytorch')
    expect(info.framewise).toEqual({})
  })
})

describe('clear errors before running', () => {
  const expectDataError = async (p: Promise<unknown>, file: string, re: RegExp) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(DataError)
    expect((err as DataError).file).toBe(file)
    expect((err as DataError).message).toMatch(re)
  }

  it('missing spec or classes, wrong F, wrong class count', async () => {
    await expectDataError(readModel(lstmFile, { classes }), lstmFile, /no FeatureSpec.*--spec/)
    await expectDataError(
      readModel(lstmFile, { spec: specF40() }),
      lstmFile,
      /no class names.*--classes/,
    )
    const mfcc = parseFeatureSpec({ kind: 'audio' }) // 39 features
    await expectDataError(
      readModel(lstmFile, { spec: mfcc, classes }),
      lstmFile,
      /takes 40 features per frame but the FeatureSpec gives 39/,
    )
    await expectDataError(
      readModel(lstmFile, { spec: specF40(), classes: ['a', 'b', 'c'] }),
      lstmFile,
      /outputs 4 classes but 3 class names/,
    )
  })

  it('missing, garbage and truncated files', async () => {
    await expectDataError(
      readModel(path.join(dir, 'none.onnx')),
      path.join(dir, 'none.onnx'),
      /no such file/,
    )
    const garbage = await write('garbage.onnx', 'this is not a model\n'.repeat(20))
    await expectDataError(readModel(garbage), garbage, /not an ONNX model/)
    const bytes = await readFile(lstmFile)
    const cut = await write('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2)))
    await expectDataError(
      readModel(cut),
      cut,
      /not an ONNX model|truncated|onnxruntime cannot load/,
    )
    const empty = await write('empty.onnx', new Uint8Array(0))
    await expectDataError(readModel(empty), empty, /not an ONNX model/)
  })

  it('wrong rank, dtype, fixed time, several inputs, non-frame-wise output', async () => {
    const opts = { spec: specF40(), classes }
    const rank2 = await write(
      'rank2.onnx',
      identityModel([{ name: 'x', dims: ['batch', 40] }], [{ name: 'y', dims: ['batch', 40] }]),
    )
    await expectDataError(
      readModel(rank2, opts),
      rank2,
      /input 'x' has shape \[batch, 40\] \(rank 2\)/,
    )
    const INT64 = onnxProto.onnx.TensorProto.DataType.INT64
    const ints = await write(
      'int.onnx',
      identityModel(
        [{ name: 'x', elemType: INT64, dims: ['b', 't', 40] }],
        [{ name: 'y', elemType: INT64, dims: ['b', 't', 40] }],
      ),
    )
    await expectDataError(readModel(ints, opts), ints, /input 'x' is int64/)
    const fixedT = await write(
      'fixed.onnx',
      identityModel([{ name: 'x', dims: [1, 100, 4] }], [{ name: 'y', dims: [1, 100, 4] }]),
    )
    await expectDataError(readModel(fixedT, opts), fixedT, /fixed time length of 100/)
    const two = await write(
      'two.onnx',
      identityModel(
        [
          { name: 'x', dims: ['b', 't', 40] },
          { name: 'h0', dims: [2, 'b', 64] },
        ],
        [{ name: 'y', dims: ['b', 't', 4] }],
      ),
    )
    await expectDataError(readModel(two, opts), two, /has 2 inputs \(x, h0\)/)
    // Output declared [b, t, 4] but Identity gives 40 columns: caught by the probe run.
    const lying = await write(
      'lying.onnx',
      identityModel([{ name: 'x', dims: ['b', 't', 40] }], [{ name: 'y', dims: ['b', 't', 'c'] }]),
    )
    await expectDataError(readModel(lying, opts), lying, /outputs 40 classes but 4 class names/)
    const rank4 = await write(
      'rank4.onnx',
      identityModel([{ name: 'x', dims: ['b', 't', 40] }], [{ name: 'y', dims: ['b', 't', 4, 1] }]),
    )
    await expectDataError(readModel(rank4, opts), rank4, /outputs 40 classes but 4 class names/)
  })

  it('bad metadata in the file', async () => {
    const bad = await write(
      'badmeta.onnx',
      identityModel([{ name: 'x', dims: ['b', 't', 4] }], [{ name: 'y', dims: ['b', 't', 4] }], {
        'framewise.classes': 'a,b',
      }),
    )
    await expectDataError(readModel(bad), bad, /metadata framewise\.classes is not valid JSON/)
  })
})

describe('our own exports', () => {
  it('carry spec, classes, post-processing and output kind; probabilities detected without metadata', async () => {
    const config = configA('gru')
    const file = path.join(dir, 'own.onnx')
    await exportTagger(file, {
      config,
      params: randomParams(config),
      spec: specF40(),
      classes: ['noise', 'a', 'b', 'c'],
      postprocess: { background: 'noise', medianFilter: 3 },
      runId: 'r1',
    })
    const m = await readModel(file)
    expect([m.inputName, m.outputName, m.numFeatures, m.numClasses]).toEqual([
      'features',
      'probabilities',
      40,
      4,
    ])
    expect([m.output, m.outputSource]).toEqual(['probabilities', 'metadata'])
    expect(m.spec).toEqual(specF40())
    expect(m.postprocess.medianFilter).toBe(3)
    expect(m.background).toBe(0)
    expect(m.info.framewise.runId).toBe('r1')
    expect(m.info.card?.runId).toBe('r1')

    // The same graph with its metadata stripped (card removed too): detection says probabilities.
    const bare = path.join(dir, 'bare.onnx')
    const proto = onnxProto.onnx.ModelProto.decode(await readFile(file))
    proto.metadataProps = []
    await writeFile(bare, onnxProto.onnx.ModelProto.encode(proto).finish())
    const b = await readModel(bare, { spec: specF40(), classes: ['n', 'a', 'b', 'c'] })
    expect([b.output, b.outputSource]).toEqual(['probabilities', 'detected'])
    // A user's class list overrides the file's; the file's background must then be re-said.
    const own2 = path.join(dir, 'own2.onnx')
    await copyFile(file, own2)
    await expect(readModel(own2, { classes: ['w', 'x', 'y', 'z'] })).rejects.toThrow(
      /own2\.onnx: background class 'noise' is not one of w, x, y, z/,
    )
    const c = await readModel(own2, {
      classes: ['w', 'x', 'y', 'z'],
      postprocess: { background: 'z' },
    })
    expect([c.classes, c.background]).toEqual([['w', 'x', 'y', 'z'], 3])
  })
})
