import { describe, expect, it } from 'vitest'
import {
  DEFAULT_LAYOUT,
  LAYOUT_KEY,
  PANEL_LIMITS,
  clampWidth,
  loadLayout,
  saveLayout,
} from './panel-layout'

const memory = () => {
  const m = new Map<string, string>()
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
  }
}

describe('panel layout', () => {
  it('keeps widths within each side’s range', () => {
    expect(clampWidth('left', 10)).toBe(PANEL_LIMITS.left.min)
    expect(clampWidth('right', 5000)).toBe(PANEL_LIMITS.right.max)
    expect(clampWidth('left', 300.4)).toBe(300)
    expect(clampWidth('left', NaN)).toBe(PANEL_LIMITS.left.initial)
  })

  it('reads back what it saved', () => {
    const s = memory()
    const l = { left: 300, right: 420, leftOpen: false, rightOpen: true }
    saveLayout(s, l)
    expect(loadLayout(s)).toEqual(l)
  })

  it('falls back per field on damaged, foreign or out-of-range entries', () => {
    const s = memory()
    expect(loadLayout(undefined)).toEqual(DEFAULT_LAYOUT)
    s.setItem(LAYOUT_KEY, '{not json')
    expect(loadLayout(s)).toEqual(DEFAULT_LAYOUT)
    s.setItem(LAYOUT_KEY, JSON.stringify({ left: 'wide', right: 99999, leftOpen: 'no' }))
    expect(loadLayout(s)).toEqual({ ...DEFAULT_LAYOUT, right: PANEL_LIMITS.right.max })
  })
})
