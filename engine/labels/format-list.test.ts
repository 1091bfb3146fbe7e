import { describe, expect, it } from 'vitest'
import { exportFormat } from './import-export'
import {
  formatOfPath,
  LABEL_FORMAT_FILES,
  LABEL_FORMATS,
  WRITABLE_LABEL_FORMATS,
} from './format-list'
import { FORMATS } from './formats'
import { labelStem } from '../commands/score'

describe('the one list of label formats', () => {
  it.each([
    ['calls.selections.txt', 'raven', 'calls'],
    ['CALLS.Selections.TXT', 'raven', 'CALLS'],
    ['calls.txt', 'audacity', 'calls'],
    ['calls.labels', 'audacity', 'calls'],
    ['calls.TextGrid', 'textgrid', 'calls'],
    ['calls.labels.csv', 'csv', 'calls'],
    ['calls.csv', 'csv', 'calls'],
    ['calls.labels.json', 'json', 'calls'],
    ['calls.json', 'json', 'calls'],
    ['calls.eaf', 'eaf', 'calls'],
  ])('%s is %s, stem %s, for export and for score alike', (file, format, stem) => {
    expect(formatOfPath(file)?.name).toBe(format)
    expect(exportFormat(file)).toBe(format)
    expect(labelStem(file)).toBe(stem)
  })

  it('a file predict names is read back as its format, with the recording as its stem', () => {
    for (const name of WRITABLE_LABEL_FORMATS) {
      expect(formatOfPath(`rec${LABEL_FORMAT_FILES[name].suffix}`)?.name).toBe(name)
      expect(labelStem(`rec${LABEL_FORMAT_FILES[name].suffix}`)).toBe('rec')
    }
  })

  it('every listed format has a reader and writer, and nothing else does', () => {
    expect(FORMATS.map((f) => f.name).sort()).toEqual([...LABEL_FORMATS].sort())
    expect(formatOfPath('rec.wav')).toBeNull()
    expect(labelStem('rec.probs.csv')).toBeUndefined()
  })

  it('formats Framewise only reads are not offered for writing, and say so when named', () => {
    expect(WRITABLE_LABEL_FORMATS).toEqual(['audacity', 'raven', 'textgrid', 'csv', 'json', 'eaf'])
    expect(FORMATS.filter((f) => !f.write).map((f) => f.name)).toEqual([
      'labelstudio',
      'boris',
      'audioset',
      'dcase',
      'timit',
    ])
    expect(formatOfPath('SA1.PHN')?.name).toBe('timit')
    expect(() => exportFormat('SA1.PHN')).toThrow(/does not write them/)
  })
})

describe('labelFormats, the list the app offers', () => {
  it('is the one list: every format, its title, whether it is written, its suffix', async () => {
    const { Service } = await import('../service')
    const r = await new Service(() => {}).call('labelFormats', {})
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const formats = r.result as { name: string; writable: boolean; suffix: string }[]
    expect(formats.map((f) => f.name)).toEqual([...LABEL_FORMATS])
    for (const f of formats) {
      expect(f.writable, f.name).toBe(
        LABEL_FORMAT_FILES[f.name as keyof typeof LABEL_FORMAT_FILES].writable,
      )
      // a file Framewise names in a format it writes reads back as that format
      if (f.writable) expect(formatOfPath(`rec${f.suffix}`)?.name, f.name).toBe(f.name)
    }
  })
})
