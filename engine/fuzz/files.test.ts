/**
 * Hostile and broken input files, fed through the engine's readers: valid WAV, FLAC, CSV, every
 * label format, framewise.json, label files and ONNX models are mutated (bit flips, truncation,
 * huge length fields, inserted garbage, wrong JSON types) with a seeded RNG. Every case must end
 * within a time bound with a valid result or a DataError/ApiError whose message names the file,
 * and memory must stay bounded. `FW_FUZZ_SCALE` multiplies the case counts (default 1) and
 * `FW_SEED` changes the seed; the figures (cases, hangs, crashes, peak memory) are reported with
 * reportFuzz, also when a case fails.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError, type Segment } from '../api'
import { decodeAudio } from '../media/audio/decode'
import { makeWav, sine } from '../media/audio/testing'
import { DataError } from '../errors'
import { FORMATS, readLabels } from '../labels/formats'
import { cardPathOf, readModelCard } from '../onnx/card'
import { exportTagger } from '../onnx/export'
import { decodeOnnx } from '../infer/feedback'
import { inspectModel, readModel, releaseSessions } from '../onnx/read'
import { configA, randomParams, specF40 } from '../onnx/testing'
import { MANIFEST_FILE } from '../project/manifest'
import { Project } from '../project/store'
import { readSeriesCsv } from '../media/series/csv'
import { decodeCheckpoint, encodeCheckpoint, RunStore } from '../train/runs'
import { trainSettingsSchema } from '../train/settings'
import { fuzzScale, reportFuzz } from './report'
import { rng } from './rng'

const here = path.dirname(fileURLToPath(import.meta.url))
const SCALE = fuzzScale()
const SEED = Number(process.env.FW_SEED ?? 1)
/** One case may take this long (a busy 2-core machine; a hang shows up as a failure, not a stall). */
const CASE_MS = 5_000
/** Memory a case may leave allocated or use at its peak (the inputs are a few kB). */
const MEMORY_BYTES = 768 * 2 ** 20

type Rng = ReturnType<typeof rng>
type Mutation = (b: Buffer, r: Rng) => Buffer

