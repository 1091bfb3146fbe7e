/**
 * Starting worker threads the same way in tests (TypeScript sources, loaded through tsx) and in
 * the built app (bundled JS next to this file). Every worker entry is listed once here and built
 * as its own entry by electron.vite.config.ts (`workerEntries`).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** Worker entry points: name → source file relative to engine/. */
export const workerSources = {
  features: 'features/worker.ts',
  'train-shard': 'train/parallel-worker.ts',
  train: 'train/worker.ts',
} as const satisfies Record<string, string>

export type WorkerName = keyof typeof workerSources

const runningFromSource = import.meta.url.endsWith('.ts')

/** Start the named worker; `options.workerData` is passed through. */
export function startWorker(name: WorkerName, options: WorkerOptions = {}): Worker {
  if (!runningFromSource)
    return new Worker(new URL(`./${name}-worker.js`, import.meta.url), options)
  const source = new URL(workerSources[name], import.meta.url).href
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}) })`
  return new Worker(boot, { ...options, eval: true })
}
