/**
 * Viterbi post-processing with the label transitions stored at training: the transitions
 * round-trip through metadata and card, post-processing equals models/label-decoding.ts `viterbi` on the
 * same log-probabilities, forbidden transitions never show up, predictFile decodes the stitched
 * whole-file probabilities (windows included), bad transitions are DataErrors naming the file,
 * and on ordered phases Viterbi removes most order violations of the argmax.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { estimateTransitions, viterbi } from '../../models/label-decoding'
import { Rng } from '../../models/rng'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { tsKernels } from '../../models/kernels-ts'
import { PHASE_CLASSES, phaseSequences, scorePhases } from '../data/phases'
import { DataError } from '../errors'
import { parseFeatureSpec } from '../features/spec'
import { exportTagger } from '../onnx/export'
import { META_KEYS, parseMetadataProps } from '../onnx/metadata'
import { postProcessSchema } from '../onnx/postprocess-settings'
import { runCli as cli } from '../testing/cli'
import { readModel, releaseSessions } from '../onnx/read'
import { randomParams } from '../onnx/testing'
import { parseTrainSettings } from '../train/settings'
import { trainTagger } from '../train/loop'
import { transitionsOf, transitionsToLog } from '../onnx/transitions'
import { decodeLabels, labelsToSegments, smoothLabels, viterbiLabels } from './postprocess'
import { predictFile } from './predict'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-viterbi-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const [F, C] = [3, 3]
const classes = ['background', 'a', 'b']
const spec = parseFeatureSpec({
  kind: 'series',
  channels: ['u', 'v', 'w'],
  normalization: { mode: 'none' },
})
const config: TaggerConfig = {
  cell: 'gru',
  inputSize: F,
  hiddenSize: 6,
  numLayers: 1,
  numClasses: C,
  bidirectional: true,
  dropout: 0,
}

/** Random (T, C) probability rows, peaked enough that argmax and Viterbi can differ. */
function randomProbs(T: number, K: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const p = new Float32Array(T * K)
  for (let t = 0; t < T; t++) {
    let s = 0
    for (let c = 0; c < K; c++) s += p[t * K + c] = Math.exp(2 * rng.normal())
    for (let c = 0; c < K; c++) p[t * K + c] /= s
  }
  return p
}

