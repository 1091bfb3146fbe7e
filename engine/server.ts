/**
 * Browser mode: the built renderer and the API over a WebSocket, on 127.0.0.1 only.
 *
 * Who may talk to it: a client that presents this run's random token (it travels in the page
 * URL, so a reload keeps working), from a page whose Origin is this server, addressed by a Host header naming this
 * server (so a DNS-rebinding page on another name is refused). Everything else gets 403.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, promises as fs } from 'node:fs'
import http from 'node:http'
import type { Duplex } from 'node:stream'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { mediaReply } from './media/playback'
import { ApiError, type Envelope } from './api'
import type { Project } from './project/store'
import { Service } from './service'

export interface ServerOptions {
  /** TCP port; 0 picks a free one. */
  port?: number
  /** Folder of the built renderer (index.html + assets). */
  rendererDir?: string
  /** A project folder to open at start. */
  project?: string
  /** Fixed token (tests); by default 32 random bytes, hex. */
  token?: string
  /** How long a client may take to send one HTTP request (tests shorten it); HTTP_LIMITS by default. */
  httpTimeoutMs?: number
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string
  port: number
  token: string
  service: Service
  close(): Promise<void>
}

const HOST = '127.0.0.1'

/**
 * What one client can make the server hold. A request that is not complete in time is cut
 * off (slowloris-style partial requests would otherwise hold a connection each, forever).
 */
export const HTTP_LIMITS = {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: 10_000,
  /** The whole request must arrive within this (the pages and /media take no body). */
  requestTimeoutMs: 20_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Request headers beyond this get 431. */
  maxHeaderBytes: 16 * 1024,
}

export const SOCKET_LIMITS = {
  /**
   * The largest API message. The biggest the contract is built for is a saveLabels of 1e6
   * segments, about 85 MB of JSON; a message costs several times its size once parsed and
   * validated, so the limit leaves that room and no more. A larger one closes the
   * connection with 1009 (ws does that itself).
   */
  maxPayload: 128 * 1024 * 1024,
  /** Requests of one connection handed to the service at a time; later ones wait unread. */
  inFlight: 16,
  /** Reply bytes a client has not read yet beyond which its socket is not read either. */
  unsentBytes: 32 * 1024 * 1024,
}

