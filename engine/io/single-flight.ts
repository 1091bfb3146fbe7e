/**
 * One in-flight computation per key, shared by the callers that ask for the same key meanwhile
 * (the peaks and feature caches: concurrent jobs on one uncached file compute it once). Each
 * caller brings its own signal and progress callback. A caller that cancels leaves at once with
 * its own signal's reason; the computation runs on while any caller still waits and is aborted
 * only when none does, so one caller's cancel never fails the others.
 */

export interface FlightCaller {
  /** Cancels this caller's wait (and the computation, once no caller waits for it). */
  signal?: AbortSignal
  /** Progress of the shared computation, while this caller waits for it. */
  onProgress?: (fraction: number, message: string) => void
}

export interface FlightContext {
  /** Aborted when every caller has cancelled. */
  signal: AbortSignal
  /** Reports to every caller still waiting. */
  progress(fraction: number, message: string): void
}

interface Flight<T> {
  controller: AbortController
  waiters: Set<FlightCaller>
  result: Promise<T>
  /** Callers handed the result so far: the first gets it as is, the rest a copy. */
  delivered: number
}

export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>()

  /** `copy` gives every caller but the first its own copy, for results a caller may modify. */
  constructor(private readonly copy: (value: T) => T = (value) => value) {}

  /** Keys being computed now. */
  get size(): number {
    return this.#flights.size
  }

  /** The result of `compute` for `key`: joins the computation in flight, or starts one. */
  run(
    key: string,
    compute: (ctx: FlightContext) => Promise<T>,
    caller: FlightCaller = {},
  ): Promise<T> {
    const { signal } = caller
    if (signal?.aborted) return Promise.reject(signal.reason)
    const flight = this.#flights.get(key) ?? this.#start(key, compute)
    const waiter: FlightCaller = { onProgress: caller.onProgress }
    flight.waiters.add(waiter)
    return new Promise<T>((resolve, reject) => {
      const leave = (): boolean => {
        signal?.removeEventListener('abort', onAbort)
        return flight.waiters.delete(waiter)
      }
      const onAbort = () => {
        leave()
        reject(signal!.reason)
        if (flight.waiters.size > 0) return
        if (this.#flights.get(key) === flight) this.#flights.delete(key)
        flight.controller.abort()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      flight.result.then(
        (value) => leave() && resolve(flight.delivered++ === 0 ? value : this.copy(value)),
        (err) => leave() && reject(err),
      )
    })
  }

  #start(key: string, compute: (ctx: FlightContext) => Promise<T>): Flight<T> {
    const controller = new AbortController()
    const waiters = new Set<FlightCaller>()
    const ctx: FlightContext = {
      signal: controller.signal,
      progress: (fraction, message) => waiters.forEach((w) => w.onProgress?.(fraction, message)),
    }
    // Started a microtask later, so the first caller is waiting before any progress is reported.
    const result = Promise.resolve().then(() => compute(ctx))
    const flight: Flight<T> = { controller, waiters, result, delivered: 0 }
    this.#flights.set(key, flight)
    const done = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key)
    }
    result.then(done, done)
    return flight
  }
}
