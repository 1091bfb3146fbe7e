/**
 * Raw HTTP and WebSocket traffic against a real browser-mode server on 127.0.0.1: malformed
 * request lines and percent-encoding, huge and injected headers, slowloris-style partial
 * requests, pipelining; and, with the token, invalid UTF-8, fragmented, oversized, binary,
 * unmasked and bad-opcode frames, ping floods and bad close codes. After every case the server
 * must still answer getProject on a second connection, and nothing may escape to the process
 * (an uncaught exception or unhandled rejection would kill `framewise serve`). Seeded
 * (FW_SEED); counts scale with FW_FUZZ_SCALE; every loop is bounded in count and time.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startServer, type RunningServer } from '../server'
import { fuzzScale, reportFuzz } from './report'
import { rng } from './rng'
import {
  closeCodeOf,
  exchange,
  frame,
  getRequest,
  OP,
  rawWebSocket,
  serverFrames,
  statusOf,
  within,
} from './wire'

const SEED = Number(process.env.FW_SEED ?? 1)
const SCALE = fuzzScale()
/** The test server's bound on one HTTP request; a slow client must be cut off within it. */
const HTTP_TIMEOUT_MS = 400
/** How long any one case may take to be answered or closed before it counts as a hang. */
const CASE_MS = 3000
/** The whole run's time budget: loops stop early rather than run past it. */
const BUDGET_MS = 15_000 * SCALE

type R = ReturnType<typeof rng>

let dir: string
let server: RunningServer
let second: WebSocket
const figures = { cases: 0, http: 0, websocket: 0, slowloris: 0, crashes: 0, hangs: 0 }
let peakRss = 0
const faults: string[] = []
const fault = (e: unknown) => void (figures.crashes++, faults.push(String(e)))
const started = Date.now()
const inBudget = () => Date.now() - started < BUDGET_MS

beforeAll(async () => {
  process.on('uncaughtException', fault).on('unhandledRejection', fault)
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-httpfuzz-'))
  await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>')
  server = await startServer({ rendererDir: dir, httpTimeoutMs: HTTP_TIMEOUT_MS })
  expect(await server.service.call('createProject', { dir: path.join(dir, 'p') })).toMatchObject({
    ok: true,
  })
  second = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
    headers: { Origin: `http://127.0.0.1:${server.port}` },
  })
  await new Promise((resolve, reject) => second.once('open', resolve).once('error', reject))
})
afterAll(async () => {
  process.off('uncaughtException', fault).off('unhandledRejection', fault)
  second?.close()
  await server.close()
  await fs.rm(dir, { recursive: true, force: true })
  // memoryUsage in bytes, resourceUsage's maxRSS in kilobytes.
  reportFuzz('http', {
    ...figures,
    peakRssMB: Math.round(Math.max(peakRss / 2 ** 20, process.resourceUsage().maxRSS / 1024)),
  })
})

let aliveId = 0
/** After a case: the second connection still gets getProject answered, in time. */
async function alive(what: string): Promise<void> {
  figures.cases++
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  const id = `alive-${aliveId++}`
  const answered = new Promise<unknown>((resolve) => {
    const on = (data: Buffer) => {
      const reply = JSON.parse(data.toString())
      if (reply.id === id) (second.off('message', on), resolve(reply))
    }
    second.on('message', on)
  })
  second.send(JSON.stringify({ id, method: 'getProject', params: {} }))
  let reply: unknown
  const inTime = await within(
    answered.then((r) => (reply = r)),
    CASE_MS,
  )
  if (!inTime) figures.hangs++
  expect(inTime, `${what}: the server stopped answering`).toBe(true)
  expect(reply, what).toMatchObject({ ok: true, result: { dir: path.join(dir, 'p') } })
  expect(faults, what).toEqual([])
}

// --- HTTP -----------------------------------------------------------------------------------

