/**
 * Worker entry of a data-parallel shard (see parallel.ts): owns one model replica over the shared
 * params, waits for a step generation, computes its shard's gradients, reports, repeats.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { paramLayout, taggerViews } from '../../models/params'
import { allocWorkspace, type Tagger } from '../../models/tagger'
import { pickKernels } from '../kernels/load'
import { CTRL, runShard, shardViews, type ShardInit } from './parallel'

const init = workerData as ShardInit
const ctrl = new Int32Array(init.ctrl)

function fail(e: unknown): void {
  const text = new TextEncoder().encode(`shard ${init.shard}: ${(e as Error)?.stack ?? String(e)}`)
  new Uint8Array(init.error).set(text.subarray(0, init.error.byteLength - 1))
  Atomics.store(ctrl, CTRL.failed, 1)
  Atomics.add(ctrl, CTRL.done, 1)
  Atomics.notify(ctrl, CTRL.done)
}

try {
  const k = pickKernels(init.kernels)
  const params = new Float32Array(init.params)
  const sh = shardViews(init)
  const grads = sh.grads
  const { config } = init
  const m: Tagger<Float32Array> = {
    config,
    layout: paramLayout(config),
    params,
    grads,
    p: taggerViews(params, config),
    g: taggerViews(grads, config),
  }
  const ws = allocWorkspace(config, k, init.Tmax, init.rows)
  parentPort!.postMessage({ ready: k.name })
  let seen = 0
  for (;;) {
    Atomics.wait(ctrl, CTRL.gen, seen)
    const gen = Atomics.load(ctrl, CTRL.gen)
    if (gen < 0) break
    if (gen === seen) continue
    seen = gen
    const T = Atomics.load(ctrl, CTRL.T)
    try {
      runShard(k, m, ws, sh, init, T)
    } catch (e) {
      fail(e)
      continue
    }
    Atomics.add(ctrl, CTRL.done, 1)
    Atomics.notify(ctrl, CTRL.done)
  }
} catch (e) {
  fail(e)
  parentPort?.postMessage(`failed: ${(e as Error)?.message ?? String(e)}`)
}
