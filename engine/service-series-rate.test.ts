/**
 * The rate of a CSV series without a time column, as a project keeps it: setSeriesRate stores it
 * in the manifest, the series view places the rows by it (and, until it is given, draws them
 * 1 s apart with a warning saying so), and a column of text reaches the view as a warning.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Envelope, ProjectView, SeriesWindow } from './api'
import { makeWav, sine } from './media/audio/testing'
import { Service } from './service'

let dir: string
let service: Service
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-series-rate-'))
  service = new Service(() => {})
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const ok = <T>(e: Envelope<unknown>): T => {
  if (!e.ok) throw new Error(e.error.message)
  return e.result as T
}
const series = async (media: string) =>
  ok<SeriesWindow>(
    await service.call('getSeries', { media, start: 0, end: 100, points: 1000, jobId: 'series' }),
  )

describe('a series without a time column in a project', () => {
  it('is drawn 1 s apart with a warning until its rate is set, then at its rate', async () => {
    await fs.writeFile(path.join(dir, 'log.csv'), 'value,value2\n1,2\n3,4\n5,6\n')
    ok(await service.call('createProject', { dir }))
    ok(await service.call('addMedia', { paths: [path.join(dir, 'log.csv')] }))

    const before = await series('log.csv')
    expect(before.times).toEqual([0, 1, 2])
    expect(before.warnings).toEqual([
      `${path.join(dir, 'log.csv')}: no time column: rows are drawn 1 s apart; give the rate in the import dialog`,
    ])

    const view = ok<ProjectView>(await service.call('setSeriesRate', { media: 'log.csv', rate: 4 }))
    expect(view.media[0]).toMatchObject({ id: 'log.csv', seriesRate: 4 })
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'framewise.json'), 'utf8'))
    expect(manifest.media[0].seriesRate).toBe(4)

    const after = await series('log.csv')
    expect(after.times).toEqual([0, 0.25, 0.5])
    expect(after.values).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ])
    expect(after.sampleRate).toBe(4)
    expect(after.duration).toBe(0.75)
    expect(after.warnings).toBeUndefined()

    // kept across a restart of the engine
    service = new Service(() => {})
    ok(await service.call('openProject', { dir }))
    expect((await series('log.csv')).times).toEqual([0, 0.25, 0.5])

    const cleared = ok<ProjectView>(
      await service.call('setSeriesRate', { media: 'log.csv', rate: null }),
    )
    expect(cleared.media[0].seriesRate).toBeUndefined()
    expect((await series('log.csv')).times).toEqual([0, 1, 2])
  })

  it('refuses a rate for audio, and a rate that is no rate', async () => {
    await fs.writeFile(
      path.join(dir, 'tone.wav'),
      makeWav({ bits: 16, rate: 8000, channels: [sine(800, 440, 8000)] }),
    )
    await fs.writeFile(path.join(dir, 'log.csv'), 'a\n1\n2\n')
    ok(await service.call('createProject', { dir }))
    ok(
      await service.call('addMedia', {
        paths: [path.join(dir, 'tone.wav'), path.join(dir, 'log.csv')],
      }),
    )
    const audio = await service.call('setSeriesRate', { media: 'tone.wav', rate: 50 })
    expect(audio).toMatchObject({
      ok: false,
      error: {
        code: 'bad-input',
        message: 'tone.wav: not a CSV time series; only those take a rate',
      },
    })
    for (const rate of [0, -5, Number.POSITIVE_INFINITY, '50'])
      expect(await service.call('setSeriesRate', { media: 'log.csv', rate })).toMatchObject({
        ok: false,
        error: { code: 'invalid-request' },
      })
  })

  it('shows a skipped column of text as a warning of the view', async () => {
    await fs.writeFile(path.join(dir, 'notes.csv'), 'time,x,note\n0,1,start\n0.5,2,\n')
    ok(await service.call('createProject', { dir }))
    ok(await service.call('addMedia', { paths: [path.join(dir, 'notes.csv')] }))
    const s = await series('notes.csv')
    expect(s.channels).toEqual(['x'])
    expect(s.warnings).toEqual([
      `${path.join(dir, 'notes.csv')}: skipped columns of text, not numbers: "note" ("start" on line 2)`,
    ])
  })
})
