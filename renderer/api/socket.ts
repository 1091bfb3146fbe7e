/**
 * Browser-mode transport: the API over the engine's WebSocket, authenticated by the token in
 * the page URL. Requests carry ids; replies settle them; events fan out to listeners.
 */
import type { Envelope, EventName, Transport } from '../../engine/api'

type Pending = (envelope: Envelope<unknown>) => void

export async function connectSocket(token: string): Promise<Transport> {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`
  const ws = new WebSocket(url)
  const pending = new Map<number, Pending>()
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>()
  let nextId = 1

  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener(
      'error',
      () => reject(new Error('could not connect to the Framewise engine')),
      { once: true },
    )
  })
  ws.addEventListener('message', (msg) => {
    const data = JSON.parse(String(msg.data)) as {
      id?: number
      event?: string
      args?: unknown[]
    } & Envelope<unknown>
    if (data.event !== undefined) {
      for (const listener of listeners.get(data.event) ?? []) listener(...(data.args ?? []))
    } else if (typeof data.id === 'number') {
      pending.get(data.id)?.(data)
      pending.delete(data.id)
    }
  })
  ws.addEventListener('close', () => {
    for (const settle of pending.values())
      settle({
        ok: false,
        error: { code: 'internal', message: 'the connection to the Framewise engine was lost' },
      })
    pending.clear()
  })

  const call = (method: string, params: unknown) =>
    new Promise<Envelope<unknown>>((resolve) => {
      if (ws.readyState !== WebSocket.OPEN)
        return resolve({
          ok: false,
          error: { code: 'internal', message: 'not connected to the Framewise engine' },
        })
      const id = nextId++
      pending.set(id, resolve)
      ws.send(JSON.stringify({ id, method, params }))
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
