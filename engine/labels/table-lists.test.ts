/**
 * Tables over many recordings: DCASE/TUT event lists, AudioSet strong labels and CSV tables with a
 * file column are read per file name, sniffed without taking Audacity or CSV files, matched to a
 * project's recordings by name or stem, and applied to each (importLabels, importLabelsToProject).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ImportedLabels, LabelsView, ProjectLabelImport } from '../api'
import { makeWav } from '../media/audio/testing'
import { Service } from '../service'
import { isAudioSet, readAudioSetByFile } from './audioset'
import { previewLabelCsv, readLabelCsvByFile } from './csv'
import { isDcase, readDcaseByFile } from './dcase'
import { detectFormat, readLabels } from './formats'
import { matchTableFiles, readLabelsByFile } from './table-files'

const dcase4 =
  'a001.wav\t0.5\t1.25\tcar\n' + 'a001.wav\t2\t3\tpeople walking\n' + 'b002.wav\t1\t1.5\tbird\n'
const dcase5 =
  'audio/street/a001.wav\tstreet\t0.5\t1.25\tcar\ta001\n' +
  'audio/home/c003.wav\thome\n' +
  'audio/home/d004.wav\n' +
  'audio/home/b002.wav\thome\t1\t1.5\tbird\tb002\n'
const audioset =
  'segment_id\tstart_time_seconds\tend_time_seconds\tlabel\n' +
  'YxlGt805lTA_30000\t0.000\t2.500\t/m/09x0r\n' +
  'YxlGt805lTA_30000\t4.1\t5\t/m/05zppz\n' +
  'Y0aIovXv0SOA_10000\t1\t2\t/m/0jbk\n'

describe('DCASE/TUT event lists', () => {
  it('reads the 4-column list per file, names as written', () => {
    expect(readDcaseByFile(dcase4, 'l.txt')).toEqual(
      new Map([
        [
          'a001.wav',
          [
            { start: 0.5, end: 1.25, label: 'car' },
            { start: 2, end: 3, label: 'people walking' },
          ],
        ],
        ['b002.wav', [{ start: 1, end: 1.5, label: 'bird' }]],
      ]),
    )
  })
  it('reads the scene column and an identifier, and files named without events', () => {
    expect(readDcaseByFile(dcase5, 'l.txt')).toEqual(
      new Map([
        ['audio/street/a001.wav', [{ start: 0.5, end: 1.25, label: 'car' }]],
        ['audio/home/c003.wav', []],
        ['audio/home/d004.wav', []],
        ['audio/home/b002.wav', [{ start: 1, end: 1.5, label: 'bird' }]],
      ]),
    )
  })
  it('reads a header and empty event cells; the 3-column list takes one class', () => {
    const headed = 'filename\tonset\toffset\tevent_label\nx.wav\t0\t1\tdog\ny.wav\t\t\t\n'
    expect(readDcaseByFile(headed, 'h.tsv')).toEqual(
      new Map([
        ['x.wav', [{ start: 0, end: 1, label: 'dog' }]],
        ['y.wav', []],
      ]),
    )
    const three = 'x.wav\t0\t1\ny.wav\t2\t2.5\n'
    expect(() => readDcaseByFile(three, 'three.txt')).toThrow(
      /^three\.txt:1: no event label: name the one class/,
    )
    expect(readDcaseByFile(three, 'three.txt', { label: 'call' }).get('y.wav')).toEqual([
      { start: 2, end: 2.5, label: 'call' },
    ])
  })
  it('refuses a malformed line naming its line number', () => {
    const bad = 'a.wav\t0\t1\tx\n\na.wav\tsoon\tlater\tx\n'
    expect(() => readDcaseByFile(bad, 'bad.txt')).toThrow(/^bad\.txt:3: expected "file<TAB>onset/)
    expect(() => readDcaseByFile('a.wav\t2\t1\tx\n', 'b.txt')).toThrow(
      /^b\.txt:1: offset 1 before onset 2/,
    )
  })
  it('is sniffed without taking Audacity tracks or CSV tables', () => {
    expect(isDcase(dcase4)).toBe(true)
    expect(isDcase(dcase5)).toBe(true)
    expect(isDcase('0.5\t1.25\tcar\n2\t3\tdog\n')).toBe(false)
    expect(isDcase('file,start,end,label\na.wav,0,1,x\n')).toBe(false)
    expect(isDcase('a.wav,0,1,x\n')).toBe(false)
    expect(isDcase('hello\t0\t1\tx\n')).toBe(false)
    expect(detectFormat('l.txt', dcase4).name).toBe('dcase')
    expect(detectFormat('l.txt', '0.5\t1.25\tcar\n').name).toBe('audacity')
    expect(detectFormat('t.csv', 'filename,start,end,label\na.wav,0,1,x\n').name).toBe('csv')
    expect(detectFormat('s.tsv', audioset).name).toBe('audioset')
  })
  it("read for one recording gives that recording's rows; several without one are refused", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-dcase-'))
    try {
      const file = path.join(dir, 'meta.txt')
      await fs.writeFile(file, dcase5)
      expect(await readLabels(file, { media: '/x/B002.wav' })).toEqual([
        { start: 1, end: 1.5, label: 'bird' },
      ])
      await expect(readLabels(file)).rejects.toThrow(/names 4 recordings .*importLabelsToProject/)
      expect((await readLabelsByFile(file)).get('audio/home/c003.wav')).toEqual([])
      await fs.writeFile(path.join(dir, 'a.txt'), '0\t1\tx\n')
      await expect(readLabelsByFile(path.join(dir, 'a.txt'))).rejects.toThrow(/names no recordings/)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe('AudioSet strong labels and CSV tables with a file column', () => {
  it('reads AudioSet per segment id, leaving out rows not PRESENT', () => {
    expect(isAudioSet(audioset)).toBe(true)
    expect(isAudioSet('start\tend\tlabel\n')).toBe(false)
    expect(readAudioSetByFile(audioset, 's.tsv').get('YxlGt805lTA_30000')).toEqual([
      { start: 0, end: 2.5, label: '/m/09x0r' },
      { start: 4.1, end: 5, label: '/m/05zppz' },
    ])
    const framed =
      'segment_id\tstart_time_seconds\tend_time_seconds\tlabel\tpresent\n' +
      'Y1_0\t0\t0.96\t/m/a\tPRESENT\nY1_0\t0\t0.96\t/m/b\tNOT_PRESENT\n'
    expect(readAudioSetByFile(framed, 'f.tsv').get('Y1_0')).toEqual([
      { start: 0, end: 0.96, label: '/m/a' },
    ])
    expect(() =>
      readAudioSetByFile(
        'segment_id\tstart_time_seconds\tend_time_seconds\tlabel\nY\tx\t1\t/m/a\n',
        'f.tsv',
      ),
    ).toThrow(/^f\.tsv:2: /)
  })
  it('reads a CSV with a filename column per file, and the preview names that column', () => {
    const csv = 'filename,onset_ms,offset_ms,species\na.wav,500,1500,AMRO\nb.wav,0,250,BLJA\n'
    expect(readLabelCsvByFile(csv, 't.csv')).toEqual(
      new Map([
        ['a.wav', [{ start: 0.5, end: 1.5, label: 'AMRO' }]],
        ['b.wav', [{ start: 0, end: 0.25, label: 'BLJA' }]],
      ]),
    )
    expect(previewLabelCsv(csv).mapping).toEqual({
      start: 'onset_ms',
      end: 'offset_ms',
      label: 'species',
      file: 'filename',
      unit: 'ms',
    })
    expect(readLabelCsvByFile('start,end,label\n0,1,x\n', 't.csv')).toBeNull()
    expect(
      readLabelCsvByFile('Audio_File,a,b,c\nq.wav,0,1,x\n', 't.csv', {
        mapping: { start: 'a', end: 'b', label: 'c' },
      })?.get('q.wav'),
    ).toEqual([{ start: 0, end: 1, label: 'x' }])
    expect(() => readLabelCsvByFile('file,start,end,label\n,0,1,x\n', 't.csv')).toThrow(
      /^t\.csv:2: empty file name in column "file"/,
    )
  })
  it('matches names case-insensitively, then by stem', () => {
    const seg = [{ start: 0, end: 1, label: 'x' }]
    expect(
      matchTableFiles(
        [
          { name: 'A.WAV', segments: seg },
          { name: 'YxlGt805lTA_30000', segments: seg },
          { name: 'c.wav', segments: seg },
          { name: 'gone.wav', segments: seg },
        ],
        ['recordings/a.wav', 'as/YxlGt805lTA_30000.flac', 'c.flac'],
      ).recordings.map((r) => r.media),
    ).toEqual(['recordings/a.wav', 'as/YxlGt805lTA_30000.flac', 'c.flac'])
  })
})

describe('importing a table over many recordings into a project', () => {
  let dir: string
  let service: Service
  const ok = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await service.call(method, params)
    if (!r.ok) throw new Error(r.error.message)
    return r.result as T
  }
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-lists-'))
    service = new Service(() => {})
    await fs.mkdir(path.join(dir, 'recordings'))
    for (const name of ['recordings/a001.wav', 'recordings/B002.wav', 'c003.wav'])
      await fs.writeFile(
        path.join(dir, name),
        makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(8000 * 5)] }),
      )
    await ok('createProject', { dir })
    await ok('addMedia', { paths: ['recordings/a001.wav', 'recordings/B002.wav', 'c003.wav'] })
  })
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it("importLabels gives the chosen recording's rows, every other one named, and the missing", async () => {
    await fs.writeFile(path.join(dir, 'meta.txt'), dcase4 + 'gone.wav\t0\t1\tx\n')
    const r = await ok<ImportedLabels>('importLabels', {
      media: 'recordings/B002.wav',
      path: 'meta.txt',
    })
    expect(r.segments).toEqual([{ start: 1, end: 1.5, label: 'bird' }])
    expect(r.recordings?.map((x) => [x.media, x.segments.length])).toEqual([
      ['recordings/a001.wav', 2],
      ['recordings/B002.wav', 1],
    ])
    expect(r.missing).toEqual(['gone.wav'])
    const csv = 'filename,start,end,label\nc003.wav,0,1,x\nA001.WAV,1,2,y\n'
    await fs.writeFile(path.join(dir, 'files.csv'), csv)
    const c = await ok<ImportedLabels>('importLabels', { media: 'c003.wav', path: 'files.csv' })
    expect(c.segments).toEqual([{ start: 0, end: 1, label: 'x' }])
    expect(c.recordings?.map((x) => x.media)).toEqual(['c003.wav', 'recordings/a001.wav'])
    expect(c.missing).toEqual([])
  })

  it('importLabelsToProject saves each named recording once, revision-checked, and reports the rest', async () => {
    await fs.writeFile(path.join(dir, 'meta.txt'), dcase5 + 'audio/x/gone.wav\tx\t0\t1\tdog\n')
    const refused = await service.call('importLabelsToProject', { path: 'meta.txt' })
    expect(refused).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/not classes of the project: car, bird;/) },
    })
    expect((await ok<LabelsView>('getLabels', { media: 'c003.wav' })).revision).toBe(0)
    await ok('setClasses', {
      classes: ['car', 'bird', 'dog'].map((name, i) => ({
        name,
        color: '#e6550d',
        hotkey: i + 1,
        role: 'class',
      })),
    })
    const r = await ok<ProjectLabelImport>('importLabelsToProject', { path: 'meta.txt' })
    expect(r.saved).toEqual([
      { media: 'recordings/a001.wav', count: 1, revision: 1 },
      { media: 'c003.wav', count: 0, revision: 1 },
      { media: 'recordings/B002.wav', count: 1, revision: 1 },
    ])
    expect(r.missing).toEqual(['audio/home/d004.wav', 'audio/x/gone.wav'])
    const a = await ok<LabelsView>('getLabels', { media: 'recordings/a001.wav' })
    expect(a).toMatchObject({ segments: [{ start: 0.5, end: 1.25, label: 'car' }], revision: 1 })
    // again: each save names the revision it replaces, so a second import is a second revision
    const again = await ok<ProjectLabelImport>('importLabelsToProject', { path: 'meta.txt' })
    expect(again.saved.map((s) => s.revision)).toEqual([2, 2, 2])
  })

  it('importLabelsToProject refuses a file that names no recordings, in one line', async () => {
    await fs.writeFile(path.join(dir, 'one.txt'), '0\t1\tx\n')
    const r = await service.call('importLabelsToProject', { path: 'one.txt' })
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringMatching(/one\.txt: names no recordings/) },
    })
  })
})
