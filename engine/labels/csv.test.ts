/**
 * CSV label tables as tools and people write them, from each one's documented layout: DAS
 * (`,name,start_seconds,stop_seconds` with a pandas index), crowsetta generic-seq
 * (`label,onset_s,offset_s,onset_sample,…`), the hmbg workshop tables (`onset_s,offset_s,label`),
 * Sonic Visualiser's `TIME,DURATION,LABEL`, tables in ms or samples, without header, without
 * label, and ambiguous ones (refused with the columns and the mapping option; previewed).
 */
import { describe, expect, it } from 'vitest'
import { previewLabelCsv, readLabelCsv } from './csv'

const read = readLabelCsv

describe('CSV label tables: recognised columns', () => {
  it('DAS: an unnamed pandas index, then name,start_seconds,stop_seconds', () => {
    const t = ',name,start_seconds,stop_seconds\n0,e,1.5,2.25\n1,f,3,4.5\n'
    expect(read(t, 'das.csv')).toEqual([
      { start: 1.5, end: 2.25, label: 'e' },
      { start: 3, end: 4.5, label: 'f' },
    ])
    const p = previewLabelCsv(t)
    expect(p.indexColumn).toBe('')
    expect(p.mapping).toEqual({
      start: 'start_seconds',
      end: 'stop_seconds',
      label: 'name',
      unit: 's',
    })
    expect(p.ambiguous).toEqual([])
  })
  it('crowsetta generic-seq: label wins over annotation, seconds over sample columns', () => {
    const t =
      'label,onset_s,offset_s,onset_sample,offset_sample,notated_path,annot_path,sequence,annotation\n' +
      'h#,0.0,0.488,0,7808,sa1.wav,sa1.phn,0,0\nsh,0.488,0.594,7808,9504,sa1.wav,sa1.phn,0,0\n'
    expect(read(t, 'seq.csv')).toEqual([
      { start: 0, end: 0.488, label: 'h#' },
      { start: 0.488, end: 0.594, label: 'sh' },
    ])
  })
  it('onset_s,offset_s,label with quoted labels holding commas', () => {
    const t = 'onset_s,offset_s,label\n156.9,174.3,"fm, 7ms, peak 14kHz"\n'
    expect(read(t, 'h.csv')).toEqual([{ start: 156.9, end: 174.3, label: 'fm, 7ms, peak 14kHz' }])
  })
  it('Raven-style names, Sonic Visualiser TIME/ENDTIME/DURATION/LABEL, semicolons, CRLF', () => {
    expect(read('Begin Time (s);End Time (s);Species\r\n1;2;AMRO\r\n', 'r.csv')).toEqual([
      { start: 1, end: 2, label: 'AMRO' },
    ])
    expect(read('TIME,ENDTIME,LABEL\n1,2.5,a\n', 'sv.csv')).toEqual([
      { start: 1, end: 2.5, label: 'a' },
    ])
    expect(read('TIME,DURATION,LABEL\n1,0.5,a\n', 'sv.csv')).toEqual([
      { start: 1, end: 1.5, label: 'a' },
    ])
  })
  it('milliseconds and samples from the unit suffix; samples need the rate', () => {
    expect(read('start_ms,end (ms),class\n1500,2250,a\n', 'ms.csv')).toEqual([
      { start: 1.5, end: 2.25, label: 'a' },
    ])
    const samples = 'onset_sample,offset_sample,label\n8000,24000,a\n'
    expect(() => read(samples, 's.csv')).toThrow(
      `s.csv:1: times are in samples (column "onset_sample"): give the recording's sample rate (rate option; CLI --rate HZ)`,
    )
    expect(read(samples, 's.csv', { rate: 16000 })).toEqual([{ start: 0.5, end: 1.5, label: 'a' }])
  })
  it('a duration column instead of an end; an end column wins when both are present', () => {
    expect(read('start,duration,label\n1,0.25,a\n', 'd.csv')).toEqual([
      { start: 1, end: 1.25, label: 'a' },
    ])
    expect(read('start,end,duration,label\n1,3,0.25,a\n', 'd.csv')[0].end).toBe(3)
  })
  it('no label column: refused naming the option, else the one class the user names', () => {
    const t = 'start_seconds,stop_seconds,source_file,duration\n0.5,0.75,/a/x.wav,0.25\n'
    expect(() => read(t, 'j.csv')).toThrow(
      'j.csv:1: no label column (columns: start_seconds, stop_seconds, source_file, duration): name the one class with the label option (CLI --label NAME) or map a label column (--label-column)',
    )
    expect(read(t, 'j.csv', { label: 'usv' })).toEqual([{ start: 0.5, end: 0.75, label: 'usv' }])
    expect(previewLabelCsv(t).ambiguous).toEqual(['no label column: name the one class'])
  })
  it('a table without a header: start,end[,label]', () => {
    expect(read('0.5,1.5,a\n\n2,3,b\n', 'n.csv')).toEqual([
      { start: 0.5, end: 1.5, label: 'a' },
      { start: 2, end: 3, label: 'b' },
    ])
    expect(() => read('0.5,1.5\n', 'n.csv')).toThrow(/no label column \(columns: 1, 2\)/)
    expect(read('0.5\t1.5\n', 'n.csv', { label: 'x' })).toEqual([
      { start: 0.5, end: 1.5, label: 'x' },
    ])
    expect(previewLabelCsv('0.5,1.5,a\n').mapping).toEqual({
      start: '1',
      end: '2',
      label: '3',
      unit: 's',
    })
  })
})

