/**
 * A log-mel spectrogram image of the visible window, for the renderer to draw on a canvas: one
 * analysis frame per pixel column (at the column's centre), so its cost depends on the screen,
 * not on the file's length. WAV is read frame by frame at its byte offsets; other formats are
 * decoded once and kept (one file, bounded).
 *
 * Image: (bands, columns) bytes, band 0 the lowest, mapped linearly from [top − range, top] dB
 * (top = the window's loudest cell) to 0…255.
 */
import type { FileHandle } from 'node:fs/promises'
import FFT from 'fft.js'
import type { SpectrogramImage } from '../api'
import { decodeAudio } from './audio/decode'
import type { WavInfo } from './audio/pcm-header'
import { readWavInfo, wavToMono } from './audio/wav'
import { melFilterbank } from '../features/mel'
import { openRegular } from '../io/input-files'
import type { JobContext } from '../jobs'

/** Dynamic range shown, dB. */
export const RANGE_DB = 80
/** Decoded non-WAV files kept in memory: at most this many samples (≈ 1 h at 16 kHz). */
const MAX_KEPT_SAMPLES = 64 * 2 ** 20

/** Reads `n` mono samples starting at sample `at` (zeros outside the file). */
export type Reader = {
  sampleRate: number
  length: number
  read(at: number, n: number): Promise<Float32Array>
  close(): Promise<void>
}

let kept: { file: string; samples: Float32Array; sampleRate: number } | null = null

/** Random access to the samples of an audio file (mono mix); close it after use. */
export async function openReader(file: string, ctx: JobContext): Promise<Reader> {
  if (/\.(wave?|aiff?|aifc)$/i.test(file)) {
    const fh = await openRegular(file)
    try {
      const info = await readWavInfo(fh, file, (await fh.stat()).size)
      return wavReader(fh, info)
    } catch (err) {
      await fh.close()
      throw err
    }
  }
  if (kept?.file !== file) {
    const audio = await decodeAudio(file, {
      signal: ctx.signal,
      onProgress: (f, m) => ctx.progress(f * 0.9, m),
    })
    kept =
      audio.samples.length <= MAX_KEPT_SAMPLES
        ? { file, samples: audio.samples, sampleRate: audio.sampleRate }
        : null
    if (!kept) return memoryReader(audio.samples, audio.sampleRate)
  }
  return memoryReader(kept.samples, kept.sampleRate)
}

function memoryReader(samples: Float32Array, sampleRate: number): Reader {
  return {
    sampleRate,
    length: samples.length,
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

function wavReader(fh: FileHandle, info: WavInfo): Reader {
  const block = (info.bitsPerSample / 8) * info.channels
  return {
    sampleRate: info.sampleRate,
    length: info.frames,
    read: async (at, n) => {
      const out = new Float32Array(n)
      const a = Math.max(0, at)
      const b = Math.min(info.frames, at + n)
      if (b <= a) return out
      const buf = Buffer.alloc((b - a) * block)
      await fh.read(buf, 0, buf.length, info.dataOffset + a * block)
      wavToMono(buf, b - a, info, 'mix', out, a - at)
      return out
    },
    close: () => fh.close(),
  }
}

export async function spectrogramWindow(
  file: string,
  start: number,
  end: number,
  columns: number,
  bands: number,
  ctx: JobContext,
): Promise<SpectrogramImage> {
  const reader = await openReader(file, ctx)
  try {
    const sr = reader.sampleRate
    // ≈ 64 ms frames: fine enough in frequency for the lowest mel bands.
    let N = 256
    while (N < sr * 0.064) N *= 2
    const fft = new FFT(N)
    const window = Float32Array.from(
      { length: N },
      (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N),
    )
    const fMax = sr / 2
    const bank = melFilterbank(bands, N, sr, Math.min(20, fMax / 2), fMax)
    const input = new Array<number>(N)
    const spectrum = fft.createComplexArray() as number[]
    const db = new Float32Array(bands * columns)
    const span = end - start
    let top = -Infinity
    for (let c = 0; c < columns; c++) {
      if (c % 64 === 0) ctx.signal.throwIfAborted()
      const centre = Math.round((start + ((c + 0.5) / columns) * span) * sr)
      const frame = await reader.read(centre - N / 2, N)
      for (let i = 0; i < N; i++) input[i] = frame[i] * window[i]
      fft.realTransform(spectrum, input)
      for (let b = 0; b < bands; b++) {
        const w = bank.weights[b]
        let p = 0
        for (let k = 0; k < w.length; k++) {
          const bin = bank.first[b] + k
          p += w[k] * (spectrum[2 * bin] ** 2 + spectrum[2 * bin + 1] ** 2)
        }
        const v = 10 * Math.log10(p + 1e-12)
        db[b * columns + c] = v
        if (v > top) top = v
      }
    }
    const pixels = Buffer.alloc(bands * columns)
    for (let i = 0; i < db.length; i++)
      pixels[i] = Math.max(
        0,
        Math.min(255, Math.round(((db[i] - top + RANGE_DB) / RANGE_DB) * 255)),
      )
    ctx.progress(1, 'spectrogram ready')
    return {
      start,
      end,
      columns,
      bands,
      fMin: Math.min(20, fMax / 2),
      fMax,
      topDb: top,
      rangeDb: RANGE_DB,
      pixels: pixels.toString('base64'),
    }
  } finally {
    await reader.close()
  }
}
