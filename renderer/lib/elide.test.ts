import { describe, expect, it } from 'vitest'
import { elideMiddle } from './elide'

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
