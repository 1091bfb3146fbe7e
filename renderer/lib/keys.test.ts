import { describe, expect, it } from 'vitest'
import { BINDINGS, matchKey } from './keys'

const key = (
  k: string,
  mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {},
) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
})

describe('matchKey', () => {
  it('maps the labelling loop keys', () => {
    expect(matchKey(key(' '))).toEqual({ action: 'play' })
    expect(matchKey(key('['))).toEqual({ action: 'mark-start' })
    expect(matchKey(key(']'))).toEqual({ action: 'mark-end' })
    expect(matchKey(key('3'))).toEqual({ action: 'class', digit: 3 })
    expect(matchKey(key('Tab'))).toEqual({ action: 'next-segment' })
    expect(matchKey(key('Tab', { shiftKey: true }))).toEqual({ action: 'previous-segment' })
    expect(matchKey(key('N', { shiftKey: true }))).toEqual({ action: 'next-unlabelled' })
    expect(matchKey(key('?', { shiftKey: true }))).toEqual({ action: 'help' })
  })

  it('maps the review loop keys: accept, reject, next uncertain, next and previous file', () => {
    expect(matchKey(key('a'))).toEqual({ action: 'accept-prediction' })
    expect(matchKey(key('X', { shiftKey: true }))).toEqual({ action: 'reject-prediction' })
    expect(matchKey(key('c'))).toEqual({ action: 'next-low-confidence' })
    expect(matchKey(key('PageDown'))).toEqual({ action: 'next-file' })
    expect(matchKey(key('PageUp'))).toEqual({ action: 'previous-file' })
    expect(matchKey(key('a', { ctrlKey: true }))).toBeNull() // select-all stays the field's
  })

  it('maps undo/redo with Ctrl or Cmd, and nothing else with modifiers', () => {
    expect(matchKey(key('z', { ctrlKey: true }))).toEqual({ action: 'undo' })
    expect(matchKey(key('z', { metaKey: true }))).toEqual({ action: 'undo' })
    expect(matchKey(key('Z', { ctrlKey: true, shiftKey: true }))).toEqual({ action: 'redo' })
    expect(matchKey(key('y', { ctrlKey: true }))).toEqual({ action: 'redo' })
    expect(matchKey(key('1', { ctrlKey: true }))).toBeNull()
    expect(matchKey(key('1', { altKey: true }))).toBeNull()
    expect(matchKey(key('0'))).toEqual({ action: 'zoom-fit' })
    expect(matchKey(key('ArrowLeft', { shiftKey: true }))).toEqual({
      action: 'step-back',
      big: true,
    })
  })

  it('lists every action once in the overlay table', () => {
    const actions = BINDINGS.map((b) => b.action)
    expect(new Set(actions).size).toBe(actions.length)
  })
})