describe('transitions in metadata', () => {
  it('round-trip through the ONNX metadata and the card, and readModel turns them into logs', async () => {
    const seqs = [Int32Array.of(0, 0, 1, 1, 2, 0), Int32Array.of(1, -1, 2, 2, 0)]
    const tr = transitionsOf(seqs, C, 0.5)
    const est = estimateTransitions(seqs, C, 0.5)
    expect(tr.alpha).toBe(0.5)
    for (let c = 0; c < C; c++) expect(Math.log(tr.initial[c])).toBeCloseTo(est.logInit[c], 12)
    const file = path.join(dir, 'tr.onnx')
    const r = await exportTagger(file, {
      config,
      params: randomParams(config),
      spec,
      classes,
      transitions: tr,
    })
    expect(r.card.transitions).toEqual(tr)
    const card = JSON.parse(await readFile(r.cardPath, 'utf8'))
    expect(card.transitions.matrix).toEqual(tr.matrix)
    const model = await readModel(file)
    expect(model.info.framewise.transitions).toEqual(tr)
    const back = model.transitions!
    for (let i = 0; i < C * C; i++) expect(back.logTrans[i]).toBeCloseTo(est.logTrans[i], 12)
    for (let c = 0; c < C; c++) expect(back.logInit[c]).toBeCloseTo(est.logInit[c], 12)
    // a model without them has none, and Viterbi on it is refused naming the file
    const plain = path.join(dir, 'plain.onnx')
    await exportTagger(plain, { config, params: randomParams(config), spec, classes })
    expect((await readModel(plain)).transitions).toBeNull()
    await expect(
      readModel(plain, { postprocess: { viterbi: { enabled: true, weight: 1 } } }),
    ).rejects.toThrow(/plain\.onnx: has no label transitions/)
    // unless the caller brings transitions (e.g. counted on a project's labels)
    expect(
      (
        await readModel(plain, {
          transitions: tr,
          postprocess: { viterbi: { enabled: true, weight: 1 } },
        })
      ).transitions,
    ).not.toBeNull()
  })

  it('bad transitions are DataErrors naming the file and the key', () => {
    const bad = (v: unknown) => () =>
      parseMetadataProps('m.onnx', { [META_KEYS.transitions]: JSON.stringify(v) })
    expect(bad({ initial: [0.5, 0.5], matrix: [[1, 0]], alpha: 1 })).toThrow(DataError)
    expect(bad({ initial: [0.5, 0.5], matrix: [[1, 0]], alpha: 1 })).toThrow(
      /m\.onnx.*framewise\.transitions.*C × C/s,
    )
    expect(
      bad({
        initial: [0.5, 0.6],
        matrix: [
          [1, 0],
          [0, 1],
        ],
        alpha: 1,
      }),
    ).toThrow(/sum to 1/)
    expect(
      bad({
        initial: [1.5, -0.5],
        matrix: [
          [1, 0],
          [0, 1],
        ],
        alpha: 1,
      }),
    ).toThrow(DataError)
    expect(() => parseMetadataProps('m.onnx', { [META_KEYS.transitions]: '{' })).toThrow(
      /m\.onnx.*not valid JSON/s,
    )
  })

  it('exportTagger refuses transitions of another class count; postprocess.viterbi is optional', async () => {
    const tr = transitionsOf([Int32Array.of(0, 1)], 2)
    await expect(
      exportTagger(path.join(dir, 'x.onnx'), {
        config,
        params: randomParams(config),
        spec,
        classes,
        transitions: tr,
      }),
    ).rejects.toThrow(/transitions for 2 classes/)
    expect(postProcessSchema.parse({}).viterbi).toBeUndefined()
    expect(postProcessSchema.parse({ viterbi: { enabled: true } }).viterbi).toEqual({
      enabled: true,
      weight: 1,
    })
    expect(() => postProcessSchema.parse({ viterbi: { enabled: true, weight: -1 } })).toThrow()
  })
})

