/**
 * CSV label tables in the variants Sonic Visualiser's export writes (its documentation: "Export
 * Annotation Layer" as CSV — instants `time[,label]`, time-values `time,value,label`, regions
 * `time,value,duration,label`; times in seconds or sample frames; a header row or none; any of
 * the separators `, ; tab | : space`) and that people's hand-edited tables have (`#` comment
 * lines, blank lines, mixed line endings, RFC 4180 quoting). Fixtures are written here.
 */
import { describe, expect, it } from 'vitest'
import { previewLabelCsv, readLabelCsv } from './csv'

const read = readLabelCsv

describe('Sonic Visualiser exports', () => {
  it('instants with a header (TIME,LABEL) are point labels', () => {
    expect(read('TIME,LABEL\n0.5,onset\n1.25,offset\n', 'sv.csv')).toEqual([
      { start: 0.5, end: 0.5, label: 'onset' },
      { start: 1.25, end: 1.25, label: 'offset' },
    ])
    expect(previewLabelCsv('TIME,LABEL\n0.5,onset\n')).toMatchObject({
      ambiguous: [],
      points: true,
      mapping: { start: 'TIME', label: 'LABEL' },
    })
    expect(previewLabelCsv('start,end,label\n0,1,a\n').points).toBeUndefined()
  })
  it('instants without a header: time,label, or times alone with the one class named', () => {
    expect(read('0.5,onset\n1.25,offset\n', 'sv.csv')).toEqual([
      { start: 0.5, end: 0.5, label: 'onset' },
      { start: 1.25, end: 1.25, label: 'offset' },
    ])
    expect(read('0.5\n1.25\n', 'sv.csv', { label: 'beat' })).toEqual([
      { start: 0.5, end: 0.5, label: 'beat' },
      { start: 1.25, end: 1.25, label: 'beat' },
    ])
    expect(() => read('0.5\n1.25\n', 'sv.csv')).toThrow('sv.csv:1: no label column (columns: 1)')
  })
  it('instants in sample frames take the rate', () => {
    expect(
      read('8000,a\n12000,b\n', 'sv.csv', { rate: 8000, mapping: { unit: 'samples' } }),
    ).toEqual([
      { start: 1, end: 1, label: 'a' },
      { start: 1.5, end: 1.5, label: 'b' },
    ])
  })
  it('time-values (TIME,VALUE,LABEL) are instants; the value column is named as not read', () => {
    const notes: string[] = []
    expect(read('TIME,VALUE,LABEL\n0.5,440,a\n', 'sv.csv', { note: (m) => notes.push(m) })).toEqual(
      [{ start: 0.5, end: 0.5, label: 'a' }],
    )
    expect(notes).toEqual(['sv.csv: columns not read: "VALUE"'])
  })
  it('regions without a header are time,value,duration,label', () => {
    const notes: string[] = []
    expect(read('1.0,3,0.25,a\n2.0,7,0.5,b\n', 'sv.csv', { note: (m) => notes.push(m) })).toEqual([
      { start: 1, end: 1.25, label: 'a' },
      { start: 2, end: 2.5, label: 'b' },
    ])
    expect(notes).toEqual(['sv.csv: columns not read: "2"'])
  })
  it('an onset with no offset, or a sensor log, is still not taken for instants', () => {
    expect(() => read('onset_s,label\n0.5,a\n', 'o.csv')).toThrow(/no end or duration column/)
    expect(() => read('time,ax,ay,label\n0,1,2,walk\n', 's.csv')).toThrow(
      /no end or duration column/,
    )
  })
})

describe('separators, comments, blank lines, line endings, quoting', () => {
  const want = [
    { start: 0.5, end: 1.5, label: 'a' },
    { start: 2, end: 3, label: 'b' },
  ]
  for (const [name, sep] of [
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
    ['bar', '|'],
    ['colon', ':'],
    ['space', ' '],
  ] as const) {
    it(`${name}: with and without a header`, () => {
      const rows = ['0.5', '1.5', 'a'].join(sep) + '\n' + ['2', '3', 'b'].join(sep) + '\n'
      expect(read(rows, 'x.csv')).toEqual(want)
      expect(read(['start', 'end', 'label'].join(sep) + '\n' + rows, 'x.csv')).toEqual(want)
      expect(previewLabelCsv(rows).delimiter).toBe(sep)
    })
  }
  it('spaces: runs of spaces are one separator; a quoted label keeps its spaces', () => {
    expect(read('start  end   label\n 0.5  1.5 "song A"\n', 'x.txt')).toEqual([
      { start: 0.5, end: 1.5, label: 'song A' },
    ])
  })
  it('a comma table whose labels hold colons and spaces stays a comma table', () => {
    expect(read('0.5,1.5,call: type A\n2,3,call: type B\n', 'x.csv')).toEqual([
      { start: 0.5, end: 1.5, label: 'call: type A' },
      { start: 2, end: 3, label: 'call: type B' },
    ])
  })
  it('# comment lines and blank lines are skipped; errors keep the file line numbers', () => {
    const t = '# exported by a tool\n\nstart,end,label\n# a note\n0.5,1.5,a\n\n2,x,b\n'
    expect(() => read(t, 'c.csv')).toThrow('c.csv:7: end "x" is not a number')
    expect(read(t.replace('2,x', '2,3'), 'c.csv')).toEqual(want)
  })
  it('mixed line endings (CRLF, LF, CR) are one table', () => {
    expect(read('start,end,label\r\n0.5,1.5,a\n2,3,b\r', 'm.csv')).toEqual(want)
    expect(read('start,end,label\n0.5,1.5,a\r\n2,3,b\r\n', 'm.csv')).toEqual(want)
  })
  it('quoting: separators, doubled quotes and line breaks inside a quoted label', () => {
    const t = 'start,end,label\n0.5,1.5,"a, then b"\n2,3,"say ""hi"""\n4,5,"two\nlines"\n'
    expect(read(t, 'q.csv').map((s) => s.label)).toEqual(['a, then b', 'say "hi"', 'two\nlines'])
    expect(read('"start";"end";"label"\n"0.5";"1.5";"a"\n', 'q.csv')).toEqual([
      { start: 0.5, end: 1.5, label: 'a' },
    ])
  })
})
