import { describe, expect, it } from 'vitest'
import { formatLeft, secondsLeft } from './eta'

describe('secondsLeft', () => {
  it('scales the elapsed time by what is left', () => {
    expect(secondsLeft(0.25, 10)).toBeCloseTo(30)
    expect(secondsLeft(0.5, 4)).toBeCloseTo(4)
  })
  it('says nothing too early or when done', () => {
    expect(secondsLeft(0.01, 10)).toBeNull()
    expect(secondsLeft(0.5, 0.5)).toBeNull()
    expect(secondsLeft(1, 10)).toBeNull()
    expect(secondsLeft(Number.NaN, 10)).toBeNull()
  })
})

describe('formatLeft', () => {
  it('rounds to what a person can use', () => {
    expect(formatLeft(3)).toBe('less than 5 s left')
    expect(formatLeft(42)).toBe('about 40 s left')
    expect(formatLeft(130)).toBe('about 2 min 10 s left')
    expect(formatLeft(120)).toBe('about 2 min left')
    expect(formatLeft(176)).toBe('about 3 min left')
    expect(formatLeft(3 * 3600 + 5 * 60)).toBe('about 3 h 5 min left')
  })
})
