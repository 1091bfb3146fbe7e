/**
 * Random access to the samples of an audio file, one channel or the mean of all: WAV and AIFF
 * are read at their byte offsets; other formats are decoded once and kept (one file, bounded).
 * The views of the visible window (spectrogram, raw waveform) read through it.
 */
import type { FileHandle } from 'node:fs/promises'
import { decodeAudio } from './audio/decode'
import type { WavInfo } from './audio/pcm-header'
import { readWavInfo, wavToMono } from './audio/wav'
import { DataError } from '../errors'
import { openRegular } from '../io/input-files'
import type { JobContext } from '../jobs'

/** Decoded non-WAV files kept in memory: at most this many samples (≈ 1 h at 16 kHz). */
const MAX_KEPT_SAMPLES = 64 * 2 ** 20

/** 'mix' (the mean of the channels) or a channel index. */
export type Channel = 'mix' | number

/** Reads `n` samples starting at sample `at` (zeros outside the file). */
export type Reader = {
  sampleRate: number
  length: number
  /** Channels stored in the file. */
  channels: number
  read(at: number, n: number): Promise<Float32Array>
  close(): Promise<void>
}

let kept: {
  key: string
  samples: Float32Array
  sampleRate: number
  channels: number
} | null = null

/** Random access to one channel (or the mix) of an audio file; close it after use. */
export async function openReader(
  file: string,
  ctx: JobContext,
  channel: Channel = 'mix',
): Promise<Reader> {
  if (/\.(wave?|aiff?|aifc)$/i.test(file)) {
    const fh = await openRegular(file)
    try {
      const info = await readWavInfo(fh, file, (await fh.stat()).size)
      checkChannel(file, channel, info.channels)
      return wavReader(fh, info, channel)
    } catch (err) {
      await fh.close()
      throw err
    }
  }
  const key = `${file}\0${channel}`
  if (kept?.key !== key) {
    const audio = await decodeAudio(file, {
      channel: typeof channel === 'number' ? Math.min(channel, 255) : 'mix',
      signal: ctx.signal,
      onProgress: (f, m) => ctx.progress(f * 0.9, m),
    })
    checkChannel(file, channel, audio.channels)
    const decoded = { samples: audio.samples, sampleRate: audio.sampleRate }
    kept =
      audio.samples.length <= MAX_KEPT_SAMPLES
        ? { key, ...decoded, channels: audio.channels }
        : null
    if (!kept) return memoryReader(audio.samples, audio.sampleRate, audio.channels)
  }
  return memoryReader(kept.samples, kept.sampleRate, kept.channels)
}

function checkChannel(file: string, channel: Channel, channels: number): void {
  if (typeof channel === 'number' && channel >= channels)
    throw new DataError(
      file,
      `has ${channels} channel${channels === 1 ? '' : 's'}: there is no channel ${channel + 1}; pick 1 to ${channels} or the mix`,
    )
}

function memoryReader(samples: Float32Array, sampleRate: number, channels: number): Reader {
  return {
    sampleRate,
    length: samples.length,
    channels,
    read: async (at, n) => {
      const out = new Float32Array(n)
      const a = Math.max(0, at)
      const b = Math.min(samples.length, at + n)
      if (b > a) out.set(samples.subarray(a, b), a - at)
      return out
    },
    close: async () => {},
  }
}

function wavReader(fh: FileHandle, info: WavInfo, channel: Channel): Reader {
  const block = (info.bitsPerSample / 8) * info.channels
  return {
    sampleRate: info.sampleRate,
    length: info.frames,
    channels: info.channels,
    read: async (at, n) => {
      const out = new Float32Array(n)
      const a = Math.max(0, at)
      const b = Math.min(info.frames, at + n)
      if (b <= a) return out
      const buf = Buffer.alloc((b - a) * block)
      await fh.read(buf, 0, buf.length, info.dataOffset + a * block)
      wavToMono(buf, b - a, info, channel, out, a - at)
      return out
    },
    close: () => fh.close(),
  }
}
