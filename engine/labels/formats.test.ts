import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { readAudacity } from './audacity'
import { readLabelCsv, readRowLabelCsv, rowLabelsToSegments, writeRowLabelCsv } from './csv'
import { FORMATS, readLabels, writeLabels } from './formats'
import { readRaven } from './raven'
import type { Segment } from './segments'
import { readTextGrid, readTextGridTiers } from './textgrid'

const dir = mkdtempSync(join(tmpdir(), 'fw-labels-'))
let k = 0
const put = (name: string, content: string | Buffer) => {
  const p = join(dir, `${k++}-${name}`)
  writeFileSync(p, content)
  return p
}
const segs: Segment[] = [
  { start: 0.5, end: 1.25, label: 'bird song' },
  { start: 2, end: 2, label: 'click' },
  { start: 1, end: 3.000001, label: 'wind "gust"' },
]

describe('round trips through every format', () => {
  for (const f of FORMATS.filter((x) => x.write)) {
    it(`${f.name}: write then read gives the same segments`, async () => {
      const p = join(dir, `rt${f.extensions[0]}`)
      await writeLabels(p, segs, f.name)
      const back = await readLabels(p)
      if (f.name === 'textgrid' || f.name === 'eaf') {
        // One tier: the overlap is cut where the next segment starts; the point label cannot be
        // an interval and is dropped; ELAN keeps whole milliseconds.
        expect(back).toEqual([
          { start: 0.5, end: 1, label: 'bird song' },
          { start: 1, end: f.name === 'eaf' ? 3 : 3.000001, label: 'wind "gust"' },
        ])
      } else expect(back).toEqual(segs)
    })
  }
  it('audacity and raven keep frequency bounds', async () => {
    const withF = [{ start: 1, end: 2, label: 'x', lowFreq: 440, highFreq: 880.5 }]
    for (const name of ['audacity', 'raven']) {
      const p = join(dir, `f-${name}.txt`)
      await writeLabels(p, withF, name)
      expect(await readLabels(p)).toEqual(withF)
    }
  })
})

describe('Audacity quirks', () => {
  it('reads CRLF, a BOM, frequency lines, spaces instead of tabs and point labels', () => {
    const t = '\uFEFF1.0\t2.5\tcall A\r\n\\\t100\t2000\r\n3 3 tick\r\n4.5   6   two words\r\n'
    expect(readAudacity(t, 'a.txt')).toEqual([
      { start: 1, end: 2.5, label: 'call A', lowFreq: 100, highFreq: 2000 },
      { start: 3, end: 3, label: 'tick' },
      { start: 4.5, end: 6, label: 'two words' },
    ])
  })
  it('names the line of a bad time or an empty label', () => {
    expect(() => readAudacity('1\t2\ta\nx\t3\tb\n', 'a.txt')).toThrow(
      'a.txt:2: start time "x" is not a number',
    )
    expect(() => readAudacity('1\t2\t\n', 'a.txt')).toThrow('a.txt:1: empty label')
    expect(() => readAudacity('2\t1\ta\n', 'a.txt')).toThrow(DataError)
  })
})

describe('Raven quirks', () => {
  const head =
    'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\n'
  it('de-duplicates views of one selection and finds the label column', () => {
    const t =
      head +
      '1\tWaveform 1\t1\t0.5\t1.5\t0\t0\tAMRO\n1\tSpectrogram 1\t1\t0.5\t1.5\t1000\t4000\tAMRO\n2\tSpectrogram 1\t1\t2\t3\t500\t900\tBLJA\n'
    expect(readRaven(t, 'r.txt')).toEqual([
      { start: 0.5, end: 1.5, label: 'AMRO', lowFreq: 1000, highFreq: 4000 },
      { start: 2, end: 3, label: 'BLJA', lowFreq: 500, highFreq: 900 },
    ])
  })
  it('errors on an empty label with its line, and on a missing label column', () => {
    expect(() => readRaven(head + '1\tSpectrogram 1\t1\t0\t1\t0\t0\t\n', 'r.txt')).toThrow(
      'r.txt:2: empty label in column "Species"',
    )
    expect(() => readRaven(head, 'r.txt', { labelColumn: 'Notes' })).toThrow(
      /no label column "Notes"/,
    )
  })
})

