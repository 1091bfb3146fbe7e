/**
 * A perceptual colour map for spectrogram bytes (0…255 → RGBA), interpolated from a few
 * "magma"-like stops, and the byte image → ImageData layout (band 0 at the bottom).
 */
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 253, 191],
]

/** 256 × RGBA. */
export const MAGMA: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 4)
  for (let v = 0; v < 256; v++) {
    const x = (v / 255) * (STOPS.length - 1)
    const i = Math.min(STOPS.length - 2, Math.floor(x))
    const f = x - i
    for (let c = 0; c < 3; c++) lut[4 * v + c] = STOPS[i][c] + (STOPS[i + 1][c] - STOPS[i][c]) * f
    lut[4 * v + 3] = 255
  }
  return lut
})()

/** (bands, columns) bytes, band 0 lowest → RGBA rows top-down (highest band first). */
export function toRgba(
  pixels: Uint8Array,
  columns: number,
  bands: number,
  lut = MAGMA,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer(columns * bands * 4))
  for (let b = 0; b < bands; b++) {
    const row = bands - 1 - b
    for (let c = 0; c < columns; c++) {
      const v = pixels[b * columns + c]
      out.set(lut.subarray(4 * v, 4 * v + 4), 4 * (row * columns + c))
    }
  }
  return out
}