/** The built renderer next to the built engine (out/renderer), also when run from source. */
export function defaultRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  return import.meta.url.endsWith('.ts')
    ? path.resolve(here, '../out/renderer')
    : path.resolve(here, '../renderer')
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir())
  const token = options.token ?? randomBytes(32).toString('hex')
  const clients = new Map<WebSocket, Client>()
  const service = new Service(
    (event, ...args) => {
      const message = JSON.stringify({ event, args })
      for (const client of clients.values()) client.event(message)
    },
    { mediaUrl: (id) => `/media?id=${encodeURIComponent(id)}&token=${token}` },
  )
  if (options.project) {
    const opened = await service.call('openProject', { dir: options.project })
    // keeps the code, so the CLI prints a bad project as one line, not a stack
    if (!opened.ok) throw new ApiError(opened.error.code, opened.error.message)
  }

  let port = 0
  const allowedHosts = () => [`${HOST}:${port}`, `localhost:${port}`]
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`)
  const csp = () =>
    [
      "default-src 'none'",
      "script-src 'self'",
      // Svelte style directives and uPlot set element styles; no script can be injected this way.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      "font-src 'self'",
      `connect-src ws://${HOST}:${port} ws://localhost:${port}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ')

  const timeout = options.httpTimeoutMs
  const server = http.createServer(
    {
      maxHeaderSize: HTTP_LIMITS.maxHeaderBytes,
      // How often the request timeouts are checked; Node's default (30 s) would let a slow
      // request run well past its bound.
      connectionsCheckingInterval: timeout === undefined ? 1000 : Math.max(50, timeout / 4),
    },
    (req, res) => {
      // A client that resets mid-request or mid-reply affects its own request only.
      req.on('error', () => res.destroy())
      res.on('error', () => res.destroy())
      handleRequest(req, res).catch((err: unknown) => {
        console.error(
          `framewise: internal error serving ${String(req.url).slice(0, 200)}: ${String(err).split('\n')[0]}`,
        )
        if (res.headersSent) res.destroy()
        else deny(res, 'internal error', 500)
      })
    },
  )
  server.headersTimeout = Math.min(HTTP_LIMITS.headersTimeoutMs, timeout ?? Infinity)
  server.requestTimeout = Math.min(HTTP_LIMITS.requestTimeoutMs, timeout ?? Infinity)
  server.keepAliveTimeout = Math.min(HTTP_LIMITS.keepAliveTimeoutMs, timeout ?? Infinity)
  // A malformed request line or header, oversized headers or a timed-out request: answered
  // (unless a reply is already under way on that socket) and the socket closed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const reply = socket as Duplex & { _httpMessage?: { headersSent?: boolean } }
    if (err.code !== 'ECONNRESET' && socket.writable && !reply._httpMessage?.headersSent) {
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? 431
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? 408
            : 400
      socket.write(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      )
    }
    socket.destroy()
  })

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!allowedHosts().includes(req.headers.host ?? '')) return deny(res, 'unknown Host')
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 'method not allowed', 405)
    const url = parseUrl(req.url)
    if (!url) return deny(res, 'malformed URL', 400)
    if (url.pathname === '/media') return serveMedia(req, res, url)
    let rel: string
    try {
      rel =
        url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '')
    } catch {
      return deny(res, 'malformed percent-encoding in the URL', 400)
    }
    const file = path.resolve(rendererDir, rel)
    if (!file.startsWith(rendererDir + path.sep)) return deny(res, 'outside the app', 404)
    const body = await fs.readFile(file).catch(() => null)
    if (!body) return deny(res, 'not found', 404)
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': csp(),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': rel === 'index.html' ? 'no-store' : 'max-age=3600',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  /**
   * Audio for the page's <audio> element: this run's token, and only a media file of the open
   * project (resolved by the project store, never a path from the URL). Single byte ranges are
   * honoured so the element can seek.
   */
  async function serveMedia(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    if (!sameToken(url.searchParams.get('token') ?? '', token)) return deny(res, 'token required')
    let project: Project
    try {
      project = service.project
    } catch {
      return deny(res, 'not a media file of the open project', 404)
    }
    const reply = await mediaReply(
      project,
      url.searchParams.get('id') ?? '',
      req.method ?? 'GET',
      req.headers.range,
    )
    if (reply.error && reply.status !== 416) return deny(res, reply.error, reply.status)
    res.writeHead(reply.status, reply.headers)
    if (!reply.body) return void res.end()
    const stream = createReadStream(reply.body.file, {
      start: reply.body.start,
      end: reply.body.end,
    })
    stream.on('error', () => res.destroy())
    res.on('close', () => stream.destroy())
    stream.pipe(res)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: SOCKET_LIMITS.maxPayload })
  server.on('upgrade', (req, socket, head) => {
    // Node's own error handling leaves the socket at the upgrade; a reset must not go unheard.
    socket.on('error', () => socket.destroy())
    const url = parseUrl(req.url)
    if (!url)
      return void socket.end(
        'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      )
    const ok =
      url.pathname === '/api' &&
      allowedHosts().includes(req.headers.host ?? '') &&
      allowedOrigins().includes(req.headers.origin ?? '') &&
      sameToken(url.searchParams.get('token') ?? '', token)
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.set(ws, serveSocket(ws, service))
      ws.on('close', () => clients.delete(ws))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, HOST, () => resolve())
  })
  port = (server.address() as { port: number }).port
  // Later server errors (accept failing with EMFILE when out of file descriptors) affect the
  // connection being accepted, not the server.
  server.on('error', (err) =>
    console.error(`framewise: server error (still serving): ${String(err).split('\n')[0]}`),
  )
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    service,
    close: async () => {
      await service.close() // releases the project lock
      for (const ws of clients.keys()) ws.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The request target as a URL, or null when it cannot be parsed (`GET http://[ HTTP/1.1`). */
function parseUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', `http://${HOST}`)
  } catch {
    return null
  }
}

/** One WebSocket client: its requests are answered through `serveSocket`, events reach it here. */
interface Client {
  event(message: string): void
}

