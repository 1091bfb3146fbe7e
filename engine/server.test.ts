import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  closeCodeOf,
  exchange,
  frame,
  getRequest,
  OP,
  rawWebSocket,
  statusOf,
  within,
} from './fuzz/wire'
import { SOCKET_LIMITS, startServer, type RunningServer } from './server'

let server: RunningServer
let rendererDir: string

beforeAll(async () => {
  rendererDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-renderer-'))
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>')
  server = await startServer({ rendererDir, httpTimeoutMs: 500 })
})
afterAll(async () => {
  await server.close()
  await fs.rm(rendererDir, { recursive: true, force: true })
})

const origin = () => `http://127.0.0.1:${server.port}`

/** Resolves 'open' or the HTTP status the upgrade was refused with. */
function connect(
  token: string,
  headers: Record<string, string> = {},
): Promise<{ result: 'open' | number; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${token}`, {
      headers: { Origin: origin(), ...headers },
    })
    ws.on('open', () => resolve({ result: 'open', ws }))
    ws.on('unexpected-response', (_, res) => resolve({ result: res.statusCode ?? 0, ws }))
    ws.on('error', () => resolve({ result: -1, ws }))
  })
}

function request(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString())))
    ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  })
}

function get(pathname: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: server.port, path: pathname, headers: { Host: host } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      .on('error', reject)
  })
}

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/)
  })

  it('accepts the right token from its own origin and answers requests', async () => {
    const { result, ws } = await connect(server.token)
    expect(result).toBe('open')
    const reply = await request(ws, { id: 1, method: 'getProject', params: {} })
    expect(reply).toEqual({ id: 1, ok: true, result: null })
    ws.close()
  })

  it('refuses a missing or wrong token', async () => {
    expect((await connect('')).result).toBe(403)
    expect((await connect('0'.repeat(64))).result).toBe(403)
    expect((await connect(server.token.slice(0, -1))).result).toBe(403)
  })

  it('refuses another Origin, and no Origin', async () => {
    expect((await connect(server.token, { Origin: 'http://evil.example' })).result).toBe(403)
    expect(
      (await connect(server.token, { Origin: `http://127.0.0.1:${server.port + 1}` })).result,
    ).toBe(403)
    expect((await connect(server.token, { Origin: '' })).result).toBe(403)
  })

  it('refuses a foreign Host header (DNS rebinding) on pages and on the socket', async () => {
    expect(await get('/', `127.0.0.1:${server.port}`)).toBe(200)
    expect(await get('/', `evil.example:${server.port}`)).toBe(403)
    expect((await connect(server.token, { Host: `evil.example:${server.port}` })).result).toBe(403)
  })

  it('serves nothing outside the renderer folder', async () => {
    expect(await get('/../../etc/passwd', `127.0.0.1:${server.port}`)).toBe(404)
    expect(await get('/%2e%2e/%2e%2e/etc/passwd', `127.0.0.1:${server.port}`)).toBe(404)
  })

  it('answers malformed messages with errors and keeps serving', async () => {
    const { ws } = await connect(server.token)
    expect(await request(ws, 'not json')).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'invalid-request' },
    })
    expect(await request(ws, { method: 'getProject' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    })
    expect(await request(ws, { id: 2, method: 'rm -rf', params: {} })).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'unknown-method' },
    })
    expect(await request(ws, { id: 3, method: 'openProject', params: { dir: 42 } })).toMatchObject({
      id: 3,
      ok: false,
      error: { code: 'invalid-request' },
    })
    expect(await request(ws, { id: 4, method: 'getProject', params: {} })).toEqual({
      id: 4,
      ok: true,
      result: null,
    })
    ws.close()
  })
})

/** The server still answers getProject on a fresh connection. */
async function stillServing(): Promise<void> {
  const { result, ws } = await connect(server.token)
  expect(result).toBe('open')
  expect(await request(ws, { id: 'alive', method: 'getProject', params: {} })).toEqual({
    id: 'alive',
    ok: true,
    result: null,
  })
  ws.close()
}

