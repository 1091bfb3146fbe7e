import { describe, expect, it } from 'vitest'
import { fetchWindow, needsFetch } from './fetchwindow'

const v = { start: 100, span: 10, width: 1000 } // 0.01 s per px

describe('needsFetch', () => {
  const held = { start: 90, end: 120, resolution: 0.008, finest: false }
  it('keeps data that covers the window at about a bucket per pixel', () => {
    expect(needsFetch(held, v, 3600)).toBe(false)
    expect(needsFetch(held, { ...v, start: 108 }, 3600)).toBe(false)
  })
  it('fetches when scrolled out, zoomed past the data, or zoomed far out', () => {
    expect(needsFetch(null, v, 3600)).toBe(true)
    expect(needsFetch(held, { ...v, start: 111 }, 3600)).toBe(true)
    expect(needsFetch(held, { ...v, span: 5 }, 3600)).toBe(true) // 0.005 s/px < 0.008
    expect(needsFetch({ ...held, finest: true }, { ...v, span: 5 }, 3600)).toBe(false)
    expect(needsFetch({ ...held, start: 0, end: 3600 }, { ...v, span: 200 }, 3600)).toBe(true) // 0.2 s/px ≫ 16 × 0.008
  })
  it('does not ask for time past the end of the file', () => {
    expect(needsFetch({ ...held, end: 105 }, { ...v, start: 95 }, 105)).toBe(false)
  })
})

describe('fetchWindow', () => {
  it('asks for a span either side at the same pixel density, clamped to the file', () => {
    expect(fetchWindow(v, 3600)).toEqual({ start: 90, end: 120, pixels: 3000 })
    expect(fetchWindow({ ...v, start: 0 }, 15)).toEqual({ start: 0, end: 15, pixels: 1500 })
  })
})
