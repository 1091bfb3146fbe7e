import { describe, expect, it } from 'vitest'
import { SingleFlight, type FlightContext } from './single-flight'

/** A computation the test finishes by hand, counting how often it started. */
function gate() {
  let release!: (v: number[]) => void
  const started: FlightContext[] = []
  const compute = (ctx: FlightContext) => {
    started.push(ctx)
    return new Promise<number[]>((resolve, reject) => {
      release = resolve
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))
    })
  }
  return { compute, started, release: (v: number[]) => release(v) }
}

describe('SingleFlight', () => {
  it('runs one computation per key for concurrent callers, sends its progress to each, copies for all but the first', async () => {
    const flights = new SingleFlight<number[]>((v) => [...v])
    const g = gate()
    const seen: string[] = []
    const calls = [0, 1, 2].map((i) =>
      flights.run('k', g.compute, { onProgress: (f) => seen.push(`${i}:${f}`) }),
    )
    await Promise.resolve()
    await Promise.resolve()
    expect(g.started).toHaveLength(1)
    g.started[0].progress(0.5, 'half')
    expect(seen).toEqual(['0:0.5', '1:0.5', '2:0.5'])
    g.release([1, 2])
    const results = await Promise.all(calls)
    expect(results).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ])
    expect(new Set(results).size).toBe(3)
    expect(flights.size).toBe(0)
  })

  it('lets a caller cancel alone, and aborts the computation when the last one cancels', async () => {
    const flights = new SingleFlight<number[]>()
    const g = gate()
    const [a, b] = [new AbortController(), new AbortController()]
    const first = flights.run('k', g.compute, { signal: a.signal })
    const second = flights.run('k', g.compute, { signal: b.signal })
    await Promise.resolve()
    a.abort()
    await expect(first).rejects.toMatchObject({ name: 'AbortError' })
    expect(g.started[0].signal.aborted).toBe(false)
    b.abort()
    await expect(second).rejects.toMatchObject({ name: 'AbortError' })
    expect(g.started[0].signal.aborted).toBe(true)
    expect(flights.size).toBe(0)
    // the next caller starts afresh instead of joining the aborted computation
    const third = flights.run('k', g.compute)
    await Promise.resolve()
    await Promise.resolve()
    expect(g.started).toHaveLength(2)
    g.release([3])
    expect(await third).toEqual([3])
  })

  it('gives every waiting caller the failure of the computation, then forgets it', async () => {
    const flights = new SingleFlight<number>()
    const failing = () => Promise.reject(new Error('bad file'))
    const both = [flights.run('k', failing), flights.run('k', failing)]
    for (const p of both) await expect(p).rejects.toThrow('bad file')
    expect(await flights.run('k', async () => 7)).toBe(7)
  })
})
