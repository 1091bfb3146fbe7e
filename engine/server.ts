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
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import { mediaReply } from './media'
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

/** The built renderer next to the built engine (out/renderer), also when run from source. */
export function defaultRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  return import.meta.url.endsWith('.ts') ? path.resolve(here, '../out/renderer') : path.resolve(here, '../renderer')
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
  const clients = new Set<WebSocket>()
  const service = new Service(
    (event, ...args) => {
      const message = JSON.stringify({ event, args })
      for (const ws of clients) ws.send(message)
    },
    { mediaUrl: (id) => `/media?id=${encodeURIComponent(id)}&token=${token}` },
  )
  if (options.project) {
    const opened = await service.call('openProject', { dir: options.project })
    if (!opened.ok) throw new Error(opened.error.message)
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

  const server = http.createServer(async (req, res) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return deny(res, 'unknown Host')
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 'method not allowed', 405)
    const url = new URL(req.url ?? '/', `http://${HOST}`)
    if (url.pathname === '/media') return serveMedia(req, res, url)
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '')
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
  })

  /**
   * Audio for the page's <audio> element: this run's token, and only a media file of the open
   * project (resolved by the project store, never a path from the URL). Single byte ranges are
   * honoured so the element can seek.
   */
  async function serveMedia(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (!sameToken(url.searchParams.get('token') ?? '', token)) return deny(res, 'token required')
    let project: Project
    try {
      project = service.project
    } catch {
      return deny(res, 'not a media file of the open project', 404)
    }
    const reply = await mediaReply(project, url.searchParams.get('id') ?? '', req.method ?? 'GET', req.headers.range)
    if (reply.error && reply.status !== 416) return deny(res, reply.error, reply.status)
    res.writeHead(reply.status, reply.headers)
    if (!reply.body) return void res.end()
    const stream = createReadStream(reply.body.file, { start: reply.body.start, end: reply.body.end })
    stream.on('error', () => res.destroy())
    res.on('close', () => stream.destroy())
    stream.pipe(res)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`)
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
      clients.add(ws)
      ws.on('close', () => clients.delete(ws))
      ws.on('message', async (data, isBinary) => {
        let id: unknown = null
        try {
          if (isBinary) throw new Error('binary messages are not part of the API')
          const msg = JSON.parse(data.toString()) as { id?: unknown; method?: unknown; params?: unknown }
          if (typeof msg !== 'object' || msg === null) throw new Error('a message must be a JSON object')
          id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null
          if (id === null) throw new Error('a message needs a numeric or string "id"')
          const envelope = await service.call(msg.method, msg.params)
          ws.send(JSON.stringify({ id, ...envelope }))
        } catch (err) {
          ws.send(JSON.stringify({ id, ok: false, error: { code: 'invalid-request', message: (err as Error).message } }))
        }
      })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, HOST, () => resolve())
  })
  port = (server.address() as { port: number }).port
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    service,
    close: async () => {
      await service.close() // releases the project lock
      for (const ws of clients) ws.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
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
