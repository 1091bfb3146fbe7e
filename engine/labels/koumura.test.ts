import { describe, expect, it } from 'vitest'
import { looksLikeKoumura, readKoumura } from './koumura'

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<Sequences><NumSequence>2</NumSequence>
<Sequence><WaveFileName>0.wav</WaveFileName><Position>32000</Position><Length>43168</Length><NumNote>2</NumNote>
<Note><Position>2240</Position><Length>2688</Length><Label>0</Label></Note>
<Note><Position>8256</Position><Length>2784</Length><Label>1</Label></Note></Sequence>
<Sequence><WaveFileName>1.wav</WaveFileName><Position>0</Position><Length>9000</Length><NumNote>1</NumNote>
<Note><Position>100</Position><Length>50</Length><Label>a</Label></Note></Sequence>
</Sequences>`

describe('readKoumura', () => {
  it('reads notes per wave file, sequence offset added, samples to seconds', () => {
    const got = readKoumura(XML, 'Annotation.xml', 32000)
    expect([...got.keys()]).toEqual(['0.wav', '1.wav'])
    expect(got.get('0.wav')).toEqual([
      { start: 34240 / 32000, end: 36928 / 32000, label: '0' },
      { start: 40256 / 32000, end: 43040 / 32000, label: '1' },
    ])
    expect(got.get('1.wav')).toEqual([{ start: 100 / 32000, end: 150 / 32000, label: 'a' }])
  })

  it('is known by content, and needs the rate', () => {
    expect(looksLikeKoumura(XML)).toBe(true)
    expect(looksLikeKoumura('<ANNOTATION_DOCUMENT/>')).toBe(false)
    expect(() => readKoumura(XML, 'A.xml', undefined)).toThrow(/^A\.xml: .*--rate/)
  })

  it('refuses a note without a position in one line', () => {
    const bad = XML.replace('<Position>100</Position>', '')
    expect(() => readKoumura(bad, 'A.xml', 32000)).toThrow(/^A\.xml:\d+: <Note> needs .*Position/)
  })
})
