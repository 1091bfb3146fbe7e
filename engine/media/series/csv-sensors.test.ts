/**
 * CSV time series as sensor loggers and spreadsheets write them: ISO 8601 times with and without
 * a zone, every separator, comments, blank lines, quoted and decimal-comma numbers, text columns,
 * a pandas index column, no time column at all. Fixtures written here, after the formats' docs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../../errors'
import { readSeriesCsv, type CsvOptions, type SeriesData } from './csv'
import { detectDelimiter } from './lines'
import { parseIsoTime } from './iso-time'

const dir = mkdtempSync(join(tmpdir(), 'fw-sensors-'))
let k = 0
const put = (text: string) => {
  const p = join(dir, `s${k++}.csv`)
  writeFileSync(p, text)
  return p
}
const f32 = (xs: number[]) => xs.map(Math.fround)
const read = (text: string, o?: CsvOptions) => readSeriesCsv(put(text), o)
const expectTimes = (s: SeriesData, want: number[]) => {
  expect(s.times.length).toBe(want.length)
  want.forEach((t, i) => expect(s.times[i]).toBeCloseTo(t, 9))
}
const refusal = async (text: string, o?: CsvOptions) => {
  const p = put(text)
  const e = await readSeriesCsv(p, o).catch((x) => x)
  expect(e).toBeInstanceOf(DataError)
  return { p, message: (e as DataError).message }
}

describe('sensor logs', () => {
  it('an accelerometer log: comments, ISO times with zone and microseconds', async () => {
    const s = await read(
      [
        '# Accelerometer export, device 0A:1B (100 Hz)',
        '# units: m/s^2',
        'timestamp,acc_x,acc_y,acc_z',
        '2024-05-01T10:00:00.000000+02:00,0.012,-0.981,9.806',
        '2024-05-01T10:00:00.010000+02:00,0.015,-0.979,9.811',
        '',
        '2024-05-01T10:00:00.020000+02:00,0.011,-0.983,9.802',
        '2024-05-01T10:00:00.030001+02:00,0.013,-0.980,9.809',
        '',
      ].join('\n'),
    )
    expect(s.channels).toEqual(['acc_x', 'acc_y', 'acc_z'])
    expect(Array.from(s.values)).toEqual(
      f32([0.012, -0.981, 9.806, 0.015, -0.979, 9.811, 0.011, -0.983, 9.802, 0.013, -0.98, 9.809]),
    )
    expectTimes(s, [0, 0.01, 0.02, 0.030001])
    expect(s.startDate).toBe('2024-05-01T08:00:00.000Z')
    expect(s.sampleRate).toBeCloseTo(100, 6)
    expect(s.warnings).toEqual([])
  })

  it('a European spreadsheet: semicolons, quoted numbers with decimal commas, CRLF', async () => {
    const s = await read('"time";"temp";"rh"\r\n"0";"21,5";"40,25"\r\n"0,5";"21,75";"-3"\r\n')
    expect(s.channels).toEqual(['temp', 'rh'])
    expect(Array.from(s.values)).toEqual([21.5, 40.25, 21.75, -3])
    expectTimes(s, [0, 0.5])
  })

  it('quoted numbers in a comma file; a quoted 1,5 is not a number there', async () => {
    const s = await read('"t","x","y"\n"0","1.5","1,5"\n"1","2.5","2,5"\n')
    expect(s.channels).toEqual(['x'])
    expect(Array.from(s.values)).toEqual([1.5, 2.5])
    expect(s.warnings).toHaveLength(1)
    expect(s.warnings[0]).toMatch(/skipped columns of text, not numbers: "y" \("1,5" on line 2\)/)
  })

  it('a pandas export: the unnamed index column is no channel; the rate places the rows', async () => {
    const s = await read(',ax,ay\n0,0.5,-0.5\n1,0.25,-0.25\n2,0.125,-0.125\n', { sampleRate: 50 })
    expect(s.channels).toEqual(['ax', 'ay'])
    expect(Array.from(s.values)).toEqual([0.5, -0.5, 0.25, -0.25, 0.125, -0.125])
    expectTimes(s, [0, 0.02, 0.04])
    expect(s.sampleRate).toBe(50)
    expect(s.sampling.source).toBe('rate')
  })

  it('a pandas DatetimeIndex: the unnamed column of ISO dates is the time column', async () => {
    const s = await read(',x\n2024-01-01 00:00:00,1\n2024-01-01 00:00:01.5,2\n')
    expect(s.channels).toEqual(['x'])
    expectTimes(s, [0, 1.5])
    expect(s.startDate).toBe('2024-01-01T00:00:00.000') // no zone in the file: none claimed
  })

  it('a text column is skipped with a warning naming it; the label column still works', async () => {
    const s = await read(
      'time,x,note,y,label\n0,1,calm,2,rest\n0.1,3,moving,4,walk\n0.2,5,,6,walk\n',
    )
    expect(s.channels).toEqual(['x', 'y'])
    expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6])
    expect(s.labels).toEqual(['rest', 'walk', 'walk'])
    expect(s.warnings).toEqual([
      expect.stringMatching(/: skipped columns of text, not numbers: "note" \("calm" on line 2\)$/),
    ])
    expect(s.warnings[0].startsWith(dir)).toBe(true)
  })

  it('space-separated, aligned columns, ISO times with a space inside', async () => {
    const s = await read(
      [
        '# logger v2',
        'time                     temp    hum',
        '2024-03-31 01:59:59.5    12.5    80',
        '2024-03-31 02:00:00      12.25   81',
        '2024-03-31 02:00:00.5    12      82',
      ].join('\n'),
    )
    expect(s.channels).toEqual(['temp', 'hum'])
    expect(Array.from(s.values)).toEqual([12.5, 80, 12.25, 81, 12, 82])
    // zone-less times read as UTC: no daylight-saving jump at 02:00
    expectTimes(s, [0, 0.5, 1])
  })

  it('colon-separated with ISO times holding colons', async () => {
    const s = await read(
      'timestamp:x:y\n2024-05-01T10:00:00Z:1:2\n2024-05-01T10:00:00.250Z:3:4\n2024-05-01T10:00:00.5Z:5:6\n',
    )
    expect(s.channels).toEqual(['x', 'y'])
    expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6])
    expectTimes(s, [0, 0.25, 0.5])
  })

  it('pipe- and tab-separated, classic Mac line ends', async () => {
    const a = await read('t|x\r0|1\r0.5|2\r')
    expect(Array.from(a.values)).toEqual([1, 2])
    expectTimes(a, [0, 0.5])
    const b = await read('t\tx\ty\n0\t1\t2\n1\t3\t4\n')
    expect(b.channels).toEqual(['x', 'y'])
  })

  it('no header, no time column: the rate gives the times', async () => {
    const s = await read('0.5 1.5\n2.5 3.5\n4.5 5.5\n', { sampleRate: 4 })
    expect(s.channels).toEqual(['c0', 'c1'])
    expect(Array.from(s.values)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
    expectTimes(s, [0, 0.25, 0.5])
  })

  it('a time column named with its unit: seconds, or milliseconds read as such', async () => {
    const a = await read('"Time (s)","Acceleration x (m/s^2)"\n0.000,0.5\n0.010,0.25\n')
    expect(a.channels).toEqual(['Acceleration x (m/s^2)'])
    expectTimes(a, [0, 0.01])
    const b = await read('timestamp_ms,x\n1714557600000,1\n1714557600020,2\n')
    expect(b.channels).toEqual(['x'])
    expectTimes(b, [1714557600, 1714557600.02])
    expect(b.sampleRate).toBeCloseTo(50, 3) // float64 resolves epoch seconds to 0.24 µs
  })

  it('a rate is ignored where the file has its own time column', async () => {
    const s = await read('time,x\n0,1\n2,2\n', { sampleRate: 100 })
    expectTimes(s, [0, 2])
    expect(s.sampling.source).toBe('column')
  })

  it('a spreadsheet row of empty cells and a trailing separator are no data', async () => {
    const s = await read('t,x,\n0,1,\n1,2,\n,,\n')
    expect(s.channels).toEqual(['x'])
    expect(Array.from(s.values)).toEqual([1, 2])
  })
})

describe('sensor logs: refusals', () => {
  it('line numbers count comment and blank lines', async () => {
    const { p, message } = await refusal('# a\n\nt,x\n0,1\n# b\n1,oops\n')
    expect(message).toBe(`${p}:6: column "x" holds "oops", not a number`)
  })
  it('times with and without a zone mixed', async () => {
    const { p, message } = await refusal('time,x\n2024-05-01T10:00:00Z,1\n2024-05-01T10:00:01,2\n')
    expect(message).toBe(
      `${p}:3: time "2024-05-01T10:00:01" has no zone where the first row has one`,
    )
  })
  it('an impossible date', async () => {
    const { message } = await refusal('time,x\n2024-02-28T00:00:00Z,1\n2024-02-30T00:00:00Z,2\n')
    expect(message).toMatch(/:3: time "2024-02-30T00:00:00Z" is neither seconds nor an ISO 8601/)
  })
  it('only text columns', async () => {
    const { message } = await refusal('time,a\n0,x\n1,y\n')
    expect(message).toMatch(/no channel columns: "a" \("x" on line 2\) hold text, not numbers/)
  })
  it('no time column and no rate, even with an index column', async () => {
    const { p, message } = await refusal(',value,value2\n0,1,2\n1,3,4\n')
    expect(message).toBe(`${p}: no time column: give the rate with --rate or in the import dialog`)
  })
})

describe('detectDelimiter', () => {
  it.each([
    ['a,b\n1,2\n', ','],
    ['a;b\n1,5;2\n', ';'],
    ['a\tb\n1\t2\n', '\t'],
    ['a|b\n1|2\n', '|'],
    ['time:x\n2024-05-01T10:00:00Z:1\n', ':'],
    ['time x  y\n2024-05-01 10:00:00  1  2\n', ' '],
    ['time, x\n0, 1\n', ','],
    ['timestamp,x\n2024-05-01T10:00:00Z,1\n2024-05-01T10:00:01Z,1\n', ','],
    ['# a; b; c\n"a,b";c\n1;2\n', ';'],
  ])('%j → %j', async (text, want) => {
    expect(await detectDelimiter(put(text))).toBe(want)
  })
})

describe('parseIsoTime', () => {
  it('zones, fractions, a space for the T, a date alone', () => {
    const utc = Date.UTC(2024, 4, 1, 10) / 1000
    expect(parseIsoTime('2024-05-01T10:00:00Z')).toEqual({ seconds: utc, fraction: 0, zoned: true })
    expect(parseIsoTime('2024-05-01T12:00:00+02:00')?.seconds).toBe(utc)
    expect(parseIsoTime('2024-05-01T05:30:00-0430')?.seconds).toBe(utc)
    expect(parseIsoTime('2024-05-01T11:00+01')?.seconds).toBe(utc)
    expect(parseIsoTime('2024-05-01 10:00:00.123456')).toEqual({
      seconds: utc,
      fraction: 0.123456,
      zoned: false,
    })
    expect(parseIsoTime('2024-05-01T10:00:00,5Z')?.fraction).toBe(0.5)
    expect(parseIsoTime('2024-05-01')?.seconds).toBe(Date.UTC(2024, 4, 1) / 1000)
  })
  it('refuses what is not a real instant', () => {
    for (const t of ['2024-13-01', '2024-02-30', '2024-05-01T25:00', '10:00:00', '1.5', 'x'])
      expect(parseIsoTime(t), t).toBeNull()
  })
})
