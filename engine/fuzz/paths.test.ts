/**
 * Hostile paths where a file is expected: a FIFO, /dev/zero, /dev/null, a folder, a symlink loop,
 * a symlink out of the project and a 300 MB sparse file, put where a manifest, label file, media
 * file, model or feature spec belongs, in every request of engine/api.ts that takes a path or
 * media (through Service.call) and every CLI command that takes a file (in-process runCli).
 * Each case must end within a time bound with a result or one printable error line that quotes
 * nothing of a file outside the project, and memory must stay bounded. Six FIFO requests at once
 * (libuv has four file threads) must leave the service answering. `FW_FUZZ_SCALE` repeats the
 * matrix.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeWav, sine } from '../media/audio/testing'
import { runCli } from '../testing/cli'
import { releaseSessions } from '../onnx/read'
import { Service } from '../service'
import { fuzzScale, reportFuzz } from './report'

const KINDS = [
  'fifo',
  'dev-zero',
  'dev-null',
  'folder',
  'symlink-loop',
  'symlink-out',
  'sparse-300MB',
] as const
type Kind = (typeof KINDS)[number]
/** One case may take this long on a busy 2-core machine; a hang fails the case instead of stalling. */
const CASE_MS = 8_000
/** Peak resident memory allowed over the run (a 300 MB sparse model may be read once, whole). */
const MEMORY_BYTES = 1.5 * 2 ** 30
/** Bytes of the file outside the project that no message may quote. */
const SECRET = 'root:$6$SECRET-HASH\x00\x1b[31m\xff:19000:0:99999:7:::\n'
const external = path.resolve('engine/infer/fixtures/tagger_A_lstm.onnx') // F=40 logmel, 4 classes
const logmel40 = { kind: 'audio', features: [{ name: 'logmel' }], deltas: 0 }

let root: string
let secret: string
const fifos = new Set<string>()
let peakRss = 0
let sampler: NodeJS.Timeout
const figures = { cases: 0, hangs: 0, errors: 0, answered: 0 }

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-fuzz-paths-'))
  secret = path.join(root, 'outside', 'shadow')
  await fs.mkdir(path.dirname(secret))
  await fs.writeFile(secret, SECRET)
  sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)
})
afterAll(async () => {
  clearInterval(sampler)
  unblockFifos()
  await releaseSessions()
  await fs.rm(root, { recursive: true, force: true })
  reportFuzz('paths', { ...figures, peakRssMB: Math.round(peakRss / 2 ** 20) })
})

/** Make `target` be a hostile `kind` of file (replacing what is there). */
async function place(kind: Kind, target: string): Promise<void> {
  await fs.rm(target, { recursive: true, force: true })
  await fs.mkdir(path.dirname(target), { recursive: true })
  if (kind === 'fifo') {
    execFileSync('mkfifo', [target])
    fifos.add(target)
  } else if (kind === 'dev-zero') await fs.symlink('/dev/zero', target)
  else if (kind === 'dev-null') await fs.symlink('/dev/null', target)
  else if (kind === 'folder') await fs.mkdir(target)
  else if (kind === 'symlink-loop') await fs.symlink(target, target)
  else if (kind === 'symlink-out') await fs.symlink(secret, target)
  else execFileSync('truncate', ['-s', '300M', target])
}

/** A reader stuck on a FIFO (a hang the case already reported) gets EOF, so the next cases run. */
function unblockFifos(): void {
  for (const f of fifos)
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
    } catch {
      // no reader waiting (ENXIO): nothing hangs on it
    }
}

/** `work`'s outcome, or 'hang' after CASE_MS. */
async function bounded<T>(work: () => Promise<T>): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<'hang'>(
    (resolve) => (timer = setTimeout(() => resolve('hang'), CASE_MS)),
  )
  try {
    return await Promise.race([work(), hang])
  } finally {
    clearTimeout(timer)
    unblockFifos()
  }
}

