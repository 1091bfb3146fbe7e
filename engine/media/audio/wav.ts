/**
 * Streaming WAV reader: walks the RIFF chunks with positioned reads, lets wavefile parse the
 * `fmt ` chunk from a small header slice, then converts the `data` chunk block by block straight
 * into one Float32 mono array. The file is never read whole, so a 1-hour 44.1 kHz stereo file
 * costs one mono copy (≈ 635 MB) and a 1 MB read buffer.
 */
import { readSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import wavefile from 'wavefile'
import { DataError } from '../../errors'
import { openRegular } from '../../io/input-files'

/** Longest signal we decode: 2^29 samples (2 GiB of float32, ≈ 3.1 h at 48 kHz). */
export const MAX_DECODED_SAMPLES = 2 ** 29

export interface WavInfo {
  /** Sample encoding after resolving WAVE_FORMAT_EXTENSIBLE. */
  encoding: 'pcm' | 'float'
  /** Bits per sample as stored (8, 16, 24, 32 or 64). */
  bitsPerSample: number
  /** Interleaved channel count. */
  channels: number
  /** Samples per second per channel. */
  sampleRate: number
  /** Byte offset of the first sample. */
  dataOffset: number
  /** Bytes of sample data. */
  dataBytes: number
  /** Sample frames (one sample per channel). */
  frames: number
}

export interface WavReadOptions {
  /** Channel to keep: 'mix' averages all channels, a number picks one (0-based). */
  channel?: 'mix' | number
  /** Cancels the read between blocks. */
  signal?: AbortSignal
  /** Reports progress as a fraction 0..1 and a message. */
  onProgress?: (fraction: number, message: string) => void
}

const CODECS: Record<number, string> = {
  2: 'MS ADPCM',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  85: 'MP3',
}
const BLOCK_BYTES = 1 << 20

/** Reads the header of an open WAV file and checks that its claims fit the file. */
export async function readWavInfo(fh: FileHandle, file: string, size: number): Promise<WavInfo> {
  const head = await readAt(fh, 0, 12)
  const riff = head.toString('latin1', 0, 4)
  if (riff === 'RF64')
    throw new DataError(file, 'RF64 (WAV over 4 GB) is not supported', { offset: 0 })
  if (head.length < 12 || riff !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    throw new DataError(file, 'not a RIFF/WAVE file', { offset: 0 })
  }
  let fmt: Buffer | undefined
  let pos = 12
  while (pos + 8 <= size) {
    const ch = await readAt(fh, pos, 8)
    const id = ch.toString('latin1', 0, 4)
    const len = ch.readUInt32LE(4)
    const body = pos + 8
    if (id === 'fmt ') {
      if (len < 16 || body + len > size) {
        throw new DataError(file, `truncated 'fmt ' chunk (${len} bytes claimed)`, { offset: pos })
      }
      fmt = await readAt(fh, pos, 8 + len)
    } else if (id === 'data') {
      if (!fmt)
        throw new DataError(file, "no 'fmt ' chunk before the 'data' chunk", { offset: pos })
      const info = parseFmt(fmt, file)
      if (len === 0) throw new DataError(file, 'no audio: the data chunk is empty', { offset: pos })
      if (body + len > size) {
        throw new DataError(
          file,
          `truncated: the data chunk claims ${len} bytes but only ${size - body} follow`,
          { offset: pos },
        )
      }
      const blockAlign = info.channels * (info.bitsPerSample / 8)
      const frames = Math.floor(len / blockAlign)
      if (frames === 0)
        throw new DataError(file, 'no audio: the data chunk holds less than one frame', {
          offset: pos,
        })
      if (frames > MAX_DECODED_SAMPLES) {
        throw new DataError(
          file,
          `too long: ${frames} samples exceed the limit of ${MAX_DECODED_SAMPLES}`,
        )
      }
      return { ...info, dataOffset: body, dataBytes: frames * blockAlign, frames }
    }
    pos = body + len + (len & 1)
  }
  if (pos < size) throw new DataError(file, 'truncated chunk header', { offset: pos })
  throw new DataError(file, fmt ? "no 'data' chunk" : "no 'fmt ' chunk", { offset: pos })
}

/** Lets wavefile parse the format chunk from a synthetic header with an empty data chunk. */
function parseFmt(
  fmtChunk: Buffer,
  file: string,
): Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames'> {
  const hdr = Buffer.concat([
    Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
    fmtChunk,
    Buffer.from('data\0\0\0\0', 'latin1'),
  ])
  hdr.writeUInt32LE(hdr.length - 8, 4)
  let fmt: {
    audioFormat: number
    numChannels: number
    sampleRate: number
    bitsPerSample: number
    subformat: number[]
  }
  try {
    fmt = new wavefile.WaveFile(hdr).fmt as typeof fmt
  } catch (e) {
    throw new DataError(file, `unreadable 'fmt ' chunk (${(e as Error).message})`, { offset: 12 })
  }
  const code = fmt.audioFormat === 0xfffe ? fmt.subformat[0] & 0xffff : fmt.audioFormat
  const bits = fmt.bitsPerSample
  const encoding = code === 1 ? 'pcm' : code === 3 ? 'float' : undefined
  if (!encoding) {
    const name = CODECS[code] ? ` (${CODECS[code]})` : ''
    throw new DataError(
      file,
      `unsupported WAV codec 0x${code.toString(16).padStart(4, '0')}${name}; PCM and IEEE float are supported`,
    )
  }
  const okBits = encoding === 'pcm' ? [8, 16, 24, 32] : [32, 64]
  if (!okBits.includes(bits))
    throw new DataError(file, `unsupported ${bits}-bit ${encoding} samples`)
  if (fmt.numChannels < 1) throw new DataError(file, 'the header claims 0 channels')
  if (fmt.sampleRate < 1) throw new DataError(file, 'the header claims a sample rate of 0')
  return { encoding, bitsPerSample: bits, channels: fmt.numChannels, sampleRate: fmt.sampleRate }
}