describe('the server survives hostile clients', () => {
  it('answers malformed percent-encoding in the path or query with 400 (GET /% used to kill it)', async () => {
    for (const target of ['/%', '/%zz', '/%E0%A4%A', '/assets/%C0%AF', '/media?id=%&token=%']) {
      const { reply } = await exchange(server.port, getRequest(server.port, target))
      expect(statusOf(reply), target).toBe(target.startsWith('/media') ? 403 : 400)
    }
    expect(
      statusOf((await exchange(server.port, getRequest(server.port, '/?token=%'))).reply),
    ).toBe(200)
    await stillServing()
  })

  it('answers malformed request lines and oversized headers itself, and cuts off a slow client', async () => {
    expect(statusOf((await exchange(server.port, 'GARBAGE\r\n\r\n')).reply)).toBe(400)
    expect(
      statusOf(
        (
          await exchange(
            server.port,
            getRequest(server.port, '/', `X-Big: ${'a'.repeat(64 * 1024)}\r\n`),
          )
        ).reply,
      ),
    ).toBe(431)
    // Slowloris: headers that never finish are closed within the (test's 500 ms) bound.
    const slow = await exchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: 1`,
      // Wait for the close itself: the 408 can arrive one read before the FIN.
      { ms: 5000, untilStatus: false },
    )
    expect(slow.closed).toBe(true)
    expect(statusOf(slow.reply)).toBe(408)
    await stillServing()
  })

  it('refuses an upgrade whose URL cannot be parsed (it used to throw in the upgrade listener)', async () => {
    const upgrade = (target: string) =>
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`
    expect(statusOf((await exchange(server.port, upgrade('http://[/api'))).reply)).toBe(400)
    await stillServing()
  })

  it('closes a socket that sends invalid UTF-8 with 1007, and one that announces a message over the limit with 1009', async () => {
    const other = await connect(server.token)
    for (const [bytes, code] of [
      [frame(OP.text, Buffer.from([0xc3, 0x28, 0xe2, 0x82])), 1007],
      [frame(OP.text, Buffer.alloc(0), { length: 2 ** 40 }), 1009],
    ] as const) {
      const c = await rawWebSocket(server.port, server.token)
      c.socket.write(bytes)
      expect(await within(c.closed, 2000)).toBe(true)
      expect(closeCodeOf(c.received())).toBe(code)
    }
    // The other connection and the server live on.
    expect(await request(other.ws, { id: 'other', method: 'getProject', params: {} })).toEqual({
      id: 'other',
      ok: true,
      result: null,
    })
    other.ws.close()
    await stillServing()
  })
})

describe('one connection cannot take the server over', () => {
  it('hands a flood of requests to the service a few at a time, none refused busy', async () => {
    const call = server.service.call.bind(server.service)
    let inside = 0
    let peak = 0
    let hold = true
    server.service.call = async (method, params) => {
      peak = Math.max(peak, ++inside)
      while (hold) await new Promise((res) => setTimeout(res, 10))
      try {
        return await call(method, params)
      } finally {
        inside--
      }
    }
    try {
      const { ws } = await connect(server.token)
      const replies: { ok: boolean }[] = []
      ws.on('message', (data) => replies.push(JSON.parse(data.toString())))
      for (let i = 0; i < 300; i++)
        ws.send(JSON.stringify({ id: i, method: 'getProject', params: {} }))
      await new Promise((res) => setTimeout(res, 300))
      expect(peak).toBe(SOCKET_LIMITS.inFlight)
      hold = false
      for (let t = 0; t < 200 && replies.length < 300; t++)
        await new Promise((res) => setTimeout(res, 20))
      expect(replies.filter((r) => !r.ok)).toEqual([])
      expect(replies).toHaveLength(300)
      ws.close()
    } finally {
      server.service.call = call
    }
  })

  it('stops reading from a client that does not read its replies, and catches up when it does', async () => {
    const listing = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-listing-'))
    const saved = SOCKET_LIMITS.unsentBytes
    SOCKET_LIMITS.unsentBytes = 256 * 1024
    const call = server.service.call.bind(server.service)
    let calls = 0
    server.service.call = (method, params) => (calls++, call(method, params))
    try {
      for (let i = 0; i < 500; i++)
        await fs.writeFile(
          path.join(listing, `${String(i).padStart(4, '0')}-${'n'.repeat(100)}`),
          '',
        )
      const c = await rawWebSocket(server.port, server.token)
      c.socket.pause() // reads nothing from here on
      const N = 1000 // replies of about 60 kB each: 60 MB if all were answered
      const request = frame(
        OP.text,
        JSON.stringify({ id: 1, method: 'listDir', params: { dir: listing } }),
      )
      for (let i = 0; i < N; i++) c.socket.write(request)
      await new Promise((res) => setTimeout(res, 1500))
      const whilePaused = calls
      expect(whilePaused).toBeGreaterThan(0)
      expect(whilePaused).toBeLessThan(N / 2)
      c.socket.resume()
      for (let t = 0; t < 500 && calls < N; t++) await new Promise((res) => setTimeout(res, 20))
      expect(calls).toBe(N)
      c.socket.destroy()
    } finally {
      server.service.call = call
      SOCKET_LIMITS.unsentBytes = saved
      await fs.rm(listing, { recursive: true, force: true })
    }
  })
})

describe('framewise serve', () => {
  it('logs a fault that escapes every handler as one line and keeps running', () => {
    const entry = fileURLToPath(new URL('./fuzz/fault-entry.ts', import.meta.url))
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      })
    const kept = run()
    expect(kept.status).toBe(0)
    expect(kept.stdout).toBe('still here\n')
    expect(kept.stderr.trim().split('\n')).toEqual([
      'framewise: internal error (still serving): TypeError: a fault nobody caught',
      'framewise: unhandled rejection (still serving): Error: a rejection nobody handled',
    ])
    // Without it the process dies at the first fault: what the handler is for.
    const bare = run('bare')
    expect(bare.status).not.toBe(0)
    expect(bare.stdout).toBe('')
  })
})
