/**
 * Many jobs at once on the same uncached files, through one Service, with random cancels:
 * waveform, peaks, spectrogram, predict and three 1-epoch trainings per round, on a project of a
 * few short recordings whose caches are emptied before each round. Every reply must be a result
 * or `cancelled`: never `internal` (two jobs renaming each other's cache temp files away, or one
 * job's cancel failing another that shares its computation). `FW_FUZZ_SCALE` multiplies the
 * rounds, `FW_SEED` changes the seed.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunView } from '../api'
import { Service } from '../service'
import { syntheticAudio } from '../data/synthetic'
import { fuzzScale, reportFuzz } from './report'
import { rng } from './rng'

const ROUNDS = Math.round(8 * fuzzScale())
const SEED = Number(process.env.FW_SEED ?? 1)
const FILES = ['a.wav', 'b.wav', 'c.wav']
const SETTINGS = { hidden: 4, layers: 1, epochs: 1, batch: 4, chunk: 100, threads: 1 }

let dir: string
let service: Service
let model: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-fuzz-concurrency-'))
  service = new Service(() => {})
  await ok('createProject', { dir })
  await ok('setClasses', {
    classes: [
      { name: 'background', color: '#999999', hotkey: null, role: 'background' },
      { name: 'tone', color: '#ff0000', hotkey: 1 },
      { name: 'chirp', color: '#00ff00', hotkey: 2 },
      { name: 'noise', color: '#0000ff', hotkey: 3 },
    ],
  })
  for (const [i, name] of FILES.entries()) {
    const a = syntheticAudio(900 + i, 3)
    await fs.writeFile(path.join(dir, name), a.wav)
    await ok('addMedia', { paths: [name] })
    await ok('saveLabels', { media: name, segments: a.segments, baseRevision: 0 })
  }
  model = `run:${(await ok<RunView>('train', { jobId: 'setup', settings: SETTINGS })).id}`
}, 60_000)
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await service.call(method, params)
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`)
  return r.result as T
}

describe('concurrent jobs on uncached files', () => {
  it(
    'answers every job with a result or cancelled, never internal',
    async () => {
      const r = rng(SEED)
      const tally = { jobs: 0, results: 0, cancelled: 0, failures: 0 }
      const failures: string[] = []
      let peakRss = process.memoryUsage().rss
      for (let round = 0; round < ROUNDS; round++) {
        await fs.rm(path.join(dir, '.framewise-cache'), { recursive: true, force: true })
        const jobs: { id: string; method: string; params: Record<string, unknown> }[] = []
        const add = (method: string, params: Record<string, unknown>) => {
          const id = `r${round}-${jobs.length}`
          jobs.push({ id, method, params: { ...params, jobId: id } })
        }
        for (let k = 0; k < 16; k++) {
          const media = r.pick(FILES)
          const kind = r.pick(['getPeaks', 'getSpectrogram', 'predict'] as const)
          if (kind === 'getPeaks')
            add(kind, { media, start: 0, end: r.int(1, 3), pixels: r.int(10, 500) })
          if (kind === 'getSpectrogram')
            add(kind, { media, start: 0, end: 3, columns: 64, bands: 32 })
          if (kind === 'predict') add(kind, { media, model })
        }
        for (let k = 0; k < 3; k++) add('train', { settings: SETTINGS })
        const replies = jobs.map((j) => service.call(j.method, j.params))
        // Cancel about a third of the jobs, each at a random moment while the others run.
        const cancels = jobs
          .filter(() => r.next() < 0.35)
          .map(
            (j) =>
              new Promise<void>((done) =>
                setTimeout(() => (service.jobs.cancel(j.id), done()), r.int(0, 40)),
              ),
          )
        const sampler = setInterval(
          () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
          50,
        )
        const settled = await Promise.all(replies)
        clearInterval(sampler)
        await Promise.all(cancels)
        settled.forEach((reply, i) => {
          tally.jobs++
          if (reply.ok) tally.results++
          else if (reply.error.code === 'cancelled') tally.cancelled++
          else {
            tally.failures++
            failures.push(`${jobs[i].method}: ${reply.error.code}: ${reply.error.message}`)
          }
        })
      }
      reportFuzz('concurrency', {
        rounds: ROUNDS,
        ...tally,
        peakRssMB: Math.round(peakRss / 2 ** 20),
      })
      expect(failures).toEqual([])
      expect(tally.results).toBeGreaterThan(0)
    },
    60_000 + ROUNDS * 10_000,
  )
})
