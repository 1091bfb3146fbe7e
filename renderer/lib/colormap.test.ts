import { describe, expect, it } from 'vitest'
import { COLORMAPS, MAGMA, colormap, displayRange, levelLut, toRgba } from './colormap'

const lum = (lut: Uint8ClampedArray, v: number) =>
  0.2126 * lut[4 * v] + 0.7152 * lut[4 * v + 1] + 0.0722 * lut[4 * v + 2]

describe('colormap', () => {
  it('runs magma from near black to near white and is opaque', () => {
    expect([...MAGMA.subarray(0, 4)]).toEqual([0, 0, 4, 255])
    expect([...MAGMA.subarray(1020, 1024)]).toEqual([252, 253, 191, 255])
  })

  it('makes every map but the inverted one brighter with the level', () => {
    for (const name of COLORMAPS) {
      const lut = colormap(name)
      for (let v = 0; v < 256; v++) expect(lut[4 * v + 3]).toBe(255)
      const sign = name === 'inverted grey' ? -1 : 1
      for (let v = 8; v < 256; v += 8)
        expect(sign * (lum(lut, v) - lum(lut, v - 8))).toBeGreaterThan(0)
    }
    expect([...colormap('viridis').subarray(0, 3)]).toEqual([68, 1, 84])
    expect([...colormap('greyscale').subarray(4 * 128, 4 * 128 + 3)]).toEqual([128, 128, 128])
  })

  it('puts the lowest band at the bottom row', () => {
    // 2 columns × 3 bands; band 0 = [255, 0].
    const rgba = toRgba(Uint8Array.from([255, 0, 0, 0, 0, 0]), 2, 3)
    expect(rgba).toHaveLength(2 * 3 * 4)
    expect([...rgba.subarray(16, 20)]).toEqual([...MAGMA.subarray(1020, 1024)]) // row 2, column 0
    expect([...rgba.subarray(0, 4)]).toEqual([...MAGMA.subarray(0, 4)])
  })
})

describe('levelLut', () => {
  it('maps the dB range onto the whole map and clamps outside it', () => {
    const grey = colormap('greyscale')
    // Bytes are −100 + v · 0.5 dB; show −80 … −40.
    const lut = levelLut(grey, -80, -40, -100, 0.5)
    expect(lut[4 * 0]).toBe(0) // −100 dB: below the floor
    expect(lut[4 * 40]).toBe(0) // −80 dB: the floor
    expect(lut[4 * 80]).toBe(128) // −60 dB: half way (255 · 0.5 rounded)
    expect(lut[4 * 120]).toBe(255) // −40 dB: the ceiling
    expect(lut[4 * 255]).toBe(255)
  })
})

describe('displayRange', () => {
  it('is the file range at zero brightness and contrast', () => {
    expect(displayRange(-90, -10, 0, 0)).toEqual({ lo: -90, hi: -10 })
  })
  it('moves the range down when brighter and narrows it with contrast', () => {
    expect(displayRange(-90, -10, 0.5, 0)).toEqual({ lo: -110, hi: -30 })
    expect(displayRange(-90, -10, 0, 1)).toEqual({ lo: -70, hi: -30 })
    expect(displayRange(-90, -10, 0, -1)).toEqual({ lo: -130, hi: 30 })
  })
})
