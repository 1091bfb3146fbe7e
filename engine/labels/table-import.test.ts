/**
 * Label tables through the API and the CLI: previewLabelTable shows the columns and the mapping
 * Framewise would choose, importLabels takes the user's mapping (or one class), a multi-file
 * Raven table labels the recording it names, and `convert` takes the mapping flags.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ImportedLabels, LabelTablePreview } from '../api'
import { makeWav } from '../media/audio/testing'
import { matchTableFiles } from './table-files'
import { Service } from '../service'

let dir: string
let service: Service
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-tables-'))
  service = new Service(() => {})
  await fs.writeFile(
    path.join(dir, 'b.wav'),
    makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(8000 * 20)] }),
  )
  await ok('createProject', { dir })
  await ok('addMedia', { paths: ['b.wav'] })
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await service.call(method, params)
  if (!r.ok) throw new Error(r.error.message)
  return r.result as T
}

describe('previewLabelTable and importLabels with a mapping', () => {
  const table = ',start_ms,stop_ms,species,call_type\n0,500,1500,AMRO,song\n1,2000,2250,BLJA,call\n'
  it('previews the columns, first rows, chosen mapping and what is ambiguous', async () => {
    await fs.writeFile(path.join(dir, 't.csv'), table)
    const p = await ok<LabelTablePreview>('previewLabelTable', { path: 't.csv' })
    expect(p).toEqual({
      columns: ['', 'start_ms', 'stop_ms', 'species', 'call_type'],
      header: true,
      delimiter: ',',
      rows: [
        ['0', '500', '1500', 'AMRO', 'song'],
        ['1', '2000', '2250', 'BLJA', 'call'],
      ],
      rowCount: 2,
      mapping: { start: 'start_ms', end: 'stop_ms', unit: 'ms' },
      ambiguous: ['label: "species" or "call_type"'],
      indexColumn: '',
      format: 'csv',
    })
  })
  it('refuses the ambiguous table in one line, then reads it with the mapping or one class', async () => {
    await fs.writeFile(path.join(dir, 't.csv'), table)
    const bad = await service.call('importLabels', { media: 'b.wav', path: 't.csv' })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('mapping option') },
    })
    const mapped = await ok<ImportedLabels>('importLabels', {
      media: 'b.wav',
      path: 't.csv',
      mapping: { label: 'call_type' },
    })
    expect(mapped.segments).toEqual([
      { start: 0.5, end: 1.5, label: 'song' },
      { start: 2, end: 2.25, label: 'call' },
    ])
    const one = await ok<ImportedLabels>('importLabels', {
      media: 'b.wav',
      path: 't.csv',
      label: 'bird',
    })
    expect(one.segments.map((s) => s.label)).toEqual(['bird', 'bird'])
    expect(one.unknownClasses).toEqual(['bird'])
    const both = await service.call('importLabels', {
      media: 'b.wav',
      path: 't.csv',
      mapping: { end: 'stop_ms', duration: 'stop_ms' },
    })
    expect(both).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringContaining('not both') },
    })
  })
  it("times in samples take the recording's rate unless the request gives one", async () => {
    await fs.writeFile(path.join(dir, 's.csv'), 'onset_sample,offset_sample,label\n4000,12000,a\n')
    const own = await ok<ImportedLabels>('importLabels', { media: 'b.wav', path: 's.csv' })
    expect(own.segments).toEqual([{ start: 0.5, end: 1.5, label: 'a' }])
    const given = await ok<ImportedLabels>('importLabels', {
      media: 'b.wav',
      path: 's.csv',
      rate: 16000,
    })
    expect(given.segments).toEqual([{ start: 0.25, end: 0.75, label: 'a' }])
  })
  it('a multi-file Raven table gives the selections of the recording it names', async () => {
    const raven =
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tFile Offset (s)\tAnnotation\tNotes\n' +
      '1\tSpectrogram 1\t1\t3\t4\t0\t0\ta.wav\t3\tx\n' +
      '2\tSpectrogram 1\t2\t62\t63.5\t500\t2500\tb.wav\t2\ty\tloud\n'
    await fs.writeFile(path.join(dir, 'm.selections.txt'), raven)
    const r = await ok<ImportedLabels>('importLabels', {
      media: 'b.wav',
      path: 'm.selections.txt',
    })
    expect(r.segments).toEqual([
      {
        start: 2,
        end: 3.5,
        label: 'y',
        lowFreq: 500,
        highFreq: 2500,
        channel: 2,
        extra: { Notes: 'loud' },
      },
    ])
    expect(r.recordings).toEqual([{ media: 'b.wav', segments: r.segments }])
    expect(r.missing).toEqual(['a.wav'])
    expect(r.notes).toEqual([])
  })
  it('a Raven table through import → save → export keeps bounds, channel and extra columns', async () => {
    const raven =
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\tNotes\n' +
      '1\tSpectrogram 1\t2\t1\t2.5\t300\t3000\tEATO\tnear\n'
    await fs.writeFile(path.join(dir, 'in.selections.txt'), raven)
    const r = await ok<ImportedLabels>('importLabels', {
      media: 'b.wav',
      path: 'in.selections.txt',
    })
    await ok('setClasses', {
      classes: [
        { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
        { name: 'EATO', color: '#e6550d', hotkey: 1, role: 'class' },
      ],
    })
    await ok('saveLabels', { media: 'b.wav', baseRevision: 0, segments: r.segments })
    await ok('exportLabels', { media: 'b.wav', path: 'out.selections.txt' })
    expect(readFileSync(path.join(dir, 'out.selections.txt'), 'utf8')).toBe(
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tNotes\n' +
        '1\tSpectrogram 1\t2\t1\t2.5\t300\t3000\tEATO\tnear\n',
    )
  })
  it('matches the files a table names to recordings by name, then by the path it gives', () => {
    const seg = [{ start: 0, end: 1, label: 'x' }]
    expect(
      matchTableFiles(
        [
          { name: 'A.wav', segments: seg },
          { name: 'b.wav', path: 'E:\\site2\\b.wav', segments: seg },
          { name: 'c.wav', segments: seg },
          { name: 'gone.wav', segments: seg },
        ],
        ['2024/a.wav', 'site1/b.wav', 'site2/b.wav', 'x/c.wav', 'y/c.wav'],
      ),
    ).toEqual({
      recordings: [
        { media: '2024/a.wav', segments: seg },
        { media: 'site2/b.wav', segments: seg },
      ],
      missing: ['gone.wav'],
      notes: ['c.wav: 2 recordings have this name (x/c.wav, y/c.wav); its rows were not applied'],
    })
  })
})

describe('framewise convert with mapping flags', () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'engine/cli.ts', ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    return { code: r.status, out: r.stdout, err: r.stderr }
  }
  it('maps columns, units in samples with --rate, and names the flags when refusing', async () => {
    const src = path.join(dir, 'odd.csv')
    await fs.writeFile(src, 'from,to,what\n8000,16000,a\n')
    const out = path.join(dir, 'odd.txt')
    const r = cli(
      'convert',
      src,
      '--to',
      'audacity',
      '--out',
      out,
      '--start-column',
      'from',
      '--end-column',
      'to',
      '--label-column',
      'what',
      '--unit',
      'samples',
      '--rate',
      '16000',
    )
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(readFileSync(out, 'utf8')).toBe('0.500000\t1.000000\ta\n')
    const refused = cli('convert', src, '--to', 'audacity', '--out', out + '2')
    expect(refused.code).toBe(1)
    expect(refused.err.trim()).toMatch(
      new RegExp(`^framewise: ${src}:1: cannot tell which column is which .*--start-column`),
    )
    expect(cli('convert', src, '--to', 'csv', '--out', out + '3', '--unit', 'min').code).toBe(2)
  })
})
