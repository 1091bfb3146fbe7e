/**
 * Waveform summary for display: the min/max peaks of a whole media file at about the requested
 * number of buckets, from the multi-resolution pyramid cached in the project (audio/peaks.ts).
 */
import type { Waveform } from './api'
import { loadPeaks, pickLevel } from './audio/peaks'
import type { JobContext } from './jobs'

export async function waveform(file: string, cacheDir: string, buckets: number, ctx: JobContext): Promise<Waveform> {
  ctx.progress(0, `reading ${file}`)
  const peaks = await loadPeaks(file, cacheDir, {
    signal: ctx.signal,
    onProgress: (fraction, message) => ctx.progress(fraction, message),
  })
  const level = pickLevel(peaks, peaks.length / buckets)
  const count = level.minMax.length / 2
  const min = new Array<number>(count)
  const max = new Array<number>(count)
  for (let b = 0; b < count; b++) {
    min[b] = level.minMax[2 * b]
    max[b] = level.minMax[2 * b + 1]
  }
  ctx.progress(1, 'waveform ready')
  return { duration: peaks.length / peaks.sampleRate, sampleRate: peaks.sampleRate, samplesPerBucket: level.bucketSize, min, max }
}