const TARGETS = [
  '/%',
  '/%zz',
  '/%E0%A4%A',
  '/?token=%',
  '/media?id=%',
  '/%00',
  '/%%32%65',
  '/..%2f..%2fetc%2fpasswd',
  '/%C0%AE%C0%AE/',
  '/\u0000',
  '//x/%',
  '/media?id=%ff&token=%',
]
const PIECES = [
  '%',
  '%2',
  '%zz',
  '%E0',
  '%A4',
  '%80',
  '%FF',
  '%00',
  '%25',
  'a',
  '/',
  '..',
  '?',
  '=',
  '&',
  'token',
  'id',
  'media',
  '#',
  ';',
  '\u007f',
  '~',
  '%C3%28',
]

function target(r: R): string {
  if (r.next() < 0.4) return r.pick(TARGETS)
  let t = r.pick(['/', '/media?', '/?', '/assets/'])
  for (let i = r.int(1, 12); i > 0; i--) t += r.pick(PIECES)
  return t.replace(/[\s]/g, '')
}

/**
 * A request that is wrong in its line or headers, and the statuses it may get; null where the
 * parser is lenient (it takes `GET /` as HTTP/0.9): any answer under 500, or a close.
 */
function malformed(r: R, port: number): { bytes: string; expect: number[] | null } {
  const host = `Host: 127.0.0.1:${port}\r\n`
  switch (r.int(0, 9)) {
    case 0:
      return {
        bytes: `${r.pick(['GARBAGE', 'GET', 'GET /', '\u0001\u0002', 'GET / HTTP/9.9', 'GET / FOO/1.1', ' / HTTP/1.1'])}\r\n${host}\r\n`,
        expect: null,
      }
    case 1:
      return {
        bytes: getRequest(port, '/', `X-Big: ${'a'.repeat(r.int(20, 200) * 1024)}\r\n`),
        expect: [431],
      }
    case 2:
      return {
        bytes: getRequest(
          port,
          '/',
          Array.from({ length: r.int(1200, 4000) }, (_, i) => `X-${i}: ${'v'.repeat(10)}\r\n`).join(
            '',
          ),
        ),
        expect: [431],
      }
    case 3:
      return {
        bytes: `GET /${'a'.repeat(r.int(20, 100) * 1024)} HTTP/1.1\r\n${host}\r\n`,
        expect: [431, 414],
      }
    // Header injection: bare CR or LF, NUL, a folded line, a header without a colon.
    case 4:
      return {
        bytes: `GET / HTTP/1.1\r\n${host}X-Inject: a\rSet-Cookie: x=1\r\n\r\n`,
        expect: [400],
      }
    case 5:
      return { bytes: `GET / HTTP/1.1\r\n${host}X-Nul: a\u0000b\r\n\r\n`, expect: [400] }
    case 6:
      return { bytes: `GET / HTTP/1.1\r\n${host}X-Fold: a\r\n b\r\n\r\n`, expect: [400, 200] }
    case 7:
      return { bytes: `GET / HTTP/1.1\r\n${host}NoColon\r\n\r\n`, expect: [400] }
    // Request smuggling shapes: both lengths, two lengths, a bad chunk.
    case 8:
      return {
        bytes: `GET / HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        expect: [400],
      }
    default:
      return {
        bytes: `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`,
        expect: [400, 405],
      }
  }
}

describe('raw HTTP against the browser-mode server', { timeout: 60_000 * SCALE }, () => {
  it('answers malformed targets and requests with a status, never a crash or a hang', async () => {
    const r = rng(SEED)
    for (let i = 0; i < 80 * SCALE && inBudget(); i++) {
      const t = target(r)
      const { reply, closed } = await exchange(server.port, getRequest(server.port, t), {
        ms: CASE_MS,
      })
      const status = statusOf(reply)
      expect(status !== null || closed, `${JSON.stringify(t)}: neither answered nor closed`).toBe(
        true,
      )
      if (status !== null) expect(status, JSON.stringify(t)).toBeLessThan(500)
      figures.http++
      await alive(`GET ${JSON.stringify(t)}`)
    }
    for (let i = 0; i < 40 * SCALE && inBudget(); i++) {
      const m = malformed(r, server.port)
      const { reply, closed } = await exchange(server.port, m.bytes, { ms: CASE_MS })
      const status = statusOf(reply)
      const what = JSON.stringify(m.bytes.slice(0, 80))
      expect(status !== null || closed, `${what}: neither answered nor closed`).toBe(true)
      if (status !== null) {
        if (m.expect) expect(m.expect, `${what} → ${status}`).toContain(status)
        else expect(status, what).toBeLessThan(500)
      }
      figures.http++
      await alive(what)
    }
  })

  it('answers pipelined requests in order', async () => {
    const r = rng(SEED + 1)
    for (let i = 0; i < 10 * SCALE && inBudget(); i++) {
      const n = r.int(2, 30)
      // Targets the HTTP parser accepts (no control characters), so that each one is answered.
      const targets = Array.from({ length: n }, () => (r.next() < 0.5 ? '/' : target(r))).map((t) =>
        t.replace(/[\u0000-\u001f\u007f]/g, ''),
      )
      // The last one asks the server to close once it is answered.
      const bytes = targets
        .map((t, k) => getRequest(server.port, t, k === n - 1 ? 'Connection: close\r\n' : ''))
        .join('')
      const { reply } = await exchange(server.port, bytes, { ms: CASE_MS, untilStatus: false })
      const statuses = [...reply.toString('latin1').matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) =>
        Number(m[1]),
      )
      expect(statuses, targets.join(' ')).toHaveLength(n)
      figures.http++
      await alive(`pipelined ${n}`)
    }
  })

  it('cuts off slowloris-style partial requests within its bound', async () => {
    const r = rng(SEED + 2)
    for (let round = 0; round < 2 * SCALE && inBudget(); round++) {
      const partials = Array.from({ length: 10 }, () => {
        const full = getRequest(server.port, '/', 'X-Slow: 1\r\n')
        return full.slice(0, r.int(1, full.length - 2)) // never the final blank line
      })
      const t0 = Date.now()
      const results = await Promise.all(
        partials.map((p) =>
          exchange(server.port, p, { ms: HTTP_TIMEOUT_MS * 8, untilStatus: false }),
        ),
      )
      const open = results.filter((x) => !x.closed).length
      figures.hangs += open
      expect(open, 'partial requests still open past the bound').toBe(0)
      expect(Date.now() - t0).toBeLessThan(HTTP_TIMEOUT_MS * 8)
      figures.slowloris += partials.length
      await alive('slowloris')
    }
  })
})

// --- WebSocket ------------------------------------------------------------------------------

const getProject = (id: string) => JSON.stringify({ id, method: 'getProject', params: {} })

/** A frame sequence and what the server must do: close with a code, or answer ids and stay open. */
function wsCase(r: R): {
  what: string
  frames: Buffer[]
  close?: number | 'dropped'
  replies?: string[]
} {
  const id = `f${r.int(0, 1e9)}`
  switch (r.int(0, 13)) {
    case 0: {
      const bad = r.pick([
        [0xc3, 0x28],
        [0xe2, 0x82],
        [0xff],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xc0, 0xaf],
      ])
      return {
        what: 'invalid UTF-8 text',
        frames: [frame(OP.text, Buffer.from([0x7b, ...bad, 0x7d]))],
        close: 1007,
      }
    }
    case 1: {
      const text = Buffer.from(getProject(id))
      const cuts = [
        ...new Set(Array.from({ length: r.int(1, 6) }, () => r.int(1, text.length - 1))),
      ].sort((a, b) => a - b)
      const parts = [0, ...cuts, text.length]
        .slice(1)
        .map((end, k, ends) => text.subarray(k === 0 ? 0 : ends[k - 1], end))
      const frames = [0, ...cuts].map((_, k) =>
        frame(k === 0 ? OP.text : OP.continuation, parts[k], { fin: k === cuts.length }),
      )
      // A ping between fragments is allowed.
      if (frames.length > 1 && r.next() < 0.5) frames.splice(1, 0, frame(OP.ping, 'between'))
      return { what: `fragmented in ${frames.length}`, frames, replies: [id] }
    }
    case 2:
      return {
        what: 'continuation without a start',
        frames: [frame(OP.continuation, 'x')],
        close: 1002,
      }
    case 3:
      return {
        what: 'a new message inside a fragmented one',
        frames: [frame(OP.text, '{"id"', { fin: false }), frame(OP.text, ':1}')],
        close: 1002,
      }
    case 4:
      return {
        what: 'announced over the size limit',
        frames: [
          frame(OP.text, Buffer.alloc(r.int(0, 100)), {
            length: r.pick([2 ** 28, 2 ** 31, 2 ** 40, 2 ** 52]),
          }),
        ],
        close: 1009,
      }
    case 5:
      return {
        what: 'binary',
        frames: [frame(OP.binary, Buffer.from([0, 1, 2, 3])), frame(OP.text, getProject(id))],
        replies: [id],
      }
    case 6: {
      // ws answers up to 60 pings that arrive at once and drops a connection that sends more.
      const n = r.pick([r.int(1, 50), r.int(61, 2000)])
      const frames = [
        ...Array.from({ length: n }, () => frame(OP.ping, 'p')),
        frame(OP.text, getProject(id)),
      ]
      return n <= 50
        ? { what: `${n} pings`, frames, replies: [id] }
        : { what: `${n} pings`, frames, close: 'dropped' }
    }
    case 7:
      return {
        what: 'unmasked',
        frames: [frame(OP.text, getProject(id), { mask: false })],
        close: 1002,
      }
    case 8:
      return {
        what: 'bad opcode',
        frames: [frame(r.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), 'x')],
        close: 1002,
      }
    case 9: {
      const code = r.pick([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
      const payload = Buffer.alloc(2)
      payload.writeUInt16BE(code)
      return { what: `close with code ${code}`, frames: [frame(OP.close, payload)], close: 1002 }
    }
    case 10:
      return {
        what: 'close with invalid UTF-8 reason',
        frames: [frame(OP.close, Buffer.from([0x03, 0xe8, 0xff, 0xfe]))],
        close: 1007,
      }
    case 11:
      return {
        what: 'reserved bits',
        frames: [frame(OP.text, getProject(id), { rsv: r.int(1, 7) })],
        close: 1002,
      }
    case 12:
      return {
        what: 'control frame too long or fragmented',
        frames: [
          r.next() < 0.5 ? frame(OP.ping, Buffer.alloc(126)) : frame(OP.ping, 'x', { fin: false }),
        ],
        close: 1002,
      }
    default:
      return {
        what: 'a close of one byte',
        frames: [frame(OP.close, Buffer.from([3]))],
        close: 1002,
      }
  }
}

describe('raw WebSocket frames with a valid token', { timeout: 60_000 * SCALE }, () => {
  it('closes bad connections with the right code, answers good ones, and keeps serving the others', async () => {
    const r = rng(SEED + 3)
    for (let i = 0; i < 80 * SCALE && inBudget(); i++) {
      const c = wsCase(r)
      const conn = await rawWebSocket(server.port, server.token)
      conn.socket.write(Buffer.concat(c.frames))
      if (c.close !== undefined) {
        const closed = await within(conn.closed, CASE_MS)
        if (!closed) figures.hangs++
        expect(closed, `${c.what}: not closed`).toBe(true)
        expect(closeCodeOf(conn.received()), c.what).toBe(c.close === 'dropped' ? null : c.close)
      } else {
        const want = c.replies ?? []
        const answered = () => {
          const ids = serverFrames(conn.received())
            .filter((f) => f.opcode === OP.text)
            .map((f) => JSON.parse(f.payload.toString()).id)
          return want.every((id) => ids.includes(id))
        }
        const t0 = Date.now()
        while (!answered() && Date.now() - t0 < CASE_MS)
          await new Promise((res) => setTimeout(res, 10))
        if (!answered()) figures.hangs++
        expect(answered(), `${c.what}: not answered`).toBe(true)
        expect(conn.isClosed(), c.what).toBe(false)
      }
      conn.socket.destroy()
      figures.websocket++
      await alive(c.what)
    }
  })
})
