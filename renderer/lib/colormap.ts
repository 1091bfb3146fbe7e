/**
 * Colour maps for spectrogram bytes, and the byte image → RGBA layout (band 0 at the bottom).
 * A byte v stands for dbLo + v · dbStep dB (engine/media/spectrogram.ts); `levelLut` maps the
 * chosen dB range [lo, hi] onto a colour map, so changing the range or the map recolours the
 * image on the page without asking the engine again.
 */

/** Stops sampled evenly from matplotlib's perceptually uniform maps (and plain grey). */
const STOPS = {
  magma: [
    [0, 0, 4],
    [40, 11, 84],
    [101, 21, 110],
    [159, 42, 99],
    [212, 72, 66],
    [245, 125, 21],
    [250, 193, 39],
    [252, 253, 191],
  ],
  viridis: [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
  ],
  greyscale: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  /** Dark on light, as printed spectrograms are. */
  'inverted grey': [
    [255, 255, 255],
    [0, 0, 0],
  ],
} satisfies Record<string, [number, number, number][]>

export type ColormapName = keyof typeof STOPS
export const COLORMAPS = Object.keys(STOPS) as ColormapName[]

/** 256 × RGBA of one map, from its first stop (0) to its last (255). */
export function colormap(name: ColormapName): Uint8ClampedArray {
  const stops: [number, number, number][] = STOPS[name]
  const lut = new Uint8ClampedArray(256 * 4)
  for (let v = 0; v < 256; v++) {
    const x = (v / 255) * (stops.length - 1)
    const i = Math.min(stops.length - 2, Math.floor(x))
    const f = x - i
    for (let c = 0; c < 3; c++) lut[4 * v + c] = stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f
    lut[4 * v + 3] = 255
  }
  return lut
}

export const MAGMA = colormap('magma')

/**
 * The dB range shown: [floor, ceiling] moved down by `brightness` (−1 … 1, in half ranges: brighter
 * shows quieter sound) and narrowed by 2^contrast (−1 … 1) about its centre.
 */
export function displayRange(
  floorDb: number,
  ceilingDb: number,
  brightness: number,
  contrast: number,
): { lo: number; hi: number } {
  const width = Math.max(1, ceilingDb - floorDb)
  const centre = (floorDb + ceilingDb) / 2 - (brightness * width) / 2
  const half = width / 2 / 2 ** contrast
  return { lo: centre - half, hi: centre + half }
}

/** byte → RGBA: bytes whose dB (dbLo + v · dbStep) is at or below lo get the map's first colour, at or above hi its last. */
export function levelLut(
  map: Uint8ClampedArray,
  lo: number,
  hi: number,
  dbLo: number,
  dbStep: number,
): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4)
  for (let v = 0; v < 256; v++) {
    const x = (dbLo + v * dbStep - lo) / Math.max(1e-9, hi - lo)
    const k = Math.round(Math.max(0, Math.min(1, x)) * 255)
    lut.set(map.subarray(4 * k, 4 * k + 4), 4 * v)
  }
  return lut
}

/** (bands, columns) bytes, band 0 lowest → RGBA rows top-down (highest band first). */
export function toRgba(
  pixels: Uint8Array,
  columns: number,
  bands: number,
  lut = MAGMA,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer(columns * bands * 4))
  const lut32 = new Uint32Array(lut.buffer, lut.byteOffset, 256)
  const out32 = new Uint32Array(out.buffer)
  for (let b = 0; b < bands; b++) {
    const row = (bands - 1 - b) * columns
    const src = b * columns
    for (let c = 0; c < columns; c++) out32[row + c] = lut32[pixels[src + c]]
  }
  return out
}
