/**
 * A file whose ending names a label format but whose text is certainly another thing (a renamed
 * MAT-file, XML, an audio file, a spreadsheet, JSON of another tool) is refused naming what it
 * looks like and the formats read, instead of reaching the reader its ending names (which read a
 * MAT-file as a CSV table with columns "MATLAB", "5.0", …). Files in the format still read.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { readLabels } from './formats'
import { notInFormat } from './looks-like'

let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-looks-like-'))
})
afterAll(() => fs.rm(dir, { recursive: true, force: true }))
const put = async (name: string, body: string | Buffer) => {
  const p = path.join(dir, name)
  await fs.writeFile(p, body)
  return p
}

describe('a known ending over a foreign text', () => {
  it.each([
    [
      'labels.csv',
      'MATLAB 5.0 MAT-file, Platform: GLNXA64\u0000\u0001',
      'a MATLAB MAT-file (binary)',
    ],
    [
      'song.txt',
      '<?xml version="1.0"?>\n<Sequences><Sequence/></Sequences>\n',
      'XML with root element <Sequences>',
    ],
    [
      'a.json',
      '{"annotations": {"a": 1}}',
      'JSON that is neither Framewise labels nor a Label Studio export',
    ],
    ['numbers.txt', '[1, 2, 3]', 'JSON that is neither Framewise labels nor a Label Studio export'],
    [
      'a.TextGrid',
      Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEfmt ', 'latin1'),
      'an audio file, not labels',
    ],
    [
      'sheet.csv',
      Buffer.from('PK\u0003\u0004\u0014\u0000', 'latin1'),
      'a ZIP archive (a spreadsheet?): export it as CSV or TSV',
    ],
  ])('%s', async (name, body, seems) => {
    const p = await put(name, body)
    const err = await readLabels(p).catch((e: Error) => e)
    expect(err).toBeInstanceOf(DataError)
    const message = (err as Error).message
    expect(message).toContain(
      `${p}: not a label format Framewise reads ("${path.extname(name)}"): it looks like ${seems}; formats read: Audacity label track (.txt, .labels)`,
    )
    expect(message).not.toContain('\n')
  })
})

describe('files in the format their ending names still read', () => {
  it('Framewise JSON (array, segments, tiers), ELAN XML, a CSV table, an Audacity track', async () => {
    const seg = { start: 0.5, end: 1, label: 'a' }
    for (const [name, body] of [
      ['a.labels.json', JSON.stringify([seg])],
      ['b.labels.json', JSON.stringify({ segments: [seg] })],
      ['c.csv', 'start,end,label\n0.5,1,a\n'],
      ['d.txt', '0.5\t1\ta\n'],
    ] as const)
      expect(await readLabels(await put(name, body)), name).toMatchObject([seg])
    const eaf =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT><HEADER TIME_UNITS="milliseconds"/>' +
      '<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="500"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1000"/></TIME_ORDER>' +
      '<TIER TIER_ID="t"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">' +
      '<ANNOTATION_VALUE>a</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER></ANNOTATION_DOCUMENT>\n'
    expect(await readLabels(await put('e.eaf', eaf))).toMatchObject([seg])
  })
  it('a Latin-1 Audacity track (undecodable "é") is not taken for binary', async () => {
    const p = await put('latin1.txt', Buffer.from('0.5\t1\tchouette eff\u00e9raie\n', 'latin1'))
    const [s] = await readLabels(p)
    expect(s).toMatchObject({ start: 0.5, end: 1 })
  })
  it('notInFormat: broken JSON is left to the reader, which names where', () => {
    expect(notInFormat('json', '{"segments": [')).toBeNull()
    expect(notInFormat('csv', 'start,end,label\n0,1,a\n')).toBeNull()
    expect(notInFormat('eaf', '<?xml version="1.0"?><ANNOTATION_DOCUMENT/>')).toBeNull()
    expect(notInFormat('textgrid', '<?xml version="1.0"?><x/>')).toBe('XML with root element <x>')
  })
})
