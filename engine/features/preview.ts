/**
 * The features a spec gives over a window of one audio file, as an image for the Train panel's
 * preview: the window is read at the file's rate, resampled to the spec's, and put through the
 * same extraction as training (extractAudioFeatures, on this thread). Per-file normalisation is
 * computed over the window, not the file, so the preview shows the pattern, not the exact values.
 *
 *   byte = round(255 · (v − lo) / (hi − lo)), clamped; lo/hi are the 1st and 99th percentiles of
 *   the window's values (one outlier does not wash the image out)
 *   columns: every k-th frame, k = ⌈frames / MAX_COLUMNS⌉
 */
import type { FeaturePreview } from '../api'
import type { JobContext } from '../jobs'
import { resample } from '../media/audio/resample'
import { openReader } from '../media/sample-reader'
import { extractAudioFeatures } from './extract'
import type { AudioSpec } from './spec'

/** Longest window computed, seconds: a preview answers in well under a second. */
export const MAX_PREVIEW_SECONDS = 30
/** Columns of the image at most (frames are subsampled beyond). */
export const MAX_COLUMNS = 1200

export async function featurePreview(
  file: string,
  start: number,
  end: number,
  spec: AudioSpec,
  ctx: JobContext,
): Promise<FeaturePreview> {
  const reader = await openReader(file, ctx, spec.channel)
  try {
    const sr = reader.sampleRate
    const t0 = Math.max(0, Math.min(start, reader.length / sr))
    const t1 = Math.min(end, reader.length / sr, t0 + MAX_PREVIEW_SECONDS)
    const n = Math.max(1, Math.round((t1 - t0) * sr))
    const raw = await reader.read(Math.round(t0 * sr), n)
    ctx.signal?.throwIfAborted()
    const samples = sr === spec.sampleRate ? raw : resample(raw, sr, spec.sampleRate)
    const m = await extractAudioFeatures(samples, spec, { workers: 0, signal: ctx.signal })
    const step = Math.max(1, Math.ceil(m.frames / MAX_COLUMNS))
    const columns = Math.ceil(m.frames / step)
    const [lo, hi] = percentiles(m.data, 0.01, 0.99)
    const scale = hi > lo ? 255 / (hi - lo) : 0
    const pixels = new Uint8Array(columns * m.dims)
    for (let c = 0; c < columns; c++) {
      const row = c * step * m.dims
      for (let d = 0; d < m.dims; d++) {
        const v = Math.round((m.data[row + d] - lo) * scale)
        pixels[d * columns + c] = v < 0 ? 0 : v > 255 ? 255 : v
      }
    }
    return {
      start: t0,
      end: t1,
      truncated: t1 < Math.min(end, reader.length / sr),
      fileSampleRate: sr,
      sampleRate: spec.sampleRate,
      frames: m.frames,
      columns,
      dims: m.dims,
      names: m.names,
      hop: (step * spec.hopLength) / spec.sampleRate,
      lo,
      hi,
      pixels: Buffer.from(pixels).toString('base64'),
    }
  } finally {
    await reader.close()
  }
}

/** The q0 and q1 quantiles of the finite values (0, 0 when there are none). */
function percentiles(x: Float32Array, q0: number, q1: number): [number, number] {
  const v = Float32Array.from(x.filter(Number.isFinite)).sort()
  if (v.length === 0) return [0, 0]
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * (v.length - 1)))]
  return [at(q0), at(q1)]
}
