/**
 * Long 16-bit PCM WAV files for the benchmarks, written block by block (an hour never sits in
 * memory) and reused while their size matches. Shared by bench:io and bench:infer.
 */
import { existsSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'

/**
 * Writes `file` once: `seconds` of 16-bit PCM at `rate` Hz with `channels` interleaved, sample
 * (channel c, time t in s, frame index i) = `sample(c, t, i)` in int16 units. Kept when a file of
 * the same size exists.
 */
export async function writeLongWav(
  file: string,
  seconds: number,
  rate: number,
  channels: number,
  sample: (c: number, t: number, i: number) => number,
): Promise<void> {
  const frames = seconds * rate
  const dataBytes = frames * channels * 2
  if (existsSync(file) && statSync(file).size === 44 + dataBytes) return
  const fh = await open(file, 'w')
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'latin1')
  h.writeUInt32LE(36 + dataBytes, 4)
  h.write('WAVEfmt ', 8, 'latin1')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20) // PCM
  h.writeUInt16LE(channels, 22)
  h.writeUInt32LE(rate, 24)
  h.writeUInt32LE(rate * channels * 2, 28)
  h.writeUInt16LE(channels * 2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'latin1')
  h.writeUInt32LE(dataBytes, 40)
  await fh.write(h, 0, 44, 0)
  const block = rate * 10
  const buf = Buffer.alloc(block * channels * 2)
  const pcm = new Int16Array(buf.buffer, buf.byteOffset, block * channels)
  for (let f0 = 0; f0 < frames; f0 += block) {
    const n = Math.min(block, frames - f0)
    for (let i = 0; i < n; i++)
      for (let c = 0; c < channels; c++)
        pcm[i * channels + c] = Math.round(sample(c, (f0 + i) / rate, f0 + i))
    await fh.write(buf, 0, n * channels * 2, 44 + f0 * channels * 2)
  }
  await fh.close()
}
