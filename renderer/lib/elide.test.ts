import { describe, expect, it } from 'vitest'
import { splitForEllipsis, TAIL_CHARS } from './elide'

describe('splitForEllipsis', () => {
  it('keeps the end of a long name whole in the tail, the rest in the head', () => {
    const name = 'XC000001 - Turdus merula - dawn chorus by the lake 07.wav'
    const [head, tail] = splitForEllipsis(name)
    expect(head + tail).toBe(name)
    expect(tail).toBe('lake 07.wav')
    expect([...tail]).toHaveLength(TAIL_CHARS)
  })

  it('puts a short name all in the tail (nothing to cut)', () => {
    expect(splitForEllipsis('a.wav')).toEqual(['', 'a.wav'])
    expect(splitForEllipsis('')).toEqual(['', ''])
  })

  it('never reaches back past the last folder separator', () => {
    expect(splitForEllipsis('field recordings/2024/deep.wav')).toEqual([
      'field recordings/2024/',
      'deep.wav',
    ])
  })

  it('counts code points, so an emoji is never cut in half', () => {
    const [head, tail] = splitForEllipsis('ééééé🐦🐦.wav', 6)
    expect(tail).toBe('🐦🐦.wav')
    expect(head).toBe('ééééé')
  })
})
