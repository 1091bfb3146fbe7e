/** The virtual list's row window: covers the viewport, bounded by overscan, spacers sum to the list. */
import { describe, expect, it } from 'vitest'
import { scrollToRow, visibleRows } from './virtual-rows'

describe('visibleRows', () => {
  it('renders the viewport plus overscan, and spacers keep the full height', () => {
    const r = visibleRows(2000, 24, 24 * 500 + 5, 240, 10)
    expect(r.first).toBe(490)
    expect(r.end).toBe(500 + 11 + 10)
    expect(r.before + (r.end - r.first) * 24 + r.after).toBe(2000 * 24)
  })

  it('every row in the viewport is rendered, at any scroll position', () => {
    for (let scrollTop = 0; scrollTop < 24 * 2000; scrollTop += 37) {
      const r = visibleRows(2000, 24, scrollTop, 300, 0)
      expect(r.first).toBeLessThanOrEqual(Math.floor(scrollTop / 24))
      expect(r.end).toBeGreaterThanOrEqual(Math.min(2000, Math.ceil((scrollTop + 300) / 24)))
      expect(r.end - r.first).toBeLessThanOrEqual(15)
    }
  })

  it('short lists render whole; an unmeasured viewport still renders a screenful', () => {
    expect(visibleRows(5, 24, 0, 300)).toEqual({ first: 0, end: 5, before: 0, after: 0 })
    expect(visibleRows(2000, 24, 0, 0).end).toBeGreaterThan(20)
    expect(visibleRows(0, 24, 100, 300)).toEqual({ first: 0, end: 0, before: 0, after: 0 })
  })
})

describe('scrollToRow', () => {
  it('scrolls only as far as needed to show the row', () => {
    expect(scrollToRow(5, 24, 0, 240)).toBe(0) // in view
    expect(scrollToRow(20, 24, 0, 240)).toBe(21 * 24 - 240) // below: bottom-aligned
    expect(scrollToRow(2, 24, 240, 240)).toBe(48) // above: top-aligned
  })
})