describe('decodeLabels', () => {
  it('with Viterbi equals models/label-decoding.ts viterbi on the same log-probabilities; λ 0 is the argmax', () => {
    const [T, K] = [200, 4]
    const probs = randomProbs(T, K, 1)
    const seqs = [Int32Array.from({ length: 300 }, (_, t) => Math.floor(t / 25) % K)]
    const stored = transitionsOf(seqs, K)
    const tr = transitionsToLog(stored)
    for (const weight of [0.5, 1, 3]) {
      const post = postProcessSchema.parse({ viterbi: { enabled: true, weight } })
      const ours = decodeLabels(probs, K, post, tr)
      const logp = Float64Array.from(probs, (p) => Math.log(p))
      const ref = new Int32Array(T)
      viterbi(ref, logp, estimateTransitions(seqs, K), T, K, { transitionWeight: weight })
      expect([...ours]).toEqual([...ref])
    }
    const argmax = smoothLabels(probs, K, 1)
    const smooth = decodeLabels(
      probs,
      K,
      postProcessSchema.parse({ viterbi: { enabled: true, weight: 1 } }),
      tr,
    )
    expect([...smooth]).not.toEqual([...argmax]) // the input is noisy enough for Viterbi to matter
    expect([
      ...decodeLabels(
        probs,
        K,
        postProcessSchema.parse({ viterbi: { enabled: true, weight: 0 } }),
        tr,
      ),
    ]).toEqual([...argmax])
    // off, or without transitions: the argmax + median filter as before
    const off = postProcessSchema.parse({ medianFilter: 3, viterbi: { enabled: false, weight: 1 } })
    expect([...decodeLabels(probs, K, off, tr)]).toEqual([...smoothLabels(probs, K, 3)])
  })

  it('a forbidden transition (probability 0) never appears in the labels or the segments', () => {
    const [T, K] = [500, 4]
    // phases may only go 0 → 1 → 2 → 3 → 0 (or stay)
    const allowed = (p: number, c: number) => p === c || c === (p + 1) % K
    const matrix = Array.from({ length: K }, (_, p) =>
      Array.from({ length: K }, (_, c) => (allowed(p, c) ? (p === c ? 0.9 : 0.1) : 0)),
    )
    const tr = transitionsToLog({ initial: [1, 0, 0, 0], matrix, alpha: 0 })
    expect(tr.logTrans[0 * K + 2]).toBe(-Infinity)
    for (const seed of [1, 2, 3]) {
      const probs = randomProbs(T, K, seed)
      probs[0] = 0 // a probability rounded to 0 must not make every path impossible
      const labels = decodeLabels(
        probs,
        K,
        postProcessSchema.parse({ viterbi: { enabled: true, weight: 1 } }),
        tr,
      )
      expect(labels[0]).toBe(0)
      for (let t = 1; t < T; t++)
        expect(
          allowed(labels[t - 1], labels[t]),
          `frame ${t}: ${labels[t - 1]} → ${labels[t]}`,
        ).toBe(true)
      const times = Float64Array.from({ length: T }, (_, t) => 0.01 * t + 0.005)
      const segs = labelsToSegments(
        labels,
        times,
        ['p0', 'p1', 'p2', 'p3'],
        null,
        postProcessSchema.parse({}),
      )
      for (let i = 1; i < segs.length; i++) {
        const [p, c] = [Number(segs[i - 1].label.slice(1)), Number(segs[i].label.slice(1))]
        expect(allowed(p, c)).toBe(true)
      }
      // the argmax of the same input does break the order (so the test could fail)
      const arg = smoothLabels(probs, K, 1)
      expect(arg.some((c, t) => t > 0 && !allowed(arg[t - 1], c))).toBe(true)
    }
  })
})

