/**
 * Malformed API messages, to Service.call and through the browser-mode WebSocket: random JSON,
 * wrong types, unknown and prototype-named methods, `__proto__`/`constructor` keys, deep nesting,
 * huge payloads and binary frames. The service never throws, every message gets exactly one
 * answer (an error unless it happened to be a valid harmless request), and no prototype is
 * polluted. Seeded (FW_SEED); the counts scale with FW_FUZZ_SCALE and are reported (reportFuzz).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { requestNames, type ErrorCode } from '../api'
import { startServer, type RunningServer } from '../server'
import { Service } from '../service'
import { fuzzScale, reportFuzz } from './report'
import { rng } from './rng'

const SEED = Number(process.env.FW_SEED ?? 1)
const SCALE = fuzzScale()
const CODES: ErrorCode[] = [
  'invalid-request',
  'unknown-method',
  'no-project',
  'bad-input',
  'conflict',
  'corrupt',
  'locked',
  'cancelled',
  'busy',
  'internal',
]
/** Requests that create or write files where their (random) arguments point, or start long jobs. */
const WRITERS = new Set([
  'createProject',
  'exportModel',
  'importModel',
  'train',
  'predict',
  'addMedia',
  'setClasses',
  'saveLabels',
  'restoreLabelVersion',
  'keepProject',
  'setClipClass',
])
const KEYS = [
  'dir',
  'media',
  'segments',
  'start',
  'end',
  'label',
  'baseRevision',
  'jobId',
  'buckets',
  'pixels',
  'points',
  'paths',
  'classes',
  'name',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'force',
  'version',
  'x',
]
const STRINGS = [
  '',
  'a.wav',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  '\u0000',
  'x'.repeat(5000),
  '💥',
  'null',
  '{}',
  '%00',
  'C:\\\\Windows',
  'run:../../x',
]

type R = ReturnType<typeof rng>

function value(r: R, depth = 0): unknown {
  const k = r.int(0, depth > 3 ? 5 : 8)
  switch (k) {
    case 0:
      return null
    case 1:
      return r.pick([true, false])
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e-320])
    case 3:
      return r.pick(STRINGS)
    case 4:
      return r.int(0, 1_000_000)
    case 5:
      return r.pick(['NaN', 'Infinity', '-0'])
    case 6:
      return Array.from({ length: r.int(0, 5) }, () => value(r, depth + 1))
    default: {
      const o: Record<string, unknown> = {}
      for (let i = r.int(0, 5); i > 0; i--)
        Object.defineProperty(o, r.pick(KEYS), {
          value: value(r, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true,
        })
      return o
    }
  }
}

/** A raw message text: mostly {id, method, params} shaped, sometimes not JSON at all. */
function message(r: R, id: number): string {
  const kind = r.int(0, 9)
  if (kind === 0)
    return r.pick(['', 'not json', '{', '[]', 'null', '42', '"str"', '{"id":', '\u0000'.repeat(10)])
  if (kind === 1) return '['.repeat(r.int(100, 20_000)) // deep nesting
  if (kind === 2)
    return JSON.stringify({
      id,
      method: r.pick(['getLabels', 'listDir']),
      params: { media: 'x'.repeat(r.int(4097, 100_000)) },
    })
  if (kind === 3)
    return `{"id":${id},"method":"getProject","params":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true}}`
  const method =
    r.next() < 0.7
      ? r.pick(requestNames.filter((n) => !WRITERS.has(n)))
      : r.pick([
          '',
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'call',
          'handlers',
          'getproject',
          'x'.repeat(300),
        ])
  const msg: Record<string, unknown> = {
    id: r.next() < 0.9 ? id : value(r),
    method: r.next() < 0.95 ? method : value(r),
    params: value(r),
  }
  return JSON.stringify(msg)
}

let dir: string
let server: RunningServer
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-msgfuzz-'))
  await fs.writeFile(path.join(dir, 'a.wav'), 'RIFF')
  server = await startServer({ rendererDir: dir })
  expect(await server.service.call('createProject', { dir: path.join(dir, 'p') })).toMatchObject({
    ok: true,
  })
})
afterAll(async () => {
  await server.close()
  await fs.rm(dir, { recursive: true, force: true })
})