describe('TextGrid', () => {
  const long = `File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 3
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "TextTier"
        name = "events"
        xmin = 0
        xmax = 3
        points: size = 1
        points [1]:
            number = 1.5
            mark = "ping"
    item [2]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 3
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 1
            text = ""
        intervals [2]:
            xmin = 1
            xmax = 2.5
            text = "say ""hi"""
        intervals [3]:
            xmin = 2.5
            xmax = 3
            text = "bye"
`
  const short = `"ooTextFile"
"TextGrid"
0
3
<exists>
1
"IntervalTier"
"words"
0
3
2
0
1.25
"a"
1.25
3
"" ! a comment
`
  it('long form: first interval tier by default, a tier by name, point tiers as points', () => {
    expect(readTextGrid(long, 'g.TextGrid')).toEqual([
      { start: 1, end: 2.5, label: 'say "hi"' },
      { start: 2.5, end: 3, label: 'bye' },
    ])
    expect(readTextGrid(long, 'g.TextGrid', 'events')).toEqual([
      { start: 1.5, end: 1.5, label: 'ping' },
    ])
    expect(readTextGridTiers(long, 'g').map((t) => t.name)).toEqual(['events', 'words'])
    expect(() => readTextGrid(long, 'g.TextGrid', 'phones')).toThrow(
      'g.TextGrid: no tier named "phones" (tiers: "events", "words")',
    )
  })
  it('short form, CRLF, and UTF-16 with BOM as Praat writes it', async () => {
    expect(readTextGrid(short.replace(/\n/g, '\r\n'), 's')).toEqual([
      { start: 0, end: 1.25, label: 'a' },
    ])
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(long.replace('bye', 'tschüß'), 'utf16le'),
    ])
    const back = await readLabels(put('u.TextGrid', utf16))
    expect(back[1].label).toBe('tschüß')
  })
  it('a truncated file names what was expected', () => {
    expect(() => readTextGrid(short.slice(0, short.indexOf('1.25')), 's.TextGrid')).toThrow(
      /s.TextGrid:\d+: truncated TextGrid: expected interval xmax/,
    )
  })
})

describe('CSV labels', () => {
  it('reads with or without a header, any column order, semicolons, BOM', () => {
    expect(readLabelCsv('0,1,a\n1,2,b\n', 'l.csv')).toHaveLength(2)
    expect(readLabelCsv('\uFEFFlabel;onset;offset\r\nx;1;2\r\n', 'l.csv')).toEqual([
      { start: 1, end: 2, label: 'x' },
    ])
    expect(readLabelCsv('start,end,label\n0,1,"a, b"\n', 'l.csv')[0].label).toBe('a, b')
  })
  it('errors name the line', () => {
    expect(() => readLabelCsv('start,end,label\n0,1,a\n1,oops,b\n', 'l.csv')).toThrow(
      'l.csv:3: end "oops" is not a number',
    )
    expect(() => readLabelCsv('start,end,label\n0,1,\n', 'l.csv')).toThrow('l.csv:2: empty label')
    expect(() => readLabelCsv('from,to,what\n0,1,a\n', 'l.csv')).toThrow(
      /cannot tell which column is which \(no start column; no end or duration column; columns: from, to, what\)/,
    )
  })
  it('per-row labels round-trip through time,label CSV; empty cells are errors', () => {
    const times = [0, 0.02, 0.04]
    const text = writeRowLabelCsv(times, ['rest', 'walk, fast', 'rest'])
    expect(readRowLabelCsv(text, 'r.csv')).toEqual({
      times: Float64Array.from(times),
      labels: ['rest', 'walk, fast', 'rest'],
    })
    expect(() => readRowLabelCsv('t;x;label\r\n0;1;a\r\n1;2;\r\n', 'r.csv')).toThrow(
      'r.csv:3: empty cell in label column "label"',
    )
  })
  it('per-row labels become segments', () => {
    expect(rowLabelsToSegments([0, 0.1, 0.2, 0.3, 0.4], ['bg', 'a', 'a', 'bg', 'b'], 'bg')).toEqual(
      [
        { start: 0.1, end: 0.3, label: 'a' },
        { start: 0.4, end: 0.5, label: 'b' },
      ],
    )
  })
})

describe('readLabels', () => {
  it('refuses a label file of several GB before reading it (sparse file)', async () => {
    const p = put('huge.txt', '0\t1\ta\n')
    const fd = openSync(p, 'r+')
    ftruncateSync(fd, 3 * 2 ** 30)
    closeSync(fd)
    await expect(readLabels(p)).rejects.toThrow(/huge\.txt: is 3072 MB, larger than the 256 MB/)
  })
  it('sniffs content over extension and refuses unknown formats', async () => {
    const raven =
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n1\tSpectrogram 1\t1\t0\t1\tx\n'
    expect(await readLabels(put('sel.txt', raven))).toEqual([{ start: 0, end: 1, label: 'x' }])
    await expect(readLabels(put('a.xyz', 'hello'))).rejects.toThrow(
      /not a label format Framewise reads \(".xyz"\); formats read: Audacity/,
    )
    await expect(
      readLabels(put('bad.json', '{"segments":[{"start":0,"end":1,"label":""}]}')),
    ).rejects.toThrow(/segments.0.label/)
  })
})
