import { describe, expect, it } from 'vitest'
import { Rng } from '../../models/rng'
import { runTrainingWorker } from './job'
import { trainTagger } from './loop'
import type { TrainData } from '../data/sequences'
import { parseTrainSettings } from './settings'

function data(): TrainData {
  const rng = new Rng(11)
  const seq = (name: string) => {
    const T = 200
    const x = new Float32Array(T * 2)
    const labels = new Int32Array(T)
    for (let t = 0; t < T; t++) {
      labels[t] = Math.floor(t / 25) % 2
      x[t * 2] = labels[t] + 0.3 * rng.normal()
      x[t * 2 + 1] = rng.normal()
    }
    return { name, x, labels }
  }
  return { F: 2, classes: ['bg', 'on'], train: [seq('a'), seq('b'), seq('c')], val: [seq('d')] }
}

describe('training in a worker thread', () => {
  it('gives the same weights as the loop in this thread, with progress and epoch callbacks', async () => {
    const settings = parseTrainSettings({
      hidden: 8,
      layers: 1,
      epochs: 3,
      batch: 4,
      chunk: 50,
      threads: 2,
      patience: 0,
    })
    const epochs: number[] = []
    let progressEvents = 0
    const inWorker = await runTrainingWorker(data(), settings, {
      kernels: 'ts',
      onProgress: () => progressEvents++,
      onEpoch: async (r) => void epochs.push(r.epoch),
    })
    const here = await trainTagger(data(), settings, { kernels: 'ts' })
    expect(epochs).toEqual([1, 2, 3])
    expect(progressEvents).toBeGreaterThanOrEqual(3 * 3)
    expect(Array.from(inWorker.params)).toEqual(Array.from(here.params))
  })

  it('cancels promptly', async () => {
    const controller = new AbortController()
    const settings = parseTrainSettings({
      hidden: 8,
      layers: 1,
      epochs: 500,
      batch: 2,
      chunk: 50,
      threads: 1,
    })
    const started = Date.now()
    const run = runTrainingWorker(data(), settings, {
      kernels: 'ts',
      signal: controller.signal,
      onProgress: (p) => p.epoch === 2 && controller.abort(),
    })
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})