function expectEnvelope(reply: any, what: string): void {
  expect(typeof reply === 'object' && reply !== null, what).toBe(true)
  if (reply.ok === true) return
  expect(reply.ok, what).toBe(false)
  expect(CODES, `${what}: ${JSON.stringify(reply.error)}`).toContain(reply.error.code)
  expect(typeof reply.error.message, what).toBe('string')
}

const figures = { serviceCalls: 0, socketMessages: 0, binary: 0, crashes: 0, hangs: 0 }
let peakRss = 0
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
/** What would have killed a server process: counted here, and vitest fails the file on them too. */
const fault = () => figures.crashes++
beforeAll(() => void process.on('uncaughtException', fault).on('unhandledRejection', fault))
afterAll(() => void process.off('uncaughtException', fault).off('unhandledRejection', fault))

describe('malformed API messages', { timeout: 60_000 * SCALE }, () => {
  afterAll(() =>
    reportFuzz('messages', {
      cases: figures.serviceCalls + figures.socketMessages,
      ...figures,
      peakRssMB: Math.round(peakRss / 2 ** 20),
    }),
  )

  it('Service.call answers every one with an envelope and never throws', async () => {
    const r = rng(SEED)
    const service = new Service(() => {})
    let n = 0
    for (let i = 0; i < 1500 * SCALE; i++) {
      const method = r.next() < 0.8 ? r.pick(requestNames.filter((m) => !WRITERS.has(m))) : value(r)
      const reply = await service.call(method, value(r))
      expectEnvelope(reply, `call(${JSON.stringify(method)?.slice(0, 80)})`)
      n++
    }
    // Methods that write, with random arguments: always refused by validation.
    for (const method of WRITERS)
      for (let i = 0; i < 30 * SCALE; i++) {
        const params = value(r)
        const reply = await service.call(method, params)
        if (reply.ok) throw new Error(`${method} accepted random params ${JSON.stringify(params)}`)
        expectEnvelope(reply, method)
        n++
      }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    figures.serviceCalls = n
    sampleRss()
    expect(figures.crashes).toBe(0)
  })

  it('the WebSocket answers every message once, keeps serving, and nothing is polluted', async () => {
    const r = rng(SEED + 1)
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      headers: { Origin: `http://127.0.0.1:${server.port}` },
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const replies: any[] = []
    ws.on('message', (data) => replies.push(JSON.parse(data.toString())))
    const N = Math.round(400 * SCALE)
    let binary = 0
    // Two huge ones (~8 MB each): a saveLabels with 100k segments and one long string.
    const big = { start: 0, end: 1, label: 'x'.repeat(50) }
    ws.send(
      JSON.stringify({
        id: 1,
        method: 'saveLabels',
        params: { media: 'a.wav', baseRevision: 0, segments: Array(100_000).fill(big) },
      }),
    )
    ws.send(
      JSON.stringify({ id: 2, method: 'openProject', params: { dir: 'y'.repeat(8_000_000) } }),
    )
    for (let i = 3; i <= N; i++) {
      if (r.next() < 0.03) {
        ws.send(Buffer.from([0, 1, 2, 3]), { binary: true })
        binary++
      } else ws.send(message(r, i))
    }
    const total = N
    for (let t = 0; t < 600 * SCALE && replies.length < total; t++) {
      await new Promise((res) => setTimeout(res, 50))
      sampleRss()
    }
    if (replies.length < total) figures.hangs = total - replies.length
    expect(replies.length, `${replies.length} of ${total} answered`).toBe(total)
    for (const reply of replies) expectEnvelope(reply, JSON.stringify(reply).slice(0, 200))
    // The huge ones are answered under their ids, with validation errors.
    expect(replies.find((x) => x.id === 1)).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('a.wav') },
    })
    expect(replies.find((x) => x.id === 2)).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    })
    // Still serving, the project still open and unharmed.
    ws.send(JSON.stringify({ id: 'last', method: 'getProject', params: {} }))
    for (let t = 0; t < 100 && !replies.some((x) => x.id === 'last'); t++)
      await new Promise((res) => setTimeout(res, 50))
    expect(replies.find((x) => x.id === 'last')).toMatchObject({
      ok: true,
      result: { dir: path.join(dir, 'p') },
    })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    ws.close()
    figures.socketMessages = total
    figures.binary = binary
    expect(figures.crashes).toBe(0)
  })
})