/** Decodes a WAV file to Float32 mono (mixed or one channel) in one pass over the data chunk. */
export async function readWav(
  path: string,
  options: WavReadOptions = {},
): Promise<{ samples: Float32Array; info: WavInfo }> {
  const fh = await openRegular(path)
  try {
    const size = (await fh.stat()).size
    const info = await readWavInfo(fh, path, size)
    const { channels, frames } = info
    const channel = options.channel ?? 'mix'
    if (channel !== 'mix' && !(Number.isInteger(channel) && channel >= 0 && channel < channels)) {
      throw new DataError(path, `channel ${channel} does not exist (the file has ${channels})`)
    }
    const blockAlign = channels * (info.bitsPerSample / 8)
    const samples = new Float32Array(frames)
    const framesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / blockAlign))
    const buf = Buffer.alloc(framesPerBlock * blockAlign) // own ArrayBuffer (> pool size), so aligned
    for (let f0 = 0; f0 < frames; f0 += framesPerBlock) {
      options.signal?.throwIfAborted()
      const n = Math.min(framesPerBlock, frames - f0)
      const { bytesRead } = await fh.read(buf, 0, n * blockAlign, info.dataOffset + f0 * blockAlign)
      if (bytesRead < n * blockAlign)
        throw new DataError(path, 'file shrank while reading', {
          offset: info.dataOffset + f0 * blockAlign + bytesRead,
        })
      wavToMono(buf, n, info, channel, samples, f0)
      options.onProgress?.((f0 + n) / frames, 'decoding WAV')
    }
    return { samples, info }
  } finally {
    await fh.close()
  }
}

/**
 * n interleaved frames at the start of buf → mono samples out[o …]: the mean of all channels
 * ('mix') or one channel. `buf` must be 2- or 4-byte aligned (its own ArrayBuffer) for the typed
 * fast path of 16-bit PCM and float32.
 */