/** What a message must be: one line, no raw control or undecodable bytes, nothing of the secret. */
function expectClear(what: string, message: string, projectNamed: boolean): void {
  expect.soft(message, what).not.toMatch(/[\n\r]/)
  expect.soft(message, what).not.toMatch(/[\p{Cc}\uFFFD]/u)
  expect.soft(message.length, what).toBeLessThan(2000)
  if (projectNamed) expect.soft(message, what).not.toContain('SECRET')
}

const wav = () => makeWav({ bits: 16, rate: 16000, channels: [sine(16000, 440, 16000, 0.5)] })
const csv = () =>
  'time,a,b\n' +
  Array.from({ length: 200 }, (_, i) => `${i / 50},${Math.sin(i)},${i % 7}`).join('\n') +
  '\n'

/** A service with a fresh project holding tone.wav (labelled), log.csv and the imported model. */
async function projectService(name: string): Promise<{ service: Service; dir: string }> {
  const dir = path.join(root, name)
  await fs.mkdir(dir, { recursive: true })
  await fs.writeFile(path.join(dir, 'tone.wav'), wav())
  await fs.writeFile(path.join(dir, 'log.csv'), csv())
  const service = new Service(() => {})
  const must = async (method: string, params: unknown) => {
    const r = await service.call(method, params)
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
    return r.result
  }
  await must('createProject', { dir })
  await must('setClasses', {
    classes: ['a', 'b', 'c', 'd'].map((n, i) => ({ name: n, color: '#ff0000', hotkey: i + 1 })),
  })
  await must('addMedia', { paths: ['tone.wav', 'log.csv'] })
  await must('saveLabels', {
    media: 'tone.wav',
    baseRevision: 0,
    segments: [{ start: 0.1, end: 0.4, label: 'a' }],
  })
  await must('importModel', { path: external, features: logmel40, classes: ['a', 'b', 'c', 'd'] })
  return { service, dir }
}

interface Call {
  method: string
  params: unknown
}

/** Run `calls` on `service`, each bounded; a hang or an internal error or unclear message fails. */
async function expectAnswers(
  what: string,
  service: Service,
  calls: Call[],
  projectNamed: boolean,
): Promise<void> {
  for (const { method, params } of calls) {
    const label = `${what}: ${method}`
    figures.cases++
    const r = await bounded(() => service.call(method, params))
    if (r === 'hang') figures.hangs++
    expect.soft(r, `${label} did not answer within ${CASE_MS} ms`).not.toBe('hang')
    if (r === 'hang') continue
    if (r.ok) {
      figures.answered++
      for (const m of (r.result as { media?: { problem?: string }[] } | null)?.media ?? [])
        if (m.problem) expectClear(label, m.problem, projectNamed)
    } else {
      figures.errors++
      expect.soft(r.error.code, `${label}: ${r.error.message}`).not.toBe('internal')
      expectClear(label, r.error.message, projectNamed)
    }
    expect.soft(process.memoryUsage().rss, `${label}: memory`).toBeLessThan(MEMORY_BYTES)
  }
}

const rounds = Math.max(1, Math.round(fuzzScale()))

