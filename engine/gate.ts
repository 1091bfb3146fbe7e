/**
 * A bound on concurrent work: at most `running` at a time, up to `waiting` more in line (first
 * come, first served), and beyond that an immediate ApiError('busy') instead of an ever longer
 * line holding ever more memory.
 */
import { ApiError } from './api'

export class Gate {
  #active = 0
  readonly #line: (() => void)[] = []

  constructor(
    readonly running: number,
    readonly waiting: number,
    /** What is counted, for the busy message ("requests", "jobs (…)"). */
    private readonly what: string,
  ) {}

  /** Running plus waiting. */
  get load(): number {
    return this.#active + this.#line.length
  }

  /**
   * Resolves when a place is free (then `leave()` exactly once); rejects with 'busy' when the
   * line is full, or with `signal`'s reason when it aborts while waiting.
   */
  enter(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#active < this.running) {
      this.#active++
      return Promise.resolve()
    }
    if (this.#line.length >= this.waiting)
      return Promise.reject(
        new ApiError('busy', `the engine is busy with ${this.load} ${this.what}; try again`),
      )
    return new Promise<void>((resolve, reject) => {
      const place = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        this.#line.splice(this.#line.indexOf(place), 1)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#line.push(place)
    })
  }

  /** Give the place to the next in line, if any. */
  leave(): void {
    const next = this.#line.shift()
    if (next) next()
    else this.#active--
  }
}
