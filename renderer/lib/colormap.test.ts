import { describe, expect, it } from 'vitest'
import { MAGMA, toRgba } from './colormap'

describe('colormap', () => {
  it('runs from near black to near white and is opaque', () => {
    expect([...MAGMA.subarray(0, 4)]).toEqual([0, 0, 4, 255])
    expect([...MAGMA.subarray(1020, 1024)]).toEqual([252, 253, 191, 255])
    const lum = (v: number) => MAGMA[4 * v] + MAGMA[4 * v + 1] + MAGMA[4 * v + 2]
    for (let v = 1; v < 256; v++) expect(lum(v)).toBeGreaterThanOrEqual(lum(v - 1) - 1)
  })

  it('puts the lowest band at the bottom row', () => {
    // 2 columns × 3 bands; band 0 = [255, 0].
    const rgba = toRgba(Uint8Array.from([255, 0, 0, 0, 0, 0]), 2, 3)
    expect(rgba).toHaveLength(2 * 3 * 4)
    expect([...rgba.subarray(16, 20)]).toEqual([...MAGMA.subarray(1020, 1024)]) // row 2, column 0
    expect([...rgba.subarray(0, 4)]).toEqual([...MAGMA.subarray(0, 4)])
  })
})
