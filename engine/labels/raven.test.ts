/**
 * Raven selection tables as Raven writes them (Raven Pro user guide, "Selection tables"): one row
 * per view of a selection, trailing empty cells left off, any annotation column the user added,
 * the channel, measurement columns, and tables over a file sequence (Begin File, Begin Path,
 * File Offset (s)). Import → export → import keeps all of it.
 */
import { describe, expect, it } from 'vitest'
import { readRaven, readRavenByFile, writeRaven } from './raven'

const CORE = 'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)'

describe('Raven selection tables', () => {
  it('reads rows shorter than the header (trailing empty cells left off)', () => {
    const t = `${CORE}\tSpecies\tNotes\n1\tSpectrogram 1\t1\t0.5\t1.5\t200\t900\tAMRO\n2\tSpectrogram 1\t1\t2\t3\t0\t0\tBLJA\tfaint\n`
    expect(readRaven(t, 'r.txt')).toEqual([
      { start: 0.5, end: 1.5, label: 'AMRO', lowFreq: 200, highFreq: 900 },
      { start: 2, end: 3, label: 'BLJA', extra: { Notes: 'faint' } },
    ])
  })
  it('several label columns: the user picks, and the refusal names those found', () => {
    const t = `${CORE}\tSpecies\tCall Type\n1\tSpectrogram 1\t1\t0\t1\t0\t0\tAMRO\tsong\n`
    expect(() => readRaven(t, 'r.txt')).toThrow(
      'r.txt:1: several label columns (Species, Call Type): choose one with the labelColumn option (CLI --label-column NAME)',
    )
    expect(readRaven(t, 'r.txt', { labelColumn: 'call type' })).toEqual([
      { start: 0, end: 1, label: 'song', extra: { Species: 'AMRO' } },
    ])
  })
  it('a column the user added with another name is the label; none: one class or a refusal', () => {
    const added = `${CORE}\tDelta Time (s)\tBegin Clock Time\tCall\n1\tSpectrogram 1\t1\t0\t1\t0\t0\t1\t10:00:00\tpeent\n`
    expect(readRaven(added, 'r.txt')[0].label).toBe('peent')
    const none = `${CORE}\tDelta Time (s)\n1\tSpectrogram 1\t1\t0\t1\t0\t0\t1\n`
    expect(() => readRaven(none, 'r.txt')).toThrow(/r.txt:1: no label column .*--label NAME\)$/)
    expect(readRaven(none, 'r.txt', { label: 'call' })).toEqual([
      { start: 0, end: 1, label: 'call', extra: { 'Delta Time (s)': '1' } },
    ])
  })
  it('keeps the channel; refuses a channel that is not a number', () => {
    const t = `${CORE}\tAnnotation\n1\tSpectrogram 1\t2\t0\t1\t0\t0\tx\n`
    expect(readRaven(t, 'r.txt')).toEqual([{ start: 0, end: 1, label: 'x', channel: 2 }])
    expect(() => readRaven(t.replace('\t2\t0', '\tleft\t0'), 'r.txt')).toThrow(
      'r.txt:2: channel "left" is not a number',
    )
  })
  it('import → export → import keeps frequency bounds, channel and extra columns', () => {
    const t =
      `${CORE}\tDelta Time (s)\tSpecies\tNotes\n` +
      '1\tWaveform 1\t2\t0.25\t1.5\t0\t0\t1.25\tEATO\tclose\n' +
      '1\tSpectrogram 1\t2\t0.25\t1.5\t2878.2\t4049\t1.25\tEATO\tclose\n' +
      '2\tSpectrogram 1\t1\t3\t4\t1000\t2000\t1\tAMRO\n'
    const first = readRaven(t, 'r.txt')
    expect(first).toEqual([
      {
        start: 0.25,
        end: 1.5,
        label: 'EATO',
        lowFreq: 2878.2,
        highFreq: 4049,
        channel: 2,
        extra: { 'Delta Time (s)': '1.25', Notes: 'close' },
      },
      {
        start: 3,
        end: 4,
        label: 'AMRO',
        lowFreq: 1000,
        highFreq: 2000,
        extra: { 'Delta Time (s)': '1' },
      },
    ])
    const written = writeRaven(first)
    expect(written.split('\n')[0]).toBe(`${CORE}\tAnnotation\tDelta Time (s)\tNotes`)
    expect(readRaven(written, 'back.txt')).toEqual(first)
  })
  it('a multi-file table: selections per named file, in seconds from that file', () => {
    const t =
      `${CORE}\tBegin File\tBegin Path\tFile Offset (s)\tAnnotation\n` +
      '1\tSpectrogram 1\t1\t10\t11.5\t0\t0\ta.wav\tD:\\rec\\a.wav\t10\tx\n' +
      '2\tSpectrogram 1\t1\t65\t66\t0\t0\tb.wav\tD:\\rec\\b.wav\t5\ty\n' +
      '3\tSpectrogram 1\t1\t70\t70.25\t0\t0\t\tD:\\rec\\b.wav\t10\tx\n'
    expect(readRavenByFile(t, 'm.txt')).toEqual([
      { name: 'a.wav', path: 'D:\\rec\\a.wav', segments: [{ start: 10, end: 11.5, label: 'x' }] },
      {
        name: 'b.wav',
        path: 'D:\\rec\\b.wav',
        segments: [
          { start: 5, end: 6, label: 'y' },
          { start: 10, end: 10.25, label: 'x' },
        ],
      },
    ])
    // read for one recording: that file's selections, found by name whatever its folder
    expect(readRaven(t, 'm.txt', { media: '/data/2024/B.WAV' })).toEqual([
      { start: 5, end: 6, label: 'y' },
      { start: 10, end: 10.25, label: 'x' },
    ])
    expect(() => readRaven(t, 'm.txt', { media: '/data/c.wav' })).toThrow(
      "m.txt: the table's selections are in a.wav, b.wav, not in c.wav: import it for one of those recordings",
    )
    const noOffset = t.replace('\tFile Offset (s)', '').replace(/\t(10|5)\t(x|y)\n/g, '\t$2\n')
    expect(() => readRavenByFile(noOffset, 'm.txt')).toThrow(
      /m.txt:1: names 2 files but has no "File Offset \(s\)" column/,
    )
    expect(() => readRavenByFile(`${CORE}\tAnnotation\n`, 'm.txt')).toThrow(
      /not a multi-file Raven table/,
    )
  })
})