const bitFlips: Mutation = (b, r) => {
  const out = Buffer.from(b)
  for (let i = r.int(1, 8); i > 0 && out.length; i--)
    out[r.int(0, out.length - 1)]! ^= 1 << r.int(0, 7)
  return out
}
const truncate: Mutation = (b, r) => b.subarray(0, r.int(0, Math.max(0, b.length - 1)))
/** A 32-bit field somewhere near the start (headers, chunk sizes, varints) set to a huge value. */
const hugeLength: Mutation = (b, r) => {
  const out = Buffer.from(b)
  if (out.length < 4) return out
  const at = r.next() < 0.7 ? r.int(0, Math.min(out.length, 64) - 4) : r.int(0, out.length - 4)
  out.writeUInt32LE(r.pick([0xffffffff, 0x7fffffff, 0x80000000, 0x40000000, 0xffff, 0]), at)
  return out
}
/** Protobuf-style: a 5-byte varint claiming ~4 GB inserted somewhere. */
const hugeVarint: Mutation = (b, r) => {
  const at = r.int(0, b.length)
  return Buffer.concat([
    b.subarray(0, at),
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    b.subarray(at),
  ])
}
const garbage: Mutation = (b, r) => {
  const at = r.int(0, b.length)
  const junk = Buffer.from(Array.from({ length: r.int(1, 64) }, () => r.int(0, 255)))
  return Buffer.concat([
    b.subarray(0, at),
    junk,
    b.subarray(r.next() < 0.5 ? at : Math.min(b.length, at + junk.length)),
  ])
}
const duplicate: Mutation = (b, r) => {
  const from = r.int(0, b.length)
  const to = r.int(from, Math.min(b.length, from + 256))
  return Buffer.concat([b.subarray(0, to), b.subarray(from, to), b.subarray(to)])
}
/** Text formats: a token replaced by a value of another type or an extreme number. */
const wrongTypes: Mutation = (b, r) => {
  const text = b.toString('utf8')
  const tokens = [...text.matchAll(/-?\d+(\.\d+)?(e[-+]?\d+)?|"[^"\n]*"|true|false|null|\[|\{/g)]
  if (!tokens.length) return b
  const t = r.pick(tokens)
  const repl = r.pick([
    '"x"',
    '1e309',
    '-1',
    'NaN',
    'null',
    '{}',
    '[]',
    '1e21',
    '99999999999999999999',
    '"\u0000"',
    'true',
    '-0',
    '"__proto__"',
  ])
  return Buffer.from(text.slice(0, t.index) + repl + text.slice(t.index! + t[0].length))
}
/** Text formats: one line repeated many times, or a very long line. */
const longLines: Mutation = (b, r) => {
  const lines = b.toString('utf8').split('\n')
  const i = r.int(0, lines.length - 1)
  if (r.next() < 0.5) lines.splice(i, 0, ...Array(r.int(10, 2000)).fill(lines[i]))
  else lines[i] = lines[i] + ','.repeat(r.int(100, 20_000))
  return Buffer.from(lines.join('\n'))
}

const BINARY: Mutation[] = [bitFlips, truncate, hugeLength, hugeVarint, garbage, duplicate]
const TEXT: Mutation[] = [bitFlips, truncate, garbage, duplicate, wrongTypes, wrongTypes, longLines]

let dir: string
let cases = 0
let valid = 0
/** Cases with no result in time, and cases that threw something other than a clear error. */
let hangs = 0
let crashes = 0
let peakRss = 0
let sampler: NodeJS.Timeout
const counts: Record<string, number> = {}
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-fuzz-'))
  sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)
})
afterAll(async () => {
  clearInterval(sampler)
  await releaseSessions()
  await fs.rm(dir, { recursive: true, force: true })
  reportFuzz('files', {
    cases,
    valid,
    hangs,
    crashes,
    peakRssMB: Math.round(peakRss / 2 ** 20),
    seed: SEED,
  })
  console.log(`fuzz: cases per reader: ${JSON.stringify(counts)}`)
})

/**
 * Runs `n` mutated variants of `seed` through `read`; each must settle in time with a value or
 * an error naming the file.
 */
async function fuzz(
  kind: string,
  seedBytes: Buffer,
  ext: string,
  n: number,
  mutations: Mutation[],
  read: (file: string) => Promise<unknown>,
): Promise<void> {
  const r = rng(SEED * 1000 + kind.length * 31 + n)
  // The unmutated file must be readable, or the fuzz tests nothing.
  const base = path.join(dir, `${kind}-valid${ext}`)
  await fs.writeFile(base, seedBytes)
  await read(base)
  for (let i = 0; i < Math.round(n * SCALE); i++) {
    let bytes = seedBytes
    for (let k = r.int(1, 3); k > 0; k--) bytes = r.pick(mutations)(bytes, r)
    const file = path.join(dir, `${kind}-${i}${ext}`)
    await fs.writeFile(file, bytes)
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      read(file).then(
        () => 'valid',
        (err: unknown) => err,
      ),
      new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), CASE_MS))),
    ])
    clearTimeout(timer)
    const ms = performance.now() - started
    const where = `${kind} case ${i} (${file}, ${bytes.length} bytes)`
    cases++
    counts[kind] = (counts[kind] ?? 0) + 1
    if (outcome === 'timeout') hangs++
    else if (
      outcome !== 'valid' &&
      !(
        (outcome instanceof DataError || outcome instanceof ApiError) &&
        outcome.message.includes(path.basename(file))
      )
    )
      crashes++
    expect(outcome, `${where}: no result within ${CASE_MS} ms`).not.toBe('timeout')
    if (outcome === 'valid') valid++
    else {
      expect(
        outcome instanceof DataError || outcome instanceof ApiError,
        `${where}: threw ${String(outcome)}`,
      ).toBe(true)
      expect((outcome as Error).message, `${where}: error does not name the file`).toContain(
        path.basename(file),
      )
    }
    const mem = process.memoryUsage()
    expect(
      mem.heapUsed + mem.arrayBuffers,
      `${where}: memory after ${ms.toFixed(0)} ms`,
    ).toBeLessThan(MEMORY_BYTES)
    await fs.rm(file, { force: true })
  }
}

