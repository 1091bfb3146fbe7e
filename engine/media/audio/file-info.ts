/**
 * What a recording is, for `framewise info <file>`: its container and sample format, rate,
 * channels, length, the metadata its chunks carry and the warnings of reading it. WAV and AIFF
 * from their header alone; FLAC, MP3 and OGG are decoded (their length needs it).
 */
import { DataError } from '../../errors'
import { openRegular } from '../../io/input-files'
import { decodeAudio, sniffAudioFormat, type AudioFormat } from './decode'
import { readWavInfo } from './wav'

export interface AudioFileInfo {
  file: string
  format: AudioFormat
  /** WAV/AIFF only: how samples are stored. */
  encoding?: 'pcm' | 'float' | 'ulaw' | 'alaw'
  /** WAV/AIFF only: bits of a sample's container, and how many of them are significant. */
  bitsPerSample?: number
  validBits?: number
  /** WAV/AIFF only. */
  byteOrder?: 'little-endian' | 'big-endian'
  sampleRate: number
  channels: number
  /** Sample frames (one sample per channel). */
  frames: number
  /** Seconds. */
  duration: number
  /** Key/values of the file's metadata chunks (WAV/AIFF; chunk-metadata.ts names the keys). */
  metadata: Record<string, string>
  /** What was wrong but read anyway, one sentence each. */
  warnings: string[]
}

export async function audioFileInfo(file: string): Promise<AudioFileInfo> {
  const format = await sniffAudioFormat(file)
  if (format === 'wav' || format === 'aiff') {
    const fh = await openRegular(file)
    try {
      const size = (await fh.stat()).size
      if (size === 0) throw new DataError(file, 'empty file')
      const h = await readWavInfo(fh, file, size)
      return {
        file,
        format,
        encoding: h.encoding,
        bitsPerSample: h.bitsPerSample,
        validBits: h.validBits,
        byteOrder: h.bigEndian ? 'big-endian' : 'little-endian',
        sampleRate: h.sampleRate,
        channels: h.channels,
        frames: h.frames,
        duration: h.frames / h.sampleRate,
        metadata: h.metadata,
        warnings: h.warnings,
      }
    } finally {
      await fh.close()
    }
  }
  const a = await decodeAudio(file)
  return {
    file,
    format,
    sampleRate: a.sourceSampleRate,
    channels: a.channels,
    frames: a.samples.length,
    duration: a.duration,
    metadata: a.metadata,
    warnings: a.warnings,
  }
}
