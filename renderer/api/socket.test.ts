/**
 * The browser-mode transport over a stand-in WebSocket: a dropped connection is reported once,
 * retried with growing waits, and on its return the requests made meanwhile and those in flight
 * are sent (in order) and answered; a long job in flight fails instead of running twice.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Envelope, Transport } from '../../engine/api'
import { connectSocket, RETRY_MS, type ConnectionStatus } from './socket'

type Listener = (event: { data?: string }) => void

class FakeSocket {
  static OPEN = 1
  static all: FakeSocket[] = []
  /** Whether new sockets reach the engine. */
  static up = true
  readyState = 0
  sent: { id: number; method: string }[] = []
  #listeners = new Map<string, Set<Listener>>()

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
    setTimeout(() => (FakeSocket.up ? this.#open() : this.#emit('error', {})), 0)
  }

  addEventListener(type: string, listener: Listener): void {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(listener)
    this.#listeners.set(type, set)
  }

  send(message: string): void {
    this.sent.push(JSON.parse(message))
  }

  /** The engine answers request `id`. */
  reply(id: number, result: unknown): void {
    this.#emit('message', { data: JSON.stringify({ id, ok: true, result }) })
  }

  /** The connection drops. */
  drop(): void {
    this.readyState = 3
    this.#emit('close', {})
  }

  #open(): void {
    this.readyState = FakeSocket.OPEN
    this.#emit('open', {})
  }

  #emit(type: string, event: { data?: string }): void {
    for (const l of [...(this.#listeners.get(type) ?? [])]) l(event)
  }
}

let statuses: ConnectionStatus[]
let transport: Transport
const last = () => FakeSocket.all.at(-1)!
const call = (method: string, params: unknown = {}) =>
  (transport as unknown as Record<string, (p: unknown) => Promise<Envelope<unknown>>>)[method](
    params,
  )

beforeEach(async () => {
  vi.useFakeTimers()
  FakeSocket.all = []
  FakeSocket.up = true
  vi.stubGlobal('WebSocket', FakeSocket)
  vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:5000' })
  statuses = []
  const connecting = connectSocket('t0k', (s) => statuses.push(s))
  await vi.advanceTimersByTimeAsync(0)
  transport = await connecting
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('the browser-mode transport', () => {
  it('answers requests by id', async () => {
    const answer = call('getProject')
    expect(last().sent).toEqual([{ id: 1, method: 'getProject', params: {} }])
    last().reply(1, null)
    expect(await answer).toEqual({ id: 1, ok: true, result: null })
  })

  it('reconnects after a drop with growing waits, then sends what was in flight and what waited', async () => {
    const first = last()
    const inFlight = call('saveLabels', { media: 'a.wav', baseRevision: 3 })
    FakeSocket.up = false
    first.drop()
    const meanwhile = call('getLabels', { media: 'b.wav' })
    expect(statuses.at(-1)).toEqual({ connected: false, attempts: 1, retryInMs: RETRY_MS[0] })
    await vi.advanceTimersByTimeAsync(RETRY_MS[0] + RETRY_MS[1] + 10)
    expect(statuses.filter((s) => !s.connected).map((s) => s.retryInMs)).toEqual([
      RETRY_MS[0],
      RETRY_MS[1],
      RETRY_MS[2],
    ])
    FakeSocket.up = true
    await vi.advanceTimersByTimeAsync(RETRY_MS[2] + 10)
    expect(statuses.at(-1)).toEqual({ connected: true, attempts: 0, retryInMs: 0 })
    const back = last()
    expect(back).not.toBe(first)
    // nothing lost: the save first (it was made first), then the read
    expect(back.sent.map((m) => [m.id, m.method])).toEqual([
      [1, 'saveLabels'],
      [2, 'getLabels'],
    ])
    back.reply(2, 'labels of b')
    back.reply(1, 'saved')
    expect(await inFlight).toMatchObject({ ok: true, result: 'saved' })
    expect(await meanwhile).toMatchObject({ ok: true, result: 'labels of b' })
  })

  it('fails a long job in flight at a drop instead of running it again', async () => {
    const job = call('predict', { jobId: 'j', model: 'run:x', media: 'a.wav' })
    last().drop()
    const answer = await job
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } })
    if (!answer.ok) expect(answer.error.message).toMatch(/dropped while predicting/)
    await vi.advanceTimersByTimeAsync(RETRY_MS[0] + 1)
    expect(last().sent).toEqual([])
  })
})
