/** Service.call's bound on requests in flight: a line with a limit, 'busy' beyond it, long jobs apart. */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Service } from './service'

/** predictMedia that finishes when the test says so (or fails when its job is cancelled). */
const predictions = vi.hoisted(() => ({ release: [] as (() => void)[] }))
vi.mock('./project/predictions', async (original) => ({
  ...(await original<typeof import('./project/predictions')>()),
  predictMedia: (_p: unknown, _m: unknown, media: string, ctx: { signal: AbortSignal }) =>
    new Promise((resolve, reject) => {
      predictions.release.push(() => resolve({ media }))
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))
    }),
}))

let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-limits-'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const tick = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('Service.call limits', () => {
  it('runs a few requests at a time, lines up a few more and answers the rest busy at once', async () => {
    const service = new Service(() => {}, { limits: { running: 2, waiting: 3 } })
    let running = 0
    let peak = 0
    const release: (() => void)[] = []
    service.handlers.getProject = async () => {
      peak = Math.max(peak, ++running)
      await new Promise<void>((resolve) => release.push(resolve))
      running--
      return null
    }
    const calls = Array.from({ length: 8 }, () => service.call('getProject', {}))
    const early = await Promise.race([Promise.all(calls.slice(5)), tick().then(() => 'pending')])
    expect(early).toEqual(
      Array(3).fill({
        ok: false,
        error: { code: 'busy', message: 'the engine is busy with 5 requests; try again' },
      }),
    )
    // cancelJob never waits in line, however busy the engine is.
    expect(await service.call('cancelJob', { jobId: 'none' })).toEqual({
      ok: true,
      result: { cancelled: false },
    })
    expect(release).toHaveLength(2)
    while (release.length || running) {
      release.splice(0).forEach((r) => r())
      await tick()
    }
    expect(await Promise.all(calls.slice(0, 5))).toEqual(Array(5).fill({ ok: true, result: null }))
    expect(peak).toBe(2)
    // Nothing left holding a place.
    expect(await service.call('listDir', { dir })).toMatchObject({ ok: true })
  })

  it('counts long jobs apart: they do not starve quick requests, and wait where cancelJob reaches them', async () => {
    const service = new Service(() => {}, {
      limits: { running: 1, waiting: 0, jobs: 1, jobsWaiting: 1 },
    })
    expect(await service.call('createProject', { dir: path.join(dir, 'p') })).toMatchObject({
      ok: true,
    })
    const predict = (jobId: string) =>
      service.call('predict', { jobId, model: 'run:m', media: 'a.wav' })
    const first = predict('p1')
    const second = predict('p2')
    await tick()
    expect(predictions.release).toHaveLength(1)
    expect(await predict('p3')).toMatchObject({
      ok: false,
      error: { code: 'busy', message: expect.stringContaining('jobs') },
    })
    // Two jobs in flight, and the one quick place is still free.
    expect(await service.call('getProject', {})).toMatchObject({
      ok: true,
      result: { dir: path.join(dir, 'p') },
    })
    expect(await service.call('cancelJob', { jobId: 'p2' })).toEqual({
      ok: true,
      result: { cancelled: true },
    })
    expect(await second).toMatchObject({ ok: false, error: { code: 'cancelled' } })
    predictions.release.shift()!()
    expect(await first).toEqual({ ok: true, result: { media: 'a.wav' } })
    // The place is free again.
    const third = predict('p4')
    await tick()
    predictions.release.shift()!()
    expect(await third).toEqual({ ok: true, result: { media: 'a.wav' } })
    await service.close()
  })
})