const segments: Segment[] = [
  { start: 0.5, end: 1.25, label: 'song' },
  { start: 2, end: 2, label: 'call' },
  { start: 3.125, end: 4.5, label: 'song with spaces' },
]

describe(
  'hostile input files end in a clear error or a valid result',
  { timeout: 60_000 * SCALE },
  () => {
    it('WAV (PCM 16, float 32, stereo)', async () => {
      const tone = sine(800, 440, 8000)
      for (const [i, spec] of [
        { bits: 16, rate: 8000, channels: [tone] },
        { bits: 32, rate: 8000, code: 3, channels: [tone] },
        { bits: 24, rate: 8000, channels: [tone, tone] },
      ].entries())
        await fuzz(`wav${i}`, makeWav(spec), '.wav', 50, BINARY, (f) => decodeAudio(f))
    })

    it('FLAC', async () => {
      const flac = await fs.readFile(path.join(here, 'fixtures/tone.flac'))
      await fuzz('flac', flac, '.flac', 80, BINARY, (f) => decodeAudio(f))
    })

    it('CSV time series', async () => {
      const rows = [
        'time,ax,ay,label',
        ...Array.from(
          { length: 60 },
          (_, i) => `${(i / 50).toFixed(2)},${Math.sin(i)},${i % 7},${i < 30 ? 'rest' : 'walk'}`,
        ),
      ]
      await fuzz('csv', Buffer.from(rows.join('\n') + '\n'), '.csv', 120, TEXT, (f) =>
        readSeriesCsv(f),
      )
      await fuzz(
        'csv-nolabel',
        Buffer.from(rows.map((l) => l.split(',').slice(0, 3).join(';')).join('\n')),
        '.csv',
        40,
        TEXT,
        (f) => readSeriesCsv(f),
      )
    })

    it('every label format', async () => {
      for (const format of FORMATS) {
        if (!format.write) continue // read-only formats: seeded below
        const text = Buffer.from(format.write(segments))
        await fuzz(`labels-${format.name}`, text, format.extensions[0]!, 40, TEXT, (f) =>
          readLabels(f, { format: format.name }),
        )
        // And through format detection, as an import would.
        await fuzz(`labels-${format.name}-sniffed`, text, format.extensions[0]!, 10, TEXT, (f) =>
          readLabels(f),
        )
      }
    })

    it('every label format Framewise only reads, from seeds written after their docs', async () => {
      const seeds: Record<string, [ext: string, text: string]> = {
        // DCASE/TUT event list: file, onset, offset, label (one recording, so no file needs naming)
        dcase: ['.tsv', 'a.wav\t0.5\t1.0\tdog\na.wav\t2\t3.25\tcar\na.wav\n'],
        // AudioSet strong labels, with its header
        audioset: [
          '.tsv',
          'segment_id\tstart_time_seconds\tend_time_seconds\tlabel\nYabc_30000\t0.5\t1.2\t/m/09x0r\nYabc_30000\t2\t2.5\t/m/0bt9lr\n',
        ],
        labelstudio: [
          '.json',
          JSON.stringify([
            {
              data: { audio: '/data/upload/1/ab12cd34-rec.wav' },
              annotations: [
                {
                  result: [
                    { type: 'labels', value: { start: 0.5, end: 1, labels: ['a'] } },
                    {
                      type: 'timeserieslabels',
                      value: { start: 2, end: 3, timeserieslabels: ['b'] },
                    },
                    {
                      type: 'timelinelabels',
                      value: { ranges: [{ start: 1, end: 5 }], timelinelabels: ['c'] },
                    },
                  ],
                },
              ],
            },
          ]),
        ],
        boris: [
          '.tsv',
          'Observation id\tSubject\tBehavior\tBehavioral category\tStatus\tTime\n' +
            'o\tA\twalk\tmove\tSTART\t1.5\no\tA\tbark\tsound\tPOINT\t2\no\tA\twalk\tmove\tSTOP\t3\n',
        ],
        timit: ['.phn', '0 8000 h#\n8000 12000 sh\n12000 16000 iy\n'],
      }
      for (const format of FORMATS.filter((f) => !f.write)) {
        const seed = seeds[format.name]
        expect(seed, `a fuzz seed for ${format.name}`).toBeDefined()
        const [ext, text] = seed
        const options = { format: format.name, rate: 16000, frameRate: 25 }
        await fuzz(`labels-${format.name}`, Buffer.from(text), ext, 40, TEXT, (f) =>
          readLabels(f, options),
        )
        await fuzz(`labels-${format.name}-sniffed`, Buffer.from(text), ext, 10, TEXT, (f) =>
          readLabels(f, { rate: 16000, frameRate: 25 }),
        )
      }
    })

    it('framewise.json and label files (Project.open, view, readLabels)', async () => {
      const projectDir = path.join(dir, 'project')
      await fs.mkdir(projectDir)
      await fs.writeFile(path.join(projectDir, 'a.wav'), 'RIFF')
      const p = await Project.create(projectDir)
      await p.addMedia(['a.wav'])
      await p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'event' }], 0)
      const manifest = await fs.readFile(path.join(projectDir, MANIFEST_FILE))
      const labelFile = path.join(projectDir, 'labels/a.labels.json')
      const labels = await fs.readFile(labelFile)
      // Each case is a project folder of its own, so the error must name its framewise.json.
      await fuzz('manifest', manifest, '', 100, TEXT, async (f) => {
        const caseDir = `${f}.d`
        await fs.mkdir(caseDir, { recursive: true })
        await fs
          .rename(f, path.join(caseDir, MANIFEST_FILE))
          .catch(() => fs.copyFile(f, path.join(caseDir, MANIFEST_FILE)))
        await fs.writeFile(f, '') // the harness removes it
        try {
          const opened = await Project.open(caseDir)
          await opened.view()
        } catch (err) {
          if (err instanceof ApiError) throw new ApiError(err.code, `${f}: ${err.message}`) // name the case file the harness knows
          throw err
        } finally {
          await fs.rm(caseDir, { recursive: true, force: true })
        }
      })
      await fuzz('label-file', labels, '.json', 100, TEXT, async (f) => {
        await fs.copyFile(f, labelFile)
        try {
          await p.readLabels('a.wav')
        } catch (err) {
          if (err instanceof ApiError && err.message.startsWith(labelFile))
            throw new ApiError(err.code, `${f}: ${err.message}`)
          throw err
        }
      })
    })

    it('training checkpoints (RunStore.readCheckpoint)', async () => {
      const P = 64
      const checkpoint = {
        epoch: 3,
        params: new Float32Array(P).fill(0.5),
        best: { params: new Float32Array(P).fill(0.25), epoch: 2, score: 0.75 },
        optimizer: { t: 30, m: new Float64Array(P), v: new Float64Array(P) },
        history: [
          {
            epoch: 1,
            trainLoss: 1,
            valLoss: 1,
            valAccuracy: 0.5,
            valMacroF1: 0.5,
            seconds: 1,
            framesPerSecond: 100,
          },
        ],
      }
      await fuzz(
        'checkpoint',
        Buffer.from(encodeCheckpoint(checkpoint)),
        '.bin',
        100,
        BINARY,
        async (f) => decodeCheckpoint(await fs.readFile(f), f),
      )
    })

    it('training run records (RunStore.read)', async () => {
      const project = path.join(dir, 'runs-project')
      const store = new RunStore(project)
      const record = {
        id: 'r1',
        status: 'done',
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:01:00.000Z',
        durationSeconds: 60,
        settings: trainSettingsSchema.parse({}),
        features: { kind: 'audio' },
        classes: ['a', 'b'],
        dataHash: 'ab',
        files: { train: ['x.wav'], val: [] },
        classWeights: [1, 1],
        history: [
          {
            epoch: 1,
            trainLoss: 1,
            valLoss: null,
            valAccuracy: null,
            valMacroF1: null,
            seconds: 1,
            framesPerSecond: 9,
          },
        ],
        bestEpoch: 1,
        model: 'model.onnx',
        error: null,
      } as const
      await store.write(structuredClone(record) as never)
      const runJson = await fs.readFile(path.join(store.dir('r1'), 'run.json'))
      await fuzz('run-record', runJson, '.json', 60, TEXT, async (f) => {
        const id = path.basename(f, '.json')
        await fs.mkdir(store.dir(id), { recursive: true })
        await fs.copyFile(f, path.join(store.dir(id), 'run.json'))
        try {
          await store.read(id)
        } catch (err) {
          // The store names runs/<id>/run.json; the harness knows the case by its own file.
          if (err instanceof DataError) throw new DataError(f, err.message)
          throw err
        } finally {
          await fs.rm(store.dir(id), { recursive: true, force: true })
        }
      })
    })

    it('ONNX models (inspectModel, readModel)', async () => {
      // A small tagger of our own export, so the metadata (spec, classes) is fuzzed too.
      const config = { ...configA('gru'), hiddenSize: 4, numClasses: 3 }
      const exported = path.join(dir, 'export', 'small.onnx')
      await fs.mkdir(path.dirname(exported))
      await exportTagger(exported, {
        config,
        params: randomParams(config, 3),
        spec: specF40(),
        classes: ['a', 'b', 'c'],
      })
      const onnx = await fs.readFile(exported)
      // Its card: each case is a card beside a copy of the model (readModelCard finds it by name).
      const card = await fs.readFile(cardPathOf(exported))
      await fuzz('model-card', card, '.json', 60, TEXT, async (f) => {
        const model = f.replace(/\.json$/, '.onnx')
        await fs.copyFile(exported, model)
        try {
          await readModelCard(model)
        } finally {
          await fs.rm(model, { force: true })
        }
      })
      let n = 0
      await fuzz('onnx', onnx, '.onnx', 80, BINARY, async (f) => {
        if (++n % 20 === 0) await releaseSessions()
        await inspectModel(f)
        await readModel(f)
      })
    })

    it('output-recurrent ONNX models (readModel, then decoding with the read-back or onnxruntime driver)', async () => {
      // previous_labels, state inputs/outputs and framewise.decoder are fuzzed with the weights
      const config = {
        ...configA('lstm'),
        inputSize: 40 + 3,
        hiddenSize: 4,
        numClasses: 3,
        bidirectional: false,
        outputRecurrence: true,
      }
      const exported = path.join(dir, 'export-or', 'or.onnx')
      await fs.mkdir(path.dirname(exported))
      await exportTagger(exported, {
        config,
        params: randomParams(config, 3),
        spec: specF40(),
        classes: ['a', 'b', 'c'],
        decoder: { decode: 'beam', beam: 2 },
      })
      const x = Float32Array.from({ length: 12 * 40 }, (_, i) => Math.sin(i))
      let n = 0
      await fuzz('onnx-feedback', await fs.readFile(exported), '.onnx', 60, BINARY, async (f) => {
        if (++n % 20 === 0) await releaseSessions()
        const model = await readModel(f)
        if (model.numFeatures !== 40) return
        await decodeOnnx(model, x, 12, 40)
        await decodeOnnx(model, x, 12, 40, { driver: 'onnx' })
      })
    })
  },
)
