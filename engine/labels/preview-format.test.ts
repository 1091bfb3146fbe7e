/**
 * previewLabelTable says which format importLabels will read a file as, so the import dialog
 * offers the column mapping for CSV tables, the label column for Raven tables, and nothing for
 * formats whose layout is fixed.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LabelFilePreview } from '../api'
import { Service } from '../service'

let dir: string
let service: Service
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-preview-'))
  service = new Service(() => {})
  const r = await service.call('createProject', { dir })
  if (!r.ok) throw new Error(r.error.message)
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function preview(name: string, text: string): Promise<LabelFilePreview> {
  await fs.writeFile(path.join(dir, name), text)
  const r = await service.call('previewLabelTable', { path: name })
  if (!r.ok) throw new Error(r.error.message)
  return r.result as LabelFilePreview
}

describe('previewLabelTable format', () => {
  it('reads a DAS table (.csv) as CSV', async () => {
    const p = await preview('das.csv', ',name,start_seconds,stop_seconds\n0,pulse,0.5,0.6\n')
    expect(p.format).toBe('csv')
    expect(p.mapping).toMatchObject({ start: 'start_seconds', end: 'stop_seconds', label: 'name' })
  })
  it('reads a Raven table ending in .txt as Raven, not as an Audacity track', async () => {
    const head = 'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tSpecies\tCall Type'
    const p = await preview('r.txt', `${head}\n1\tSpectrogram 1\t1\t0.5\t1.0\tAMRO\tsong\n`)
    expect(p.format).toBe('raven')
    expect(p.columns).toContain('Call Type')
  })
  it('reads a .tsv with a start column as CSV, and a table of no known kind as none', async () => {
    expect((await preview('t.tsv', 'onset\toffset\tlabel\n1\t2\tx\n')).format).toBe('csv')
    expect((await preview('n.tsv', 'foo\tbar\n1\t2\n')).format).toBeNull()
  })
  it('names the fixed-layout formats as they are sniffed', async () => {
    expect((await preview('a.txt', '0.5\t1.0\tbird\n')).format).toBe('audacity')
    expect((await preview('g.TextGrid', 'File type = "ooTextFile"\n')).format).toBe('textgrid')
  })
})