describe.each(KINDS)('a %s where a file is expected', (kind) => {
  it('in every path-taking request', { timeout: 600_000 }, async () => {
    for (let round = 0; round < rounds; round++) {
      const { service, dir } = await projectService(`svc-${kind}-${round}`)
      const job = (n: string) => `${n}-${kind}-${round}`
      // User-named paths: the user may name any file, but not get a hang or raw bytes back.
      for (const name of ['x.json', 'x.txt', 'x.csv', 'x.TextGrid', 'x.selections.txt']) {
        const p = path.join(root, `user-${kind}-${round}`, name)
        await place(kind, p)
        await expectAnswers(
          `importLabels ${name}`,
          service,
          [{ method: 'importLabels', params: { media: 'tone.wav', path: p } }],
          false,
        )
      }
      const user = path.join(root, `user-${kind}-${round}`)
      await place(kind, path.join(user, 'm.onnx'))
      await place(kind, path.join(user, 'out.json'))
      await place(kind, path.join(user, 'out.onnx'))
      await place(kind, path.join(user, 'dir'))
      await place(kind, path.join(user, 'new.wav'))
      await expectAnswers(
        'user paths',
        service,
        [
          {
            method: 'importLabels',
            params: { media: 'tone.wav', path: path.join(user, 'x.json'), format: 'json' },
          },
          { method: 'importModel', params: { path: path.join(user, 'm.onnx') } },
          {
            method: 'importModel',
            params: {
              path: path.join(user, 'm.onnx'),
              features: logmel40,
              classes: ['a', 'b', 'c', 'd'],
            },
          },
          {
            method: 'exportLabels',
            params: { media: 'tone.wav', path: path.join(user, 'out.json'), overwrite: true },
          },
          {
            method: 'exportModel',
            params: { model: 'file:tagger_A_lstm.onnx', path: path.join(user, 'out.onnx') },
          },
          { method: 'listDir', params: { dir: path.join(user, 'dir') } },
          // the devices named directly, as a user could type them
          {
            method: 'importLabels',
            params: { media: 'tone.wav', path: '/dev/zero', format: 'audacity' },
          },
          { method: 'importLabels', params: { media: 'tone.wav', path: '/dev/null' } },
          { method: 'importModel', params: { path: '/dev/zero' } },
          { method: 'listDir', params: { dir: '/dev/null' } },
          { method: 'addMedia', params: { paths: [path.join(user, 'new.wav')] } },
          { method: 'getProject', params: {} },
        ],
        false,
      )

      // Project-named files: the model, the media, the label file, the manifest.
      await place(kind, path.join(dir, 'models', 'tagger_A_lstm.onnx'))
      await expectAnswers(
        'model file',
        service,
        [
          { method: 'listModels', params: {} },
          {
            method: 'predict',
            params: { jobId: job('p1'), model: 'file:tagger_A_lstm.onnx', media: 'tone.wav' },
          },
          { method: 'evaluate', params: { jobId: job('e1'), model: 'file:tagger_A_lstm.onnx' } },
        ],
        true,
      )
      await expectAnswers(
        'restore model',
        service,
        [
          {
            method: 'importModel',
            params: { path: external, features: logmel40, classes: ['a', 'b', 'c', 'd'] },
          },
        ],
        false,
      )
      await place(kind, path.join(dir, 'tone.wav'))
      await place(kind, path.join(dir, 'log.csv'))
      await expectAnswers(
        'media file',
        service,
        [
          { method: 'getProject', params: {} },
          {
            method: 'getPeaks',
            params: { media: 'tone.wav', start: 0, end: 1, pixels: 100, jobId: job('pk') },
          },
          {
            method: 'getSpectrogram',
            params: {
              media: 'tone.wav',
              start: 0,
              end: 1,
              columns: 64,
              bands: 32,
              jobId: job('sg'),
            },
          },
          {
            method: 'getSeries',
            params: { media: 'log.csv', start: 0, end: 1, points: 100, jobId: job('sr') },
          },
          { method: 'getMediaSource', params: { media: 'tone.wav' } },
          {
            method: 'predict',
            params: { jobId: job('p2'), model: 'file:tagger_A_lstm.onnx', media: 'tone.wav' },
          },
          {
            method: 'train',
            params: {
              jobId: job('t'),
              settings: { hidden: 4, layers: 1, epochs: 1, chunk: 50, threads: 1 },
            },
          },
        ],
        true,
      )
      await place(kind, path.join(dir, 'labels', 'tone.labels.json'))
      await expectAnswers(
        'label file',
        service,
        [
          { method: 'getProject', params: {} },
          { method: 'getLabels', params: { media: 'tone.wav' } },
          { method: 'listLabelVersions', params: { media: 'tone.wav' } },
          { method: 'saveLabels', params: { media: 'tone.wav', baseRevision: 1, segments: [] } },
          {
            method: 'exportLabels',
            params: { media: 'tone.wav', path: path.join(root, `exp-${kind}-${round}.json`) },
          },
          {
            method: 'setClasses',
            params: { classes: [{ name: 'z', color: '#000000', hotkey: null }] },
          },
          { method: 'openProject', params: { dir } },
        ],
        true,
      )
      await place(kind, path.join(dir, 'framewise.json'))
      await expectAnswers(
        'manifest',
        service,
        [
          { method: 'reloadProject', params: {} },
          { method: 'getProject', params: {} },
          { method: 'setReviewed', params: { media: 'tone.wav', reviewed: true } },
          { method: 'openProject', params: { dir } },
        ],
        true,
      )
      await service.close()
    }
  })

  it('in every CLI command that takes a file', { timeout: 600_000 }, async () => {
    for (let round = 0; round < rounds; round++) {
      const base = path.join(root, `cli-${kind}-${round}`)
      const bad = (name: string) => path.join(base, 'bad', name)
      for (const n of ['x.onnx', 'x.wav', 'x.csv', 'x.txt', 'spec.json']) await place(kind, bad(n))
      // a data folder, a project and a score folder, each with one hostile file among good ones
      const data = path.join(base, 'data')
      await fs.mkdir(data, { recursive: true })
      await fs.writeFile(path.join(data, 'ok.wav'), wav())
      await fs.writeFile(path.join(data, 'ok.txt'), '0.1\t0.4\ta\n')
      await place(kind, path.join(data, 'bad.wav'))
      await fs.writeFile(path.join(data, 'bad.txt'), '0.1\t0.4\ta\n')
      const labels = path.join(base, 'labels')
      await fs.mkdir(labels, { recursive: true })
      await fs.writeFile(path.join(labels, 'ok.txt'), '0.1\t0.4\ta\n')
      await place(kind, path.join(labels, 'bad.txt'))
      const { service, dir: project } = await projectService(`cli-project-${kind}-${round}`)
      await service.close()
      await place(kind, path.join(project, 'labels', 'tone.labels.json'))
      const manifestless = path.join(base, 'project-manifest')
      await fs.mkdir(manifestless, { recursive: true })
      await place(kind, path.join(manifestless, 'framewise.json'))
      const spec = path.join(base, 'spec.json')
      await fs.writeFile(spec, JSON.stringify(logmel40))
      const good = path.join(data, 'ok.wav')
      const out = path.join(base, 'out')
      const predict = ['--out', out, '--spec', spec, '--classes', 'a,b,c,d']
      const train = [
        '--out',
        path.join(base, 'm.onnx'),
        '--hidden',
        '4',
        '--layers',
        '1',
        '--epochs',
        '1',
        '--chunk',
        '50',
        '--threads',
        '1',
      ]
      // [argv, names a project, is a batch: each failed file is a warning as it fails, then a
      // summary listing them, and the good files are still predicted]
      const argvs: [string[], boolean, ('batch' | undefined)?][] = [
        [['info', manifestless], true],
        [['info', project], true],
        [['info', bad('x.onnx')], false],
        [['features', bad('x.wav')], false],
        [['features', bad('x.csv')], false],
        [['features', good, '--spec', bad('spec.json')], false],
        [['predict', bad('x.onnx'), good, ...predict], false],
        [['predict', external, bad('x.wav'), ...predict], false],
        [['predict', external, data, ...predict], false, 'batch'],
        [
          [
            'predict',
            external,
            good,
            '--out',
            out,
            '--spec',
            bad('spec.json'),
            '--classes',
            'a,b,c,d',
          ],
          false,
        ],
        [['train', data, ...train], false],
        [['train', project, ...train], true],
        [['train', manifestless, ...train], true],
        [['train', data, ...train, '--features', bad('spec.json')], false],
        [['eval', bad('x.onnx'), data], false],
        [['eval', external, manifestless], true],
        [['convert', bad('x.txt'), '--to', 'json', '--out', path.join(base, 'c.json')], false],
        [
          [
            'convert',
            bad('x.txt'),
            '--from',
            'audacity',
            '--to',
            'json',
            '--out',
            path.join(base, 'c.json'),
          ],
          false,
        ],
        [['score', labels, labels], false],
        [['score', bad('x.txt'), labels], false],
        [
          [
            'convert',
            '/dev/zero',
            '--from',
            'audacity',
            '--to',
            'json',
            '--out',
            path.join(base, 'c.json'),
          ],
          false,
        ],
        [['features', '/dev/zero'], false],
        [['info', '/dev/zero.onnx'], false],
      ]
      for (const [argv, projectNamed, batch] of argvs) {
        const what = `framewise ${argv.map((a) => (a.startsWith(base) ? path.relative(base, a) : path.basename(a))).join(' ')}`
        figures.cases++
        const r = await bounded(() => runCli(argv))
        if (r === 'hang') figures.hangs++
        expect.soft(r, `${what} did not finish within ${CASE_MS} ms`).not.toBe('hang')
        if (r === 'hang') continue
        if (r.code === 0) figures.answered++
        else {
          figures.errors++
          // progress lines, and Node's warnings about this test running many commands in one process
          const lines = r.stderr
            .split('\n')
            .filter((l) => l && !/^\d+% |^\(node:\d+\) |^\(Use `node --trace-warnings/.test(l))
          if (batch) {
            expect.soft(lines.length, `${what}: stderr ${r.stderr}`).toBeGreaterThan(1)
            expect.soft(lines.at(-1), what).toMatch(/^framewise: +\S/)
            for (const line of lines) {
              expect.soft(line, what).toMatch(/^(framewise|warning): /)
              expect.soft(line, what).not.toContain('internal error')
              expectClear(what, line.replace(/^warning: /, 'framewise: '), projectNamed)
            }
          } else {
            expect.soft(lines, `${what}: stderr ${r.stderr}`).toHaveLength(1)
            expect.soft(lines[0], what).toMatch(/^framewise: /)
            expect.soft(lines[0], what).not.toContain('internal error')
            expectClear(what, lines[0] ?? '', projectNamed)
          }
        }
        expect.soft(process.memoryUsage().rss, `${what}: memory`).toBeLessThan(MEMORY_BYTES)
      }
    }
  })
})

describe('FIFOs cannot starve the file threads', () => {
  it('answers a normal request after six FIFO requests at once', { timeout: 120_000 }, async () => {
    const { service } = await projectService('burst')
    const calls: Promise<unknown>[] = []
    for (let i = 0; i < 6; i++) {
      // half open a project whose framewise.json is a FIFO, half import a FIFO as labels
      const p = path.join(root, 'burst-fifos', `d${i}`, i % 2 ? 'labels.json' : 'framewise.json')
      await place('fifo', p)
      calls.push(
        service.call(
          i % 2 ? 'importLabels' : 'openProject',
          i % 2 ? { media: 'tone.wav', path: p } : { dir: path.dirname(p) },
        ),
      )
    }
    figures.cases += 7
    const started = Date.now()
    // a request that needs the file threads (it reads the label file and the manifest)
    const normal = await bounded(() => service.call('getLabels', { media: 'tone.wav' }))
    const burst = await bounded(() => Promise.all(calls))
    if (normal === 'hang') figures.hangs++
    expect(normal, 'a normal request after six FIFO requests').not.toBe('hang')
    expect(normal).toMatchObject({ ok: true, result: { revision: 1 } })
    expect(burst, 'the FIFO requests themselves').not.toBe('hang')
    expect(Date.now() - started).toBeLessThan(CASE_MS)
    await service.close()
  })
})
