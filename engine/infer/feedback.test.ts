/**
 * Output-recurrent models through onnxruntime: the exported graph equals the engine's forward on
 * teacher-forced input (probabilities and final states, global normalisation baked in), the
 * ONNX step-wise decoder finds the same paths as the engine's decoder (greedy and beam), and
 * readModel + predictFile route such a model to the decoder by its metadata.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { previousLabelInput } from '../../models/label-decoding'
import { concatFeedback, decodeWithTagger } from '../../models/feedback'
import { initTagger } from '../../models/init'
import { tsKernels } from '../../models/kernels-ts'
import { Rng } from '../../models/rng'
import {
  allocState,
  allocWorkspace,
  carryState,
  createTagger,
  taggerForward,
  type TaggerConfig,
} from '../../models/tagger'
import { parseFeatureSpec } from '../features/spec'
import { exportTagger } from '../onnx/export'
import { readModel, releaseSessions } from '../onnx/read'
import { decodeOnnx, engineTaggerOf, taggerFromGraph } from './feedback'
import { predictFile } from './predict'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-feedback-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const [F, C, T] = [3, 3, 60]
const mean = [0.5, -1, 2]
const std = [2, 0.5, 1]
const spec = parseFeatureSpec({
  kind: 'series',
  channels: ['u', 'v', 'w'],
  normalization: { mode: 'global', mean, std },
})
const classes = ['background', 'rise', 'fall']

function setup(cell: TaggerConfig['cell'], L: number, seed: number) {
  const config: TaggerConfig = {
    cell,
    inputSize: F + C,
    hiddenSize: 8,
    numLayers: L,
    numClasses: C,
    bidirectional: false,
    dropout: 0,
    outputRecurrence: true,
  }
  const m = createTagger(config, tsKernels)
  initTagger(m.params, config, new Rng(seed))
  for (let i = 0; i < m.p.Wout.length; i++) m.p.Wout[i] *= 4 // label changes along the path
  const rng = new Rng(seed + 1)
  const raw = Float32Array.from(
    { length: T * F },
    (_, i) => mean[i % F] + std[i % F] * rng.normal(),
  )
  const normed = raw.map((v, i) => (v - mean[i % F]) / std[i % F])
  return { config, m, raw, normed }
}

describe('exported output-recurrent taggers', () => {
  for (const [cell, L] of [
    ['lstm', 2],
    ['gru', 2],
    ['rnn-tanh', 1],
  ] as const) {
    it(`${cell} L${L}: ORT = engine on teacher-forced input (≤ 1e-5), and the same decoded paths`, async () => {
      const { config, m, raw, normed } = setup(cell, L, 5)
      const file = path.join(dir, `${cell}.onnx`)
      await exportTagger(file, {
        config,
        params: m.params,
        spec,
        classes,
        decoder: { decode: 'beam', beam: 3 },
      })
      // teacher forcing on random labels with an ignored frame, zero initial state
      const rng = new Rng(2)
      const labels = Int32Array.from({ length: T }, (_, t) => (t === 20 ? -1 : rng.int(C)))
      const prev = previousLabelInput(new Float32Array(T * C), labels, Int32Array.of(T), T, C)
      const ws = allocWorkspace(config, tsKernels, T, 1)
      const xt = concatFeedback(new Float32Array(T * (F + C)), normed, prev, T, F, C)
      taggerForward(ws, xt, Int32Array.of(T), T, m, tsKernels)
      const session = await ort.InferenceSession.create(await readFile(file))
      const feeds: Record<string, ort.Tensor> = {
        features: new ort.Tensor('float32', raw, [1, T, F]),
        previous_labels: new ort.Tensor('float32', prev, [1, T, C]),
      }
      for (let l = 0; l < L; l++) {
        feeds[`h0_l${l}`] = new ort.Tensor('float32', new Float32Array(8), [1, 1, 8])
        if (cell === 'lstm')
          feeds[`c0_l${l}`] = new ort.Tensor('float32', new Float32Array(8), [1, 1, 8])
      }
      const out = await session.run(feeds)
      const probs = out.probabilities.data as Float32Array
      let maxDiff = 0
      for (let t = 0; t < T; t++) {
        const z = ws.logits.subarray(t * C, (t + 1) * C)
        const mx = Math.max(...z)
        const s = z.reduce((a, v) => a + Math.exp(v - mx), 0)
        for (let j = 0; j < C; j++)
          maxDiff = Math.max(maxDiff, Math.abs(probs[t * C + j] - Math.exp(z[j] - mx) / s))
      }
      expect(maxDiff).toBeLessThan(1e-5)
      // final states = the engine's forward state after frame T − 1
      const st = allocState(config, tsKernels, 1)
      carryState(st, ws, Int32Array.of(T), T, m)
      for (let l = 0; l < L; l++) {
        const h = out[`hT_l${l}`].data as Float32Array
        for (let j = 0; j < 8; j++) expect(Math.abs(h[j] - st.h[l][j])).toBeLessThan(1e-5)
        if (cell === 'lstm') {
          const c = out[`cT_l${l}`].data as Float32Array
          for (let j = 0; j < 8; j++) expect(Math.abs(c[j] - st.c![l][j])).toBeLessThan(1e-5)
        }
      }
      await session.release()

      const model = await readModel(file)
      expect(model.decoder).toMatchObject({ kind: 'output-recurrence', decode: 'beam', beam: 3 })
      expect(model.decoder!.layout.layers).toHaveLength(L)
      // the file's weights read back are the trained ones, bit for bit, normalisation included
      const back = taggerFromGraph(await readFile(file))!
      expect(back.tagger.config).toMatchObject({ ...config, residual: false })
      expect(
        Buffer.from(
          back.tagger.params.buffer,
          back.tagger.params.byteOffset,
          back.tagger.params.byteLength,
        ),
      ).toEqual(Buffer.from(m.params.buffer, m.params.byteOffset, m.params.byteLength))
      expect([...back.norm!.mean]).toEqual(mean)
      for (const width of [1, 3]) {
        const ours = decodeWithTagger(m, tsKernels, normed, T, width)
        // onnxruntime step-wise and the read-back engine tagger find the same path as our forward
        for (const driver of ['onnx', 'engine'] as const) {
          const theirs = await decodeOnnx(model, raw, T, F, { width, driver })
          expect([...theirs.path]).toEqual([...ours.path])
          expect(Math.abs(theirs.logLikelihood - ours.logLikelihood)).toBeLessThan(1e-4)
        }
        if (width === 1) expect(new Set(ours.path).size).toBeGreaterThan(1)
      }
    })
  }

  it('predictFile decodes a CSV series with the metadata beam; cancel stops the decoder', async () => {
    const { config, m, raw, normed } = setup('gru', 1, 8)
    const file = path.join(dir, 'predict.onnx')
    await exportTagger(file, {
      config,
      params: m.params,
      spec,
      classes,
      decoder: { decode: 'beam', beam: 2 },
    })
    const rows = ['time,u,v,w']
    for (let t = 0; t < T; t++) rows.push([t, raw[t * F], raw[t * F + 1], raw[t * F + 2]].join(','))
    const csv = path.join(dir, 'series.csv')
    await writeFile(csv, rows.join('\n') + '\n')
    const model = await readModel(file)
    const p = await predictFile(model, csv)
    const ours = decodeWithTagger(m, tsKernels, normed, T, 2)
    expect([...p.labels]).toEqual([...ours.path])
    for (let i = 0; i < T * C; i++)
      expect(Math.abs(p.probabilities[i] - ours.probabilities[i])).toBeLessThan(1e-5)
    const ac = new AbortController()
    ac.abort()
    await expect(decodeOnnx(model, raw, T, F, { signal: ac.signal })).rejects.toThrow()
  })

  it('reads back a residual stack; a graph it cannot read back decodes with onnxruntime', async () => {
    const { config, m, raw, normed } = setup('gru', 2, 4)
    const res = { ...config, residual: true }
    const file = path.join(dir, 'residual.onnx')
    await exportTagger(file, { config: res, params: m.params, spec, classes })
    const back = taggerFromGraph(await readFile(file))!
    expect(back.tagger.config.residual).toBe(true)
    expect([...back.tagger.params]).toEqual([...m.params])
    // a plain tagger's graph is no output-recurrent one; ours then decode alike with 'auto'
    expect(taggerFromGraph(new Uint8Array(0))).toBeNull()
    const model = await readModel(file)
    expect(await engineTaggerOf(model, F)).not.toBeNull() // 'auto' decodes with the engine
    const mr = createTagger(res, tsKernels)
    mr.params.set(m.params)
    const a = await decodeOnnx(model, raw, T, F, { width: 2 })
    expect([...a.path]).toEqual([...decodeWithTagger(mr, tsKernels, normed, T, 2).path])
  })

  it('refuses a bidirectional output-recurrent config at export', async () => {
    const { config, m } = setup('gru', 1, 3)
    await expect(
      exportTagger(path.join(dir, 'bi.onnx'), {
        config: { ...config, bidirectional: true },
        params: m.params,
        spec,
        classes,
      }),
    ).rejects.toThrow(/unidirectional/)
  })
})
