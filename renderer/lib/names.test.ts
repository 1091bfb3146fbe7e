import { describe, expect, it } from 'vitest'
import { displayName } from './names'

describe('displayName', () => {
  it('drops the ../ steps of files outside the project, and only those', () => {
    expect(displayName('../rec0.wav')).toBe('rec0.wav')
    expect(displayName('../../data/site a/x.wav')).toBe('data/site a/x.wav')
    expect(displayName('sub/../x.wav')).toBe('sub/../x.wav')
    expect(displayName('x..wav')).toBe('x..wav')
  })
})
