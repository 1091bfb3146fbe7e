/**
 * Browser-mode transport: the API over the engine's WebSocket, authenticated by the token in
 * the page URL. Requests carry ids; replies settle them; events fan out to listeners.
 *
 * When the connection drops it reconnects by itself, waiting longer after each failed attempt
 * (RETRY_MS), and nothing the user did is dropped: requests made meanwhile wait and are sent
 * once it is back, and requests that were in flight are sent again (a label save carries its
 * revision, so a save that did land the first time comes back as a conflict, which the labels
 * state checks against the disk). Only requests that start long jobs fail, since sent again
 * they would run again.
 */
import type { Envelope, EventName, RequestName, Transport } from '../../engine/api'

type Pending = (envelope: Envelope<unknown>) => void

/** The transport's link to the engine, for the one banner that reports it. */
export interface ConnectionStatus {
  connected: boolean
  /** Reconnection attempts since the drop (0 while connected). */
  attempts: number
  /** Milliseconds until the next attempt, while disconnected. */
  retryInMs: number
}

/** Waits before reconnection attempts 1, 2, 3, …; the last repeats. */
export const RETRY_MS = [250, 500, 1000, 2000, 4000, 8000]

/** Requests that start long jobs (service.ts LONG_JOBS): a drop fails them rather than rerun them. */
const JOBS: ReadonlySet<string> = new Set<RequestName>(['train', 'predict', 'evaluate'])

export async function connectSocket(
  token: string,
  onStatus: (status: ConnectionStatus) => void = () => {},
): Promise<Transport> {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`
  /** Requests sent and not answered, by id, with their message (to send again after a drop). */
  const pending = new Map<number, { settle: Pending; method: string; message: string }>()
  /** Requests to send once connected (made while disconnected, or in flight at a drop). */
  let queued = new Set<number>()
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>()
  let nextId = 1
  let ws: WebSocket

  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url)
      socket.addEventListener('open', () => resolve(socket), { once: true })
      socket.addEventListener(
        'error',
        () => reject(new Error('could not connect to the Framewise engine')),
        { once: true },
      )
    })

  const onMessage = (msg: MessageEvent) => {
    const data = JSON.parse(String(msg.data)) as {
      id?: number
      event?: string
      args?: unknown[]
    } & Envelope<unknown>
    if (data.event !== undefined) {
      for (const listener of listeners.get(data.event) ?? []) listener(...(data.args ?? []))
    } else if (typeof data.id === 'number') {
      pending.get(data.id)?.settle(data)
      pending.delete(data.id)
    }
  }

  /** Use `socket` from now on: send what waited, and reconnect when it closes. */
  const adopt = (socket: WebSocket) => {
    ws = socket
    ws.addEventListener('message', onMessage)
    ws.addEventListener('close', () => void reconnect(), { once: true })
    onStatus({ connected: true, attempts: 0, retryInMs: 0 })
    const waiting = [...queued].sort((a, b) => a - b)
    queued = new Set()
    for (const id of waiting) {
      const p = pending.get(id)
      if (p) ws.send(p.message)
    }
  }

  const reconnect = async () => {
    // in flight when it dropped: a job fails, anything else waits to be sent again
    for (const [id, p] of pending) {
      if (queued.has(id)) continue // never sent
      if (JOBS.has(p.method)) {
        p.settle({
          ok: false,
          error: {
            code: 'internal',
            message: `the connection to the Framewise engine dropped while ${p.method === 'train' ? 'training' : p.method === 'predict' ? 'predicting' : 'evaluating'}; it may have finished (see the runs and models), or run it again`,
          },
        })
        pending.delete(id)
      } else queued.add(id)
    }
    for (let attempt = 1; ; attempt++) {
      const wait = RETRY_MS[Math.min(attempt - 1, RETRY_MS.length - 1)]
      onStatus({ connected: false, attempts: attempt, retryInMs: wait })
      await new Promise((resolve) => setTimeout(resolve, wait))
      const socket = await open().catch(() => null)
      if (socket) return adopt(socket)
    }
  }

  adopt(await open())

  const call = (method: string, params: unknown) =>
    new Promise<Envelope<unknown>>((resolve) => {
      const id = nextId++
      const message = JSON.stringify({ id, method, params })
      pending.set(id, { settle: resolve, method, message })
      if (ws.readyState === WebSocket.OPEN) ws.send(message)
      else queued.add(id)
    })

  const on = (event: EventName, listener: (...args: unknown[]) => void) => {
    const set = listeners.get(event) ?? new Set()
    listeners.set(event, set)
    set.add(listener)
    return () => void set.delete(listener)
  }

  // One function per request name, created on first use (the renderer imports no engine code).
  // 'then' must stay undefined, or awaiting the transport would treat it as a promise.
  return new Proxy({ on } as object, {
    get: (target, name) => {
      if (name in target) return (target as Record<string | symbol, unknown>)[name]
      if (typeof name !== 'string' || name === 'then') return undefined
      return (params: unknown) => call(name, params)
    },
  }) as Transport
}
