/**
 * Waveform summary for display: min/max per bucket over a whole media file.
 * (Decoding goes through audio/decode.ts once the data pipeline lands; wavefile reads WAV here.)
 */
import { promises as fs } from 'node:fs'
import wavefile from 'wavefile'
import type { Waveform } from './api'
import { DataError } from './errors'
import type { JobContext } from './jobs'

export async function waveform(file: string, buckets: number, ctx: JobContext): Promise<Waveform> {
  ctx.progress(0, `reading ${file}`)
  const bytes = await fs.readFile(file)
  ctx.signal.throwIfAborted()
  const wav = new wavefile.WaveFile()
  try {
    wav.fromBuffer(bytes)
  } catch (err) {
    throw new DataError(file, `not a readable WAV file (${(err as Error).message})`)
  }
  const fmt = wav.fmt as { sampleRate: number; numChannels: number }
  const channels = wav.getSamples(false, Float64Array) as unknown as Float64Array[] | Float64Array
  const chans = Array.isArray(channels) || channels instanceof Array ? (channels as Float64Array[]) : [channels as Float64Array]
  const n = chans[0]?.length ?? 0
  if (n === 0) throw new DataError(file, 'the WAV file holds no samples')
  const bitDepth = (wav as unknown as { bitDepth: string }).bitDepth
  const scale = bitDepth === '32f' || bitDepth === '64' ? 1 : 2 ** (Number(bitDepth) - 1)
  const samplesPerBucket = Math.max(1, Math.ceil(n / buckets))
  const count = Math.ceil(n / samplesPerBucket)
  const min = new Array<number>(count).fill(Infinity)
  const max = new Array<number>(count).fill(-Infinity)
  for (let i = 0; i < n; i++) {
    let v = 0
    for (const ch of chans) v += ch[i]
    v /= chans.length * scale
    const b = (i / samplesPerBucket) | 0
    if (v < min[b]) min[b] = v
    if (v > max[b]) max[b] = v
  }
  ctx.progress(1, 'waveform ready')
  return { duration: n / fmt.sampleRate, sampleRate: fmt.sampleRate, samplesPerBucket, min, max }
}