describe('predictFile with Viterbi', () => {
  it('decodes the stitched whole-file probabilities, also when it runs in windows', async () => {
    const T = 400
    const rng = new Rng(5)
    const rows = ['time,u,v,w']
    for (let t = 0; t < T; t++) rows.push([t, rng.normal(), rng.normal(), rng.normal()].join(','))
    const csv = path.join(dir, 'series.csv')
    await writeFile(csv, rows.join('\n') + '\n')
    const tr = transitionsOf(
      [Int32Array.from({ length: 400 }, (_, t) => Math.floor(t / 40) % C)],
      C,
    )
    const file = path.join(dir, 'vit.onnx')
    await exportTagger(file, {
      config,
      params: randomParams(config, 3),
      spec,
      classes,
      transitions: tr,
      postprocess: { viterbi: { enabled: true, weight: 1 } },
    })
    const model = await readModel(file)
    expect(model.postprocess.viterbi).toEqual({ enabled: true, weight: 1 })
    const whole = await predictFile(model, csv, { workers: 0 })
    const expected = viterbiLabels(whole.probabilities, C, transitionsToLog(tr), 1)
    expect([...whole.labels]).toEqual([...expected])
    expect([...whole.labels]).not.toEqual([...smoothLabels(whole.probabilities, C, 1)])
    const windows = await predictFile(model, csv, {
      workers: 0,
      windowFrames: 64,
      contextFrames: 200,
    })
    expect([...windows.labels]).toEqual([...whole.labels])

    // framewise predict: the stored Viterbi by default, --no-viterbi the argmax, --viterbi-weight λ
    const rowLabels = async (...flags: string[]) => {
      const out = path.join(dir, `out${flags.join('')}`)
      const r = await cli([
        'predict',
        file,
        csv,
        '--out',
        out,
        '--format',
        'csv',
        '--threads',
        '1',
        ...flags,
      ])
      expect(r.code, r.stderr).toBe(0)
      const text = await readFile(path.join(out, 'series.labels.csv'), 'utf8')
      return text
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((row) => classes.indexOf(row.split(',')[1]))
    }
    expect(await rowLabels()).toEqual([...expected])
    expect(await rowLabels('--no-viterbi')).toEqual([...smoothLabels(whole.probabilities, C, 1)])
    const heavy = viterbiLabels(whole.probabilities, C, transitionsToLog(tr), 4)
    expect([...heavy]).not.toEqual([...expected])
    expect(await rowLabels('--viterbi-weight', '4')).toEqual([...heavy])
    // usage errors exit 2; Viterbi on a model without transitions exits 1 naming the file
    expect(
      (await cli(['predict', file, csv, '--out', dir, '--viterbi', '--no-viterbi'])).code,
    ).toBe(2)
    expect((await cli(['predict', file, csv, '--out', dir, '--viterbi-weight', '-1'])).code).toBe(2)
    const plain = path.join(dir, 'plain-cli.onnx')
    await exportTagger(plain, {
      config,
      params: randomParams(config),
      spec,
      classes,
      postprocess: { viterbi: { enabled: true, weight: 1 } },
    })
    // exported without transitions, the Viterbi setting is dropped rather than shipped unusable
    expect((await readModel(plain)).postprocess.viterbi).toBeUndefined()
    const r = await cli(['predict', plain, csv, '--out', path.join(dir, 'o'), '--viterbi'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/plain-cli\.onnx: has no label transitions/)
  })
})

describe('learning ordered phases', () => {
  it('Viterbi with transitions counted on the training labels removes most order violations of the argmax', async () => {
    const K = PHASE_CLASSES.length
    const data = { F: 4, classes: PHASE_CLASSES, train: phaseSequences(32, 21, 240, 1.2), val: [] }
    const test = phaseSequences(12, 22, 240, 1.2)
    const settings = parseTrainSettings({
      cell: 'gru',
      hidden: 16,
      layers: 1,
      bidirectional: false,
      epochs: 8,
      patience: 0,
      chunk: 120,
      classWeights: 'none',
      seed: 4,
    })
    const r = await trainTagger(data, settings, { kernels: 'ts' })
    const m = createTagger(r.config, tsKernels)
    m.params.set(r.params)
    const tr = transitionsToLog(
      transitionsOf(
        data.train.map((s) => s.labels),
        K,
      ),
    )
    const post = postProcessSchema.parse({ viterbi: { enabled: true, weight: 1 } })
    const arg: Int32Array[] = []
    const vit: Int32Array[] = []
    for (const s of test) {
      const T = s.labels.length
      const ws = allocWorkspace(r.config, tsKernels, T, 1)
      taggerForward(ws, s.x, Int32Array.of(T), T, m, tsKernels)
      const probs = new Float32Array(T * K)
      for (let t = 0; t < T; t++) {
        let [mx, z] = [-Infinity, 0]
        for (let c = 0; c < K; c++) mx = Math.max(mx, ws.logits[t * K + c])
        for (let c = 0; c < K; c++) z += probs[t * K + c] = Math.exp(ws.logits[t * K + c] - mx)
        for (let c = 0; c < K; c++) probs[t * K + c] /= z
      }
      arg.push(smoothLabels(probs, K, 1))
      vit.push(decodeLabels(probs, K, post, tr))
    }
    const truth = test.map((s) => s.labels)
    const a = scorePhases(truth, arg)
    const v = scorePhases(truth, vit)
    expect(a.violations).toBeGreaterThan(20) // the unidirectional argmax flickers between phases
    expect(v.violations).toBeLessThan(a.violations / 4)
    expect(v.eventF1).toBeGreaterThan(a.eventF1)
    expect(v.accuracy).toBeGreaterThan(a.accuracy - 0.02)
  }, 120_000)
})
