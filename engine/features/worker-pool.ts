/**
 * A lazily started, reused pool of `features` worker threads. Starting a worker costs ≈ 0.5 s in
 * tests (tsx compiles the sources) and tens of ms in the app, so one pool serves every file of a
 * session. A worker is ref'd only while it has jobs, so an idle pool never keeps the process alive
 * and a waiting caller always gets its reply.
 */
import type { Worker } from 'node:worker_threads'
import { startWorker } from '../workers'
import type { FeatureReply, WorkerJob } from './worker'

interface Pending {
  resolve: (data: Float32Array) => void
  reject: (e: Error) => void
  onProgress?: (done: number) => void
}

interface Slot {
  worker: Worker
  pending: Map<number, Pending>
}

export class FeaturePool {
  private slots: Slot[] = []
  private nextId = 0

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn())
  }

  private spawn(): Slot {
    const worker = startWorker('features')
    const slot: Slot = { worker, pending: new Map() }
    worker.on('message', (m: FeatureReply) => {
      const p = slot.pending.get(m.id)
      if (!p) return
      if ('progress' in m) return p.onProgress?.(m.progress)
      slot.pending.delete(m.id)
      if (slot.pending.size === 0) worker.unref()
      if ('error' in m) p.reject(new Error(m.error))
      else p.resolve(m.data)
    })
    const fail = (e: Error) => {
      for (const p of slot.pending.values()) p.reject(e)
      slot.pending.clear()
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots[i] = this.spawn()
    }
    worker.on('error', fail)
    worker.on(
      'exit',
      (code) => code !== 0 && fail(new Error(`feature worker exited with code ${code}`)),
    )
    return slot
  }

  /** Runs one job on the least busy worker; `job.samples` or `job.x`, if any, is transferred. */
  run(job: WorkerJob, onProgress?: (done: number) => void): Promise<Float32Array> {
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref() // keep the process alive until the reply
      slot.pending.set(id, { resolve, reject, onProgress })
      const data = 'samples' in job ? job.samples : 'x' in job ? job.x : undefined
      const transfer = data ? [data.buffer as ArrayBuffer] : []
      slot.worker.postMessage({ ...job, id } satisfies WorkerJob, transfer)
    })
  }

  /** Ends every worker; pending jobs reject. */
  async close(): Promise<void> {
    const slots = this.slots
    this.slots = []
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}

let shared: FeaturePool | undefined

/** The process-wide pool, (re)started with `size` workers when the size changes. */
export function featurePool(size: number): FeaturePool {
  if (!shared || shared.size !== size) {
    void shared?.close()
    shared = new FeaturePool(size)
  }
  return shared
}
