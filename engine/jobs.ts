/**
 * Long work as jobs: each has a client-chosen id, an AbortSignal that `cancel(id)` fires, and a
 * progress callback whose events are throttled (at most one per 100 ms per job, plus the last).
 */
import { ApiError, type Progress } from './api'

/** What a long-running function receives. */
export interface JobContext {
  signal: AbortSignal
  /** Report progress: fraction 0..1 (or null when unknown) and what is being done. */
  progress(fraction: number | null, message: string): void
}

export class Jobs {
  readonly #running = new Map<string, AbortController>()

  constructor(private readonly emit: (p: Progress) => void) {}

  /** Run `work` as job `jobId`; rejects with ApiError('cancelled') when cancelled. */
  async run<T>(jobId: string, work: (ctx: JobContext) => Promise<T>): Promise<T> {
    if (this.#running.has(jobId)) throw new ApiError('invalid-request', `job ${jobId} is already running`)
    const controller = new AbortController()
    this.#running.set(jobId, controller)
    let last = 0
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (fraction, message) => {
        const now = Date.now()
        if (fraction !== 1 && now - last < 100) return
        last = now
        this.emit({ jobId, fraction, message })
      },
    }
    try {
      const result = await work(ctx)
      controller.signal.throwIfAborted()
      return result
    } catch (err) {
      if (controller.signal.aborted) throw new ApiError('cancelled', `job ${jobId} was cancelled`)
      throw err
    } finally {
      this.#running.delete(jobId)
    }
  }

  /** Abort job `jobId`; false when no such job is running. */
  cancel(jobId: string): boolean {
    const controller = this.#running.get(jobId)
    controller?.abort()
    return controller !== undefined
  }

  /** Abort everything (shutdown). */
  cancelAll(): void {
    for (const c of this.#running.values()) c.abort()
  }
}
