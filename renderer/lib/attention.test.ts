import { describe, expect, it } from 'vitest'
import { weightColumns } from './attention'

describe('attention strip columns', () => {
  const w = [0, 0.1, 1, 0.2, 0, 0, 0, 0.5, 0, 0] // frames at 0, 0.1, … 0.9 s

  it('maps one frame to several pixels when zoomed in, and outside the frames to −1', () => {
    const c = weightColumns(w, 0, 0.1, { start: 0.15, span: 0.2, width: 4 }) // 0.05 s per px
    expect(Array.from(c)).toEqual([1, 1, 0.2, 0.2].map(Math.fround))
    const before = weightColumns(w, 0, 0.1, { start: -1, span: 0.5, width: 5 })
    expect(Array.from(before)).toEqual([-1, -1, -1, -1, -1])
  })

  it('keeps a one-frame peak when several frames share a pixel (max, not mean)', () => {
    const c = weightColumns(w, 0, 0.1, { start: 0, span: 1, width: 2 }) // 5 frames per px
    expect(Array.from(c)).toEqual([1, 0.5])
  })
})