export function wavToMono(
  buf: Buffer,
  n: number,
  info: Pick<WavInfo, 'encoding' | 'bitsPerSample' | 'channels'>,
  channel: 'mix' | number,
  out: Float32Array,
  o: number,
): void {
  const { channels } = info
  const bytes = info.bitsPerSample / 8
  const blockAlign = channels * bytes
  const scale = channel === 'mix' ? 1 / channels : 1
  const pcm16 = info.encoding === 'pcm' && info.bitsPerSample === 16
  const f32 = info.encoding === 'float' && info.bitsPerSample === 32
  const aligned = buf.byteOffset % 4 === 0
  const view =
    pcm16 && aligned
      ? new Int16Array(buf.buffer, buf.byteOffset, (n * blockAlign) / 2)
      : f32 && aligned
        ? new Float32Array(buf.buffer, buf.byteOffset, (n * blockAlign) / 4)
        : undefined
  if (view) {
    // Fast path for 16-bit PCM and float32: a typed view over the block, no per-sample calls.
    const k = scale * (pcm16 ? 1 / 32768 : 1)
    if (channels === 1) {
      for (let i = 0; i < n; i++) out[o + i] = view[i] * k
      return
    }
    const c0 = channel === 'mix' ? 0 : channel
    const c1 = channel === 'mix' ? channels : channel + 1
    for (let i = 0, j = 0; i < n; i++, j += channels) {
      let s = 0
      for (let c = c0; c < c1; c++) s += view[j + c]
      out[o + i] = s * k
    }
    return
  }
  const read = readSample(info)
  if (channel === 'mix') {
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let c = 0, b = i * blockAlign; c < channels; c++, b += bytes) s += read(buf, b)
      out[o + i] = s * scale
    }
  } else {
    for (let i = 0, b = channel * bytes; i < n; i++, b += blockAlign) out[o + i] = read(buf, b)
  }
}

/**
 * Mono samples s0 … s1−1 of a WAV file whose header was read with readWavInfo, read
 * synchronously from an open descriptor into `out` (default: a new array): feature workers
 * decode their own slice of the file, reusing their buffers from job to job (fresh megabyte
 * buffers cost a page fault per 4 kB).
 */
export function readWavRangeSync(
  fd: number,
  file: string,
  info: WavInfo,
  channel: 'mix' | number,
  s0: number,
  s1: number,
  out = new Float32Array(Math.max(0, s1 - s0)),
): Float32Array {
  const blockAlign = info.channels * (info.bitsPerSample / 8)
  const n = Math.max(0, s1 - s0)
  if (out.length < n) throw new RangeError(`${n} samples do not fit in ${out.length}`)
  if (rangeBytes.length < n * blockAlign) rangeBytes = Buffer.alloc(n * blockAlign) // own buffer
  const buf = rangeBytes.subarray(0, n * blockAlign) // offset 0 of its ArrayBuffer: aligned
  const at = info.dataOffset + s0 * blockAlign
  let got = 0
  while (got < buf.length) {
    const r = readSync(fd, buf, got, buf.length - got, at + got)
    if (r === 0) throw new DataError(file, 'file shrank while reading', { offset: at + got })
    got += r
  }
  wavToMono(buf, n, info, channel, out, 0)
  return out.subarray(0, n)
}

/** readWavRangeSync's byte buffer, grown as needed (one per thread). */
let rangeBytes = Buffer.alloc(0)

/** Sample reader for one encoding: bytes at offset → float in [-1, 1). */
function readSample(
  info: Pick<WavInfo, 'encoding' | 'bitsPerSample'>,
): (b: Buffer, o: number) => number {
  if (info.encoding === 'float')
    return info.bitsPerSample === 32 ? (b, o) => b.readFloatLE(o) : (b, o) => b.readDoubleLE(o)
  switch (info.bitsPerSample) {
    case 8:
      return (b, o) => (b[o] - 128) / 128
    case 16:
      return (b, o) => b.readInt16LE(o) / 32768
    case 24:
      return (b, o) => b.readIntLE(o, 3) / 8388608
    default:
      return (b, o) => b.readInt32LE(o) / 2147483648
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  const { bytesRead } = await fh.read(buf, 0, length, position)
  return buf.subarray(0, bytesRead)
}