describe('CSV label tables: ambiguous columns and the mapping', () => {
  it('two label columns: refused with the columns and the mapping option; previewed', () => {
    const t = 'start,end,species,call_type\n0,1,AMRO,song\n'
    expect(() => read(t, 'a.csv')).toThrow(
      'a.csv:1: cannot tell which column is which (label: "species" or "call_type"; columns: start, end, species, call_type): map them with the mapping option { start, end | duration, label, unit } (CLI: --start-column, --end-column or --duration-column, --label-column, --unit s|ms|samples)',
    )
    expect(previewLabelCsv(t)).toMatchObject({
      columns: ['start', 'end', 'species', 'call_type'],
      header: true,
      rows: [['0', '1', 'AMRO', 'song']],
      rowCount: 1,
      mapping: { start: 'start', end: 'end' },
      ambiguous: ['label: "species" or "call_type"'],
    })
    expect(read(t, 'a.csv', { mapping: { label: 'call_type' } })).toEqual([
      { start: 0, end: 1, label: 'song' },
    ])
  })
  it('two start columns of one unit are ambiguous; no time column is named', () => {
    expect(() => read('start,onset,end,label\n0,0,1,a\n', 'a.csv')).toThrow(
      /start: "start" or "onset"/,
    )
    expect(() => read('label,path\na,x\n', 'a.csv')).toThrow(
      /no start column; no end or duration column; columns: label, path/,
    )
  })
  it('a mapping names columns by header or (without header) by number, with a unit', () => {
    expect(
      read('from,to,what\n100,200,a\n', 'm.csv', {
        mapping: { start: 'FROM', end: 'to', label: 'what', unit: 'ms' },
      }),
    ).toEqual([{ start: 0.1, end: 0.2, label: 'a' }])
    expect(
      read('1,0.5,x,a\n', 'm.csv', { mapping: { start: '1', duration: '2', label: '4' } }),
    ).toEqual([{ start: 1, end: 1.5, label: 'a' }])
    expect(() => read('start,end,label\n0,1,a\n', 'm.csv', { mapping: { label: 'kind' } })).toThrow(
      /label: no column "kind"/,
    )
  })
  it('bad cells name their line and column', () => {
    expect(() => read('onset_s,offset_s,label\n0,1,a\n1,x,b\n', 'b.csv')).toThrow(
      'b.csv:3: offset_s "x" is not a number',
    )
    expect(() => read('start,end,label\n0,1\n', 'b.csv')).toThrow(
      'b.csv:2: ragged row: 2 fields where 3 are needed',
    )
    expect(() => read('start,duration,label\n1,-2,a\n', 'b.csv')).toThrow(
      'b.csv:2: end -1 before start 1',
    )
  })
})
