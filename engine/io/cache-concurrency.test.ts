/**
 * Concurrent jobs on one uncached file: the peaks and feature caches compute it once, every
 * caller gets the same result, and a caller that cancels (even the one that started the
 * computation) leaves alone while the others still get theirs.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeWav, sine } from '../media/audio/testing'
import { loadPeaks } from '../media/audio/peaks'
import { extractFileFeatures } from '../features/extract'
import { parseFeatureSpec } from '../features/spec'
import { Service } from '../service'

const decodes = vi.hoisted(() => ({ count: 0 }))
// WAV peaks are read block by block (buildWavPeaks), not decoded: one header read per build.
const wavReads = vi.hoisted(() => ({ count: 0 }))
// Each peaks computation ends in one cache write; the service reads headers per request too.
const peaksWrites = vi.hoisted(() => ({ count: 0 }))
vi.mock('./atomic-write', async (original) => {
  const mod = await original<typeof import('./atomic-write')>()
  return {
    ...mod,
    writeFileAtomic: (...args: Parameters<typeof mod.writeFileAtomic>) => {
      if (String(args[0]).endsWith('.peaks')) peaksWrites.count++
      return mod.writeFileAtomic(...args)
    },
  }
})
vi.mock('../media/audio/wav', async (original) => {
  const mod = await original<typeof import('../media/audio/wav')>()
  return {
    ...mod,
    readWavInfo: (...args: Parameters<typeof mod.readWavInfo>) => {
      wavReads.count++
      return mod.readWavInfo(...args)
    },
  }
})
vi.mock('../media/audio/decode', async (original) => {
  const mod = await original<typeof import('../media/audio/decode')>()
  return {
    ...mod,
    decodeAudio: (...args: Parameters<typeof mod.decodeAudio>) => {
      decodes.count++
      return mod.decodeAudio(...args)
    },
  }
})

const N = 20
let dir: string
let wav: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cache-race-'))
  wav = join(dir, 'a.wav')
  writeFileSync(wav, makeWav({ bits: 16, rate: 16000, channels: [sine(3 * 16000, 440, 16000)] }))
  decodes.count = 0
  wavReads.count = 0
  peaksWrites.count = 0
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Aborts callers 0 (the one that starts the computation), 5, 10, … once it is under way. */
function cancelSome(): { signals: AbortSignal[]; cancelled: Set<number> } {
  const controllers = Array.from({ length: N }, () => new AbortController())
  const cancelled = new Set(Array.from({ length: N }, (_, i) => i).filter((i) => i % 5 === 0))
  setTimeout(() => cancelled.forEach((i) => controllers[i].abort()), 1)
  return { signals: controllers.map((c) => c.signal), cancelled }
}

describe('peaks cache under concurrent callers', () => {
  it('computes an uncached file once and gives all 20 callers equal peaks', async () => {
    const cache = join(dir, 'peaks')
    const all = await Promise.all(Array.from({ length: N }, () => loadPeaks(wav, cache)))
    expect(wavReads.count).toBe(1)
    for (const p of all) expect(p).toEqual(all[0])
    expect(readdirSync(cache)).toHaveLength(1) // the cache file, no temp files left
  })

  it('keeps computing for the callers still waiting when some cancel', async () => {
    const cache = join(dir, 'peaks')
    const { signals, cancelled } = cancelSome()
    const settled = await Promise.allSettled(
      signals.map((signal) => loadPeaks(wav, cache, { signal })),
    )
    const done = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    expect(done).toHaveLength(N - cancelled.size)
    settled.forEach((s, i) => {
      if (cancelled.has(i))
        expect(s).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } })
    })
    for (const p of done) expect(p).toEqual(done[0])
    expect(wavReads.count).toBe(1)
    expect(await loadPeaks(wav, cache)).toEqual(done[0])
    expect(wavReads.count).toBe(1) // served from the cache file
  })
})

describe('feature cache under concurrent callers', () => {
  // Per-file normalisation with Δ 0 standardises the base features in place: each caller
  // must get its own copy.
  const spec = parseFeatureSpec({
    kind: 'audio',
    sampleRate: 16000,
    deltas: 0,
    normalization: { mode: 'per-file' },
  })

  it('computes an uncached file once and gives all 20 callers equal, unshared features', async () => {
    const cacheDir = join(dir, 'feats')
    const all = await Promise.all(
      Array.from({ length: N }, () => extractFileFeatures(wav, spec, { cacheDir, workers: 0 })),
    )
    expect(decodes.count).toBe(1)
    for (const m of all) expect(m).toEqual(all[0])
    expect(new Set(all.map((m) => m.data)).size).toBe(N)
    expect(readdirSync(cacheDir)).toHaveLength(1)
  })

  it('keeps computing for the callers still waiting when some cancel', async () => {
    const cacheDir = join(dir, 'feats')
    const { signals, cancelled } = cancelSome()
    const settled = await Promise.allSettled(
      signals.map((signal) => extractFileFeatures(wav, spec, { cacheDir, workers: 0, signal })),
    )
    const done = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    expect(done).toHaveLength(N - cancelled.size)
    settled.forEach((s, i) => {
      if (cancelled.has(i))
        expect(s).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } })
    })
    for (const m of done) expect(m).toEqual(done[0])
    expect(decodes.count).toBe(1)
    expect(await extractFileFeatures(wav, spec, { cacheDir, workers: 0 })).toEqual(done[0])
  })
})

describe('getPeaks through one Service', () => {
  it('answers 20 concurrent requests on an uncached file, cancelling the first ones, with results or cancelled', async () => {
    const service = new Service(() => {})
    expect(await service.call('createProject', { dir })).toMatchObject({ ok: true })
    expect(await service.call('addMedia', { paths: ['a.wav'] })).toMatchObject({ ok: true })
    const calls = Array.from({ length: N }, (_, i) =>
      // two window sizes, so two pyramid levels are read from the one cached computation
      service.call('getPeaks', {
        media: 'a.wav',
        start: 0,
        end: i % 2 ? 3 : 1,
        pixels: 300,
        jobId: `j${i}`,
      }),
    )
    setTimeout(() => [0, 1, 5, 10].forEach((i) => service.jobs.cancel(`j${i}`)), 1)
    const replies = await Promise.all(calls)
    const codes = replies.map((r) => (r.ok ? 'ok' : r.error.code))
    expect(codes.filter((c) => c !== 'ok' && c !== 'cancelled')).toEqual([])
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(N - 4)
    expect(peaksWrites.count).toBe(1)
  })
})
