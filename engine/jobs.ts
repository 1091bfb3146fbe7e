/**
 * Long work as jobs: each has a client-chosen id, an AbortSignal that `cancel(id)` fires, and a
 * progress callback whose events are throttled (at most one per 100 ms per job, plus the last).
 */
import { ApiError, type Progress } from './api'
import type { Gate } from './gate'

/** What a long-running function receives. */
export interface JobContext {
  signal: AbortSignal
  /** Report progress: fraction 0..1 (or null when unknown) and what is being done. */
  progress(fraction: number | null, message: string): void
}

/**
 * `report`, called at most once per `intervalMs` (the last report, fraction 1, always passes):
 * the one throttle of progress, for job events and the CLI's progress line alike.
 */
export function throttledProgress(
  report: JobContext['progress'],
  intervalMs: number,
): JobContext['progress'] {
  let last = -Infinity
  return (fraction, message) => {
    const now = Date.now()
    if (fraction !== 1 && now - last < intervalMs) return
    last = now
    report(fraction, message)
  }
}

export class Jobs {
  readonly #running = new Map<string, AbortController>()

  constructor(private readonly emit: (p: Progress) => void) {}

  /**
   * Run `work` as job `jobId`; rejects with ApiError('cancelled') when cancelled. With a `gate`
   * the job first waits for a place in it (or is refused 'busy'), and can be cancelled while it
   * waits.
   */
  async run<T>(jobId: string, work: (ctx: JobContext) => Promise<T>, gate?: Gate): Promise<T> {
    if (this.#running.has(jobId))
      throw new ApiError('invalid-request', `job ${jobId} is already running`)
    const controller = new AbortController()
    this.#running.set(jobId, controller)
    const ctx: JobContext = {
      signal: controller.signal,
      progress: throttledProgress(
        (fraction, message) => this.emit({ jobId, fraction, message }),
        100,
      ),
    }
    let entered = false
    try {
      await gate?.enter(controller.signal)
      entered = true
      const result = await work(ctx)
      controller.signal.throwIfAborted()
      return result
    } catch (err) {
      if (controller.signal.aborted) throw new ApiError('cancelled', `job ${jobId} was cancelled`)
      throw err
    } finally {
      if (entered) gate?.leave()
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