/**
 * One client's API traffic. Every message gets exactly one reply, in any order. At most
 * SOCKET_LIMITS.inFlight requests of a connection are with the service at a time, holding at
 * most SOCKET_LIMITS.maxPayload bytes between them, and none is started while the client has
 * more than SOCKET_LIMITS.unsentBytes of replies unread; meanwhile its socket is not read, so
 * a client that floods requests, or never reads its replies, is slowed down by TCP instead of
 * growing the server. (Messages already read when the socket pauses wait in `backlog`: at most
 * one read's worth.)
 */
function serveSocket(ws: WebSocket, service: Service): Client {
  // ws has already started closing with the matching code (1007 invalid UTF-8, 1009 too big,
  // 1002 a protocol error); without a listener the error would take the whole server down.
  ws.on('error', () => {})
  const backlog: { data: RawData; isBinary: boolean; bytes: number }[] = []
  let inFlight = 0
  let inFlightBytes = 0
  const send = (text: string) => {
    if (ws.readyState === ws.OPEN) ws.send(text, () => pump())
  }
  const pump = () => {
    while (
      backlog.length > 0 &&
      ws.readyState === ws.OPEN &&
      inFlight < SOCKET_LIMITS.inFlight &&
      (inFlight === 0 || inFlightBytes + backlog[0].bytes <= SOCKET_LIMITS.maxPayload) &&
      ws.bufferedAmount < SOCKET_LIMITS.unsentBytes
    ) {
      const next = backlog.shift()!
      inFlight++
      inFlightBytes += next.bytes
      void answer(service, next.data, next.isBinary).then((reply) => {
        inFlight--
        inFlightBytes -= next.bytes
        send(reply)
        pump()
      })
    }
    if (backlog.length > 0) {
      if (!ws.isPaused) ws.pause()
    } else if (ws.isPaused) ws.resume()
  }
  ws.on('message', (data, isBinary) => {
    backlog.push({ data, isBinary, bytes: rawLength(data) })
    pump()
  })
  ws.on('close', () => void backlog.splice(0))
  return {
    // Events are progress and notices: a client that reads nothing misses them rather than
    // making the server keep every one.
    event: (message) => {
      if (ws.bufferedAmount < SOCKET_LIMITS.unsentBytes) send(message)
    },
  }
}

/** The reply text to one message; never rejects. */
async function answer(service: Service, data: RawData, isBinary: boolean): Promise<string> {
  let id: unknown = null
  let envelope: Envelope<unknown>
  try {
    if (isBinary) throw new Error('binary messages are not part of the API')
    const msg = JSON.parse(rawText(data)) as { id?: unknown; method?: unknown; params?: unknown }
    if (typeof msg !== 'object' || msg === null) throw new Error('a message must be a JSON object')
    id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null
    if (id === null) throw new Error('a message needs a numeric or string "id"')
    envelope = await service.call(msg.method, msg.params)
  } catch (err) {
    envelope = {
      ok: false,
      error: { code: 'invalid-request', message: err instanceof Error ? err.message : String(err) },
    }
  }
  try {
    return JSON.stringify({ id, ...envelope })
  } catch (err) {
    return JSON.stringify({
      id,
      ok: false,
      error: { code: 'internal', message: `the reply could not be sent: ${String(err)}` },
    })
  }
}

function rawLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength
}

function rawText(data: RawData): string {
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString()
}

/**
 * For `framewise serve`: a fault that escapes every handler above is reported as one line on
 * stderr and the server keeps serving, instead of the process (and the user's open page)
 * going down. The handlers catch what they expect; this is the net below them.
 */
export function keepServingOnFaults(
  log: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): void {
  const line = (what: string, err: unknown) =>
    `framewise: ${what} (still serving): ${(err instanceof Error ? `${err.name}: ${err.message}` : String(err)).replace(/\s+/g, ' ').slice(0, 500)}`
  process.on('uncaughtException', (err) => log(line('internal error', err)))
  process.on('unhandledRejection', (reason) => log(line('unhandled rejection', reason)))
}

function deny(res: http.ServerResponse, why: string, status = 403): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' })
  res.end(why)
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}
