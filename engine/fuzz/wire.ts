/**
 * Raw HTTP and WebSocket bytes for the server's crash tests: what arrives on a `net` socket to
 * 127.0.0.1 exactly as written, with none of the tidying a client library would do (malformed
 * request lines, invalid UTF-8, unmasked or oversized frames).
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'

/** A raw connection: everything the server sent so far, and whether it has closed. */
export interface RawConnection {
  socket: net.Socket
  received(): Buffer
  closed: Promise<void>
  isClosed(): boolean
}

export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    let closed = false
    socket.on('data', (c) => chunks.push(c))
    const done = new Promise<void>((res) => socket.once('close', () => ((closed = true), res())))
    socket.on('error', () => {}) // a reset by the server is an answer too; 'close' follows
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed: done,
        isClosed: () => closed,
      }),
    )
    socket.once('error', reject)
  })
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((res) => (timer = setTimeout(() => res(false), ms)))
  try {
    return await Promise.race([p.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Write `bytes` on a fresh connection and wait until the server closes it or answers
 * (`untilStatus`: the first status line is enough) or `ms` pass.
 */
export async function exchange(
  port: number,
  bytes: string | Buffer,
  { ms = 2000, untilStatus = true } = {},
): Promise<{ reply: Buffer; closed: boolean }> {
  const c = await rawConnect(port)
  c.socket.write(bytes)
  const start = Date.now()
  while (
    Date.now() - start < ms &&
    !c.isClosed() &&
    !(untilStatus && /\r\n\r\n/.test(c.received().toString('latin1')))
  )
    await new Promise((res) => setTimeout(res, 10))
  const closed = c.isClosed()
  c.socket.destroy()
  return { reply: c.received(), closed }
}

/** The status of the first HTTP response in `reply`, or null when there is none. */
export function statusOf(reply: Buffer): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply.toString('latin1'))
  return m ? Number(m[1]) : null
}

/** A GET request with our Host header. */
export function getRequest(port: number, target: string, extra = ''): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`
}

/** A WebSocket opened by hand (token, our Origin), past the 101; frames follow on `socket`. */
export async function rawWebSocket(port: number, token: string): Promise<RawConnection> {
  const c = await rawConnect(port)
  c.socket.write(
    `GET /api?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
  )
  for (let t = 0; t < 200 && !c.received().includes('\r\n\r\n'); t++)
    await new Promise((res) => setTimeout(res, 10))
  if (statusOf(c.received()) !== 101)
    throw new Error(`upgrade refused: ${c.received().toString('latin1', 0, 80)}`)
  return c
}

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

/**
 * A client frame: masked unless `mask: false`; `length` declares a payload length other than
 * the bytes sent (an oversized message announced by its header alone).
 */
export function frame(
  opcode: number,
  payload: Buffer | string,
  {
    fin = true,
    mask = true,
    length,
    rsv = 0,
  }: { fin?: boolean; mask?: boolean; length?: number; rsv?: number } = {},
): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
  const n = length ?? body.length
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)]
  const m = mask ? 0x80 : 0
  if (n < 126) head.push(m | n)
  else if (n < 65536) head.push(m | 126, n >> 8, n & 0xff)
  else {
    const len = Buffer.alloc(8)
    len.writeBigUInt64BE(BigInt(n))
    head.push(m | 127, ...len)
  }
  if (!mask) return Buffer.concat([Buffer.from(head), body])
  const key = randomBytes(4)
  const masked = Buffer.from(body.map((b, i) => b ^ key[i % 4]))
  return Buffer.concat([Buffer.from(head), key, masked])
}

/** The server's frames after the 101 response in `data` (server frames are not masked). */
export function serverFrames(data: Buffer): { opcode: number; payload: Buffer }[] {
  const start = data.indexOf('\r\n\r\n')
  if (start < 0) return []
  const frames: { opcode: number; payload: Buffer }[] = []
  let i = start + 4
  while (i + 2 <= data.length) {
    const opcode = data[i] & 0x0f
    let n = data[i + 1] & 0x7f
    let at = i + 2
    if (n === 126) {
      if (at + 2 > data.length) break
      n = data.readUInt16BE(at)
      at += 2
    } else if (n === 127) {
      if (at + 8 > data.length) break
      n = Number(data.readBigUInt64BE(at))
      at += 8
    }
    if (at + n > data.length) break
    frames.push({ opcode, payload: data.subarray(at, at + n) })
    i = at + n
  }
  return frames
}

/** The status code of the server's close frame, or null when it sent none (yet). */
export function closeCodeOf(data: Buffer): number | null {
  const close = serverFrames(data).find((f) => f.opcode === OP.close)
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null
}
