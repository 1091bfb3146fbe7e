import { mkdtempSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../../errors'
import { readSeriesCsv, type CsvOptions } from './csv'

const dir = mkdtempSync(join(tmpdir(), 'fw-csv-'))
let k = 0
const put = (text: string) => {
  const p = join(dir, `f${k++}.csv`)
  writeFileSync(p, text)
  return p
}
const fails = async (text: string, re: RegExp, o: CsvOptions = {}) => {
  const p = put(text)
  const e = await readSeriesCsv(p, o).catch((x) => x)
  expect(e).toBeInstanceOf(DataError)
  expect(e.message).toMatch(re)
  expect(e.message.startsWith(`${p}`)).toBe(true)
}

describe('readSeriesCsv', () => {
  it(
    'refuses a line without end while streaming, not after buffering the whole file',
    { timeout: 60_000 },
    async () => {
      // 900 MB: a header and text, then NUL bytes and no newline (a sparse file); the text
      // first, so that the first bytes do not already say "binary" (csv-foreign.test.ts)
      const p = put('time,a\n' + 'x'.repeat(8192))
      const fd = openSync(p, 'r+')
      ftruncateSync(fd, 900 * 2 ** 20)
      closeSync(fd)
      let peak = 0
      const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
      const before = process.memoryUsage().rss
      const started = Date.now()
      const e = await readSeriesCsv(p).catch((x) => x)
      clearInterval(sample)
      expect(e).toBeInstanceOf(DataError)
      expect(e.message).toBe(
        `${p}: a line longer than 4194304 characters: is this a CSV time series?`,
      )
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(peak - before).toBeLessThan(200 * 2 ** 20)
    },
  )

  it('reads a header, time column, channels and labels', async () => {
    const s = await readSeriesCsv(put('time,ax,ay,label\n0,1,2,walk\n0.5,3,4,walk\n1.0,5,6,run\n'))
    expect(s.channels).toEqual(['ax', 'ay'])
    expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6])
    expect(Array.from(s.times)).toEqual([0, 0.5, 1])
    expect(s.sampleRate).toBe(2)
    expect(s.labels).toEqual(['walk', 'walk', 'run'])
    expect(s.sampling.regular).toBe(true)
  })
  it('detects semicolons and tabs, strips a BOM, handles CRLF', async () => {
    const a = await readSeriesCsv(put('\uFEFFt;x\r\n0;1\r\n0.1;2\r\n'))
    expect(a.channels).toEqual(['x'])
    expect(Array.from(a.values)).toEqual([1, 2])
    const b = await readSeriesCsv(put('Timestamp\tx\ty\n0\t1\t2\n1\t3\t4\n'))
    expect(b.channels).toEqual(['x', 'y'])
  })
  it('reads ISO dates as seconds from the first row', async () => {
    const s = await readSeriesCsv(
      put(
        'timestamp,x\n2024-05-01T10:00:00Z,1\n2024-05-01T10:00:00.250Z,2\n2024-05-01T10:00:00.500Z,3\n',
      ),
    )
    expect(Array.from(s.times)).toEqual([0, 0.25, 0.5])
    expect(s.startDate).toBe('2024-05-01T10:00:00.000Z')
    expect(s.sampleRate).toBe(4)
  })
  it('uses an explicit sample rate without a header or time column', async () => {
    const s = await readSeriesCsv(put('1,2\n3,4\n5,6\n'), { sampleRate: 50 })
    expect(s.channels).toEqual(['c0', 'c1'])
    expect(Array.from(s.times)).toEqual([0, 0.02, 0.04])
    expect(s.sampling.source).toBe('rate')
  })
  it('reports irregular sampling', async () => {
    const s = await readSeriesCsv(put('t,x\n0,1\n0.1,1\n0.2,1\n0.5,1\n0.6,1\n'))
    expect(s.sampling.regular).toBe(false)
    expect(s.sampling.irregularIntervals).toBe(1)
    expect(s.sampling.maxInterval).toBeCloseTo(0.3, 9)
    expect(s.sampling.medianInterval).toBeCloseTo(0.1, 9)
  })
  it('keeps chosen channels and fills empty labels when asked', async () => {
    const s = await readSeriesCsv(put('t,a,b,state\n0,1,2,x\n1,3,4,\n'), {
      channels: ['b'],
      labelColumn: 'state',
      emptyLabel: 'bg',
    })
    expect(Array.from(s.values)).toEqual([2, 4])
    expect(s.labels).toEqual(['x', 'bg'])
  })
})

describe('readSeriesCsv: bad input', () => {
  it('text in a numeric column, with its line', () =>
    fails('t,x\n0,1\n1,abc\n', /:3: column "x" holds "abc", not a number/))
  it('NaN and Inf', async () => {
    await fails('t,x\n0,NaN\n', /:2: column "x" holds "NaN"/)
    await fails('t,x\n0,1\n1,Infinity\n', /:3: column "x" holds Infinity \(not finite\)/)
  })
  it('ragged rows', () =>
    fails('t,x,y\n0,1,2\n1,3\n', /:3: ragged row: 2 fields where the header has 3/))
  it('empty label cells', () =>
    fails('t,x,label\n0,1,a\n1,2,\n', /:3: empty cell in label column "label"/))
  it('time going backwards', () => fails('t,x\n0,1\n2,1\n1,1\n', /:4: time 1 does not increase/))
  it('no time column and no rate: says where to give the rate', async () => {
    const p = put('a,b\n1,2\n')
    const e = await readSeriesCsv(p).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toBe(
      `${p}: no time column: give the rate with --rate or in the import dialog`,
    )
  })
  it('empty file and header only', async () => {
    await fails('', /empty file/)
    await fails('t,x\n', /a header but no data rows/)
  })
  it('several GB, refused by size before parsing (sparse file)', async () => {
    const p = put('t,x\n')
    const fd = openSync(p, 'r+')
    ftruncateSync(fd, 5 * 2 ** 30)
    closeSync(fd)
    await expect(readSeriesCsv(p)).rejects.toThrow(/too large: 5368709120 bytes/)
  })
})
