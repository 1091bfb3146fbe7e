/**
 * A typed stand-in for the renderer's `api` (api/client.ts), for tests of the state classes. A
 * test file replaces the client module with it:
 *
 *   vi.mock('../api/client', async (real) => ({ ...(await real<object>()), api: (await import('./fake-api')).fake.api }))
 *
 * and answers the requests it cares about through `fake.handle`; any other request fails, naming
 * itself. `settle()` runs pending effects and lets answered requests land.
 */
import { flushSync } from 'svelte'
import type { Api, EventName, Events, Params, RequestName, Results } from '../../engine/api'

type Handler<M extends RequestName> = (params: Params<M>) => Results[M] | Promise<Results[M]>

export class FakeApi {
  /** Every request made, in order. */
  calls: { name: RequestName; params: unknown }[] = []
  #handlers = new Map<RequestName, (params: never) => unknown>()
  #listeners = new Map<EventName, Set<(...args: never) => void>>()

  /** The `api` the state classes see: one member per request name, plus `on`. */
  readonly api: Api = new Proxy({} as Api, {
    get: (_, name) => {
      if (name === 'on') return this.#on
      if (typeof name !== 'string' || name === 'then') return undefined
      return (params: unknown) => this.#call(name as RequestName, params)
    },
  })

  handle<M extends RequestName>(name: M, handler: Handler<M>): void {
    this.#handlers.set(name, handler as (params: never) => unknown)
  }

  /** The parameters of each `name` request so far. */
  paramsOf<M extends RequestName>(name: M): Params<M>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.params as Params<M>)
  }

  /** Send an event to the subscribers, as the engine would. */
  emit<E extends EventName>(event: E, ...args: Events[E]): void {
    for (const listener of this.#listeners.get(event) ?? [])
      (listener as (...a: Events[E]) => void)(...args)
  }

  /** Forget handlers, calls and subscribers (between tests). */
  reset(): void {
    this.calls = []
    this.#handlers.clear()
    this.#listeners.clear()
  }

  #on = <E extends EventName>(event: E, listener: (...args: Events[E]) => void): (() => void) => {
    const set = this.#listeners.get(event) ?? new Set()
    set.add(listener)
    this.#listeners.set(event, set)
    return () => set.delete(listener)
  }

  async #call(name: RequestName, params: unknown): Promise<unknown> {
    this.calls.push({ name, params })
    const handler = this.#handlers.get(name)
    if (!handler) throw new Error(`fake api: no handler for ${name}`)
    return handler(params as never)
  }
}

export const fake = new FakeApi()

/** Run pending effects and let answered requests (and what they start) land. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    flushSync()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}
