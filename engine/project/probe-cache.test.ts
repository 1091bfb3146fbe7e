/**
 * Header probes kept between sessions: a new engine (fresh modules) lists a project without
 * reading a WAV header again until a file changes; a damaged cache is ignored; label files that
 * do not exist are not opened.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeWav } from '../media/audio/testing'
import { ProbeCache } from './probe-cache'
import { Project } from './store'

const counts = globalThis as unknown as { wavReads: number; labelReads: number }
counts.wavReads = 0
counts.labelReads = 0

vi.mock('../media/audio/wav', async (original) => {
  const actual = await original<typeof import('../media/audio/wav')>()
  return {
    ...actual,
    readWavInfo: (...args: Parameters<typeof actual.readWavInfo>) => {
      ;(globalThis as unknown as { wavReads: number }).wavReads++
      return actual.readWavInfo(...args)
    },
  }
})
vi.mock('../io/input-files', async (original) => {
  const actual = await original<typeof import('../io/input-files')>()
  return {
    ...actual,
    readRegularText: (...args: Parameters<typeof actual.readRegularText>) => {
      if (args[0].endsWith('.labels.json'))
        (globalThis as unknown as { labelReads: number }).labelReads++
      return actual.readRegularText(...args)
    },
  }
})

/** A Project class of a new engine: modules loaded afresh, so nothing is remembered in memory. */
async function newEngine() {
  vi.resetModules()
  return (await import('./store')).Project
}

const wav = (seconds: number, rate = 8000) =>
  makeWav({ bits: 16, rate, channels: [new Float64Array(Math.round(seconds * rate))] })

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-probe-cache-'))
  counts.wavReads = 0
  counts.labelReads = 0
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('probes kept between sessions', () => {
  it('a new engine reads no header again until a file changes, and ignores a damaged cache', async () => {
    const names = ['a.wav', 'b.wav', 'c.wav']
    for (const [i, n] of names.entries()) await fs.writeFile(path.join(dir, n), wav(1 + i))
    const created = await (await newEngine()).create(dir)
    await created.addMedia(names)
    const durations = async () => {
      const p = await (await newEngine()).open(dir)
      return (await p.view()).media.map((m) => m.duration)
    }
    counts.wavReads = 0
    expect(await durations()).toEqual([1, 2, 3])
    expect(counts.wavReads).toBe(3)
    expect(await durations()).toEqual([1, 2, 3])
    expect(counts.wavReads).toBe(3) // all three from the cache

    // b changes (size and mtime): only b is read again
    await fs.writeFile(path.join(dir, 'b.wav'), wav(5))
    expect(await durations()).toEqual([1, 5, 3])
    expect(counts.wavReads).toBe(4)

    // same size, other mtime: read again too
    await fs.writeFile(path.join(dir, 'a.wav'), wav(1, 8000))
    await fs.utimes(path.join(dir, 'a.wav'), new Date(), new Date(Date.now() + 5000))
    expect(await durations()).toEqual([1, 5, 3])
    expect(counts.wavReads).toBe(5)

    const cacheFile = path.join(dir, '.framewise-cache', 'probes.json')
    await fs.writeFile(cacheFile, '{ damaged')
    expect(await durations()).toEqual([1, 5, 3])
    expect(counts.wavReads).toBe(8)
    expect(JSON.parse(await fs.readFile(cacheFile, 'utf8')).format).toBe('framewise-probes')
    expect(await durations()).toEqual([1, 5, 3])
    expect(counts.wavReads).toBe(8)
  })

  it('drops invalid entries and keeps the others', async () => {
    const file = path.join(dir, 'probes.json')
    await fs.writeFile(
      file,
      JSON.stringify({
        format: 'framewise-probes',
        version: 1,
        entries: {
          '/x/good.wav': [10, 1000, 2.5, 'data chunk truncated'],
          '/x/nan.wav': [10, 1000, null],
          '/x/short.wav': [10, 1000],
          '/x/badwarning.wav': [10, 1000, 1, 7],
          '/x/text.wav': 'hello',
        },
      }),
    )
    const cache = await ProbeCache.load(file)
    expect(cache.get('/x/good.wav', 10, 1000)).toEqual({
      duration: 2.5,
      warnings: ['data chunk truncated'],
    })
    expect(cache.get('/x/good.wav', 11, 1000)).toBeUndefined()
    expect(cache.get('/x/good.wav', 10, 1001)).toBeUndefined()
    for (const f of ['nan', 'short', 'badwarning', 'text'])
      expect(cache.get(`/x/${f}.wav`, 10, 1000)).toBeUndefined()
    // unknown durations are not kept (an MP3 is known once its peaks exist)
    cache.set('/x/mp3.mp3', 1, 1, { duration: null, warnings: [] })
    cache.set('/x/new.wav', 1, 1, { duration: 4, warnings: [] })
    await cache.save()
    const again = await ProbeCache.load(file)
    expect(again.get('/x/new.wav', 1, 1)?.duration).toBe(4)
    expect(again.get('/x/good.wav', 10, 1000)?.duration).toBe(2.5)
    expect(again.get('/x/mp3.mp3', 1, 1)).toBeUndefined()
  })

  it('a view opens only the label files that exist', async () => {
    const names = ['a.wav', 'b.wav', 'c.wav', 'd.wav']
    for (const n of names) await fs.writeFile(path.join(dir, n), wav(1))
    const p = await Project.create(dir)
    await p.addMedia(names)
    await p.writeLabels('c.wav', [{ start: 0, end: 0.5, label: 'event' }], 0)
    const fresh = await Project.open(dir)
    counts.labelReads = 0
    const view = await fresh.view()
    expect(view.media.map((m) => m.segmentCount)).toEqual([0, 0, 1, 0])
    expect(view.media.every((m) => m.problem === undefined)).toBe(true)
    expect(counts.labelReads).toBe(1)
  })
})
