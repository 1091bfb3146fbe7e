import { describe, expect, it } from 'vitest'
import { elideMiddle, elidePath } from './elide'

describe('elidePath', () => {
  it('cuts the folders and keeps the file name whole while it fits', () => {
    const p = elidePath('field recordings/2024/site B/deep.wav', 20)
    expect([...p]).toHaveLength(20)
    expect(p.endsWith('/deep.wav')).toBe(true)
    expect(p.startsWith('field')).toBe(true)
    expect(elidePath('drive/2024/deep.wav', 30)).toBe('drive/2024/deep.wav')
  })

  it('cuts a name too long for the room in its middle, as elideMiddle', () => {
    const p = 'a/XC000001 - Turdus merula - dawn chorus 07.wav'
    expect(elidePath(p, 16)).toBe(elideMiddle(p, 16))
    expect(elidePath('no folders at all but long.wav', 12)).toBe(
      elideMiddle('no folders at all but long.wav', 12),
    )
  })
})

describe('elideMiddle', () => {
  it('leaves a name that fits as it is', () => {
    expect(elideMiddle('song.wav', 8)).toBe('song.wav')
    expect(elideMiddle('', 10)).toBe('')
  })

  it('cuts the middle to exactly max characters, keeping the end and its extension', () => {
    const name = 'XC123456 - Turdus merula - dawn chorus near the lake song 07.wav'
    const short = elideMiddle(name, 24)
    expect([...short]).toHaveLength(24)
    expect(short.startsWith('XC123456 - ')).toBe(true)
    expect(short.endsWith('song 07.wav')).toBe(true)
    expect(short).toContain('…')
  })

  it('counts characters, not UTF-16 units, and never goes below 5', () => {
    const s = elideMiddle('ééééééééééééé🐦🐦🐦🐦.wav', 10)
    expect([...s]).toHaveLength(10)
    expect(s.endsWith('🐦.wav')).toBe(true)
    expect([...elideMiddle('abcdefghij', 1)]).toHaveLength(5)
  })
})
