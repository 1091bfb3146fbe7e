/**
 * A file added as a CSV series that is no text table (a MAT-file, a ZIP spreadsheet, XML, JSON)
 * is refused saying what it looks like, and a label table says it is one, instead of ending in
 * "no time column"; a Latin-1 table (undecodable "é") is still read.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSeriesCsv } from './csv'

let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-series-foreign-'))
})
afterAll(() => fs.rm(dir, { recursive: true, force: true }))
const put = async (name: string, body: string | Buffer) => {
  const p = path.join(dir, name)
  await fs.writeFile(p, body)
  return p
}

describe('CSV series that are something else', () => {
  it.each([
    ['m.csv', 'MATLAB 5.0 MAT-file, Platform: GLNXA64\u0000\u0001', 'a MATLAB MAT-file (binary)'],
    [
      'z.csv',
      Buffer.from('PK\u0003\u0004\u0014\u0000', 'latin1'),
      'a ZIP archive (a spreadsheet?): export it as CSV or TSV',
    ],
    ['x.csv', '<?xml version="1.0"?>\n<log><row/></log>\n', 'XML with root element <log>'],
  ])('%s', async (name, body, seems) => {
    const p = await put(name, body)
    await expect(readSeriesCsv(p)).rejects.toThrow(
      `${p}: not a CSV time series: it looks like ${seems}`,
    )
  })
  it('a label table: no time column, and its columns are those of a label table', async () => {
    const p = await put('labels.csv', 'onset_s,offset_s,label\n0.5,1,a\n2,3,b\n')
    await expect(readSeriesCsv(p)).rejects.toThrow(
      `${p}: no time column: give the rate with --rate or in the import dialog; its columns (onset_s, offset_s, label) are those of a label table: import it as labels of a recording instead`,
    )
  })
  it('a sensor log without a time column keeps the plain refusal', async () => {
    const p = await put('log.csv', 'ax,ay\n1,2\n3,4\n')
    await expect(readSeriesCsv(p)).rejects.toThrow(
      new RegExp(`${p}: no time column: give the rate with --rate or in the import dialog$`),
    )
  })
  it('a Latin-1 table is read (its "é" does not make it binary)', async () => {
    const p = await put('latin1.csv', Buffer.from('time,temp\u00e9rature\n0,1\n1,2\n', 'latin1'))
    const s = await readSeriesCsv(p)
    expect(s.times.length).toBe(2)
    expect(s.channels.length).toBe(1)
  })
})
