/**
 * Uncompressed sample files: WAV (RIFF, big-endian RIFX, RF64/BW64 over 4 GB) and AIFF/AIFF-C
 * (aiff.ts reads their header into the same WavInfo). The header is read with positioned reads;
 * the sample data is then converted block by block straight into one Float32 mono array, and
 * feature workers read their own slices of it (readWavRangeSync). The file is never read whole.
 *
 * Samples → floats: PCM integers are read as the whole container (the bytes per sample that the
 * block alignment gives) and divided by 2^(8·bytes − 1). Samples narrower than their container
 * are left-justified in it (WAV and AIFF both say so, and scipy reads them so), so this equals
 * the value of the valid bits divided by 2^(validBits − 1): a 12-bit sample v stored in 16 bits
 * reads as v / 2048. WAV PCM of 8 bits or fewer is unsigned ((byte − 128) / 128), as are AIFF-C
 * `raw ` samples; AIFF 8-bit is signed. IEEE float is taken as is; µ-law and A-law through
 * g711.ts.
 *
 * A recorder that lost power or wrote a stream leaves a data chunk whose size is wrong (larger
 * than the file, 0 or 0xFFFFFFFF): what is there is read, and WavInfo.warnings says so with the
 * seconds read.
 */
import { readSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { DataError } from '../../errors'
import { openRegular } from '../../io/input-files'
import { readAiffInfo } from './aiff'
import type { ContainerHeader, ReadAt, SampleFormat, WavInfo } from './pcm-header'
import { MAX_METADATA_CHUNK, METADATA_CHUNKS, parseMetadataChunk } from './chunk-metadata'
import { ALAW, ULAW } from './g711'

/** Longest signal we decode: 2^29 samples (2 GiB of float32, ≈ 3.1 h at 48 kHz). */
export const MAX_DECODED_SAMPLES = 2 ** 29

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
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  85: 'MP3',
}
const BLOCK_BYTES = 1 << 20
/** The size field of a chunk whose size did not fit (RF64) or was never written (a stream). */
const UNSET = 0xffffffff

/** Reads the header of an open WAV or AIFF file and checks that its claims fit the file. */
export async function readWavInfo(fh: FileHandle, file: string, size: number): Promise<WavInfo> {
  const read: ReadAt = (position, length) => readAt(fh, position, length)
  const head = await read(0, 12)
  const tag = head.toString('latin1', 0, 4)
  const header =
    tag === 'FORM'
      ? await readAiffInfo(read, file, size, head)
      : await readRiffHeader(read, file, size, head)
  return settle(header, file)
}

/** The frame count of a header, with its warnings; refuses a file with no frame. */
function settle(h: ContainerHeader, file: string): WavInfo {
  const { format } = h
  const blockAlign = format.channels * (format.bitsPerSample / 8)
  const frames = Math.floor(h.dataBytes / blockAlign)
  if (frames === 0) {
    throw new DataError(
      file,
      h.dataBytes === 0
        ? 'no audio: the data chunk is empty'
        : 'no audio: the data chunk holds less than one frame',
      { offset: h.dataOffset },
    )
  }
  const seconds = +(frames / format.sampleRate).toFixed(3)
  const warnings = h.problem ? [`${h.problem}: read the ${seconds} s that are there`] : []
  return {
    ...format,
    dataOffset: h.dataOffset,
    dataBytes: frames * blockAlign,
    frames,
    warnings,
    metadata: h.metadata,
  }
}

const RIFF_TAGS = ['RIFF', 'RIFX', 'RF64', 'BW64']

/** The chunks of a RIFF/RIFX/RF64 WAVE file up to its data (and metadata after it). */
async function readRiffHeader(
  read: ReadAt,
  file: string,
  size: number,
  head: Buffer,
): Promise<ContainerHeader> {
  const tag = head.toString('latin1', 0, 4)
  if (head.length < 12 || !RIFF_TAGS.includes(tag) || head.toString('latin1', 8, 12) !== 'WAVE') {
    throw new DataError(file, 'not a RIFF/WAVE or AIFF file', { offset: 0 })
  }
  const be = tag === 'RIFX'
  const rf64 = tag === 'RF64' || tag === 'BW64'
  let format: ContainerHeader['format'] | undefined
  let ds64Data: number | undefined
  let data: Omit<ContainerHeader, 'format' | 'metadata'> | undefined
  const metadata: Record<string, string> = {}
  let pos = 12
  while (pos + 8 <= size) {
    const ch = await read(pos, 8)
    const id = ch.toString('latin1', 0, 4)
    let len = be ? ch.readUInt32BE(4) : ch.readUInt32LE(4)
    const body = pos + 8
    if (id === 'ds64' && rf64) {
      // RF64: 64-bit RIFF size, data size and sample count (little-endian), then a table.
      const b = await read(body, 24)
      if (len < 24 || b.length < 24)
        throw new DataError(file, "truncated 'ds64' chunk", { offset: pos })
      ds64Data = b.readUInt32LE(8) + b.readUInt32LE(12) * 2 ** 32
    } else if (id === 'fmt ') {
      if (len < 16 || body + len > size) {
        throw new DataError(file, `truncated 'fmt ' chunk (${len} bytes claimed)`, { offset: pos })
      }
      format = parseFmt(await read(body, Math.min(len, 64)), be, file)
    } else if (id === 'data' && !data) {
      if (!format)
        throw new DataError(file, "no 'fmt ' chunk before the 'data' chunk", { offset: pos })
      if (len === UNSET && ds64Data !== undefined) len = ds64Data
      const there = size - body
      if (len === UNSET || len === 0) {
        const problem =
          len === 0
            ? "the data chunk's size is 0 (a recording that was not closed)"
            : "the data chunk's size is unset (0xFFFFFFFF, as a streaming recorder leaves it)"
        data = { dataOffset: body, dataBytes: there, problem: there > 0 ? problem : undefined }
        break
      }
      if (len > there) {
        const problem = `truncated: the data chunk claims ${len} bytes but only ${there} follow`
        data = { dataOffset: body, dataBytes: there, problem }
        break
      }
      data = { dataOffset: body, dataBytes: len }
    } else if (METADATA_CHUNKS.has(id) && len <= MAX_METADATA_CHUNK && body + len <= size) {
      parseMetadataChunk(id, await read(body, len), be, metadata)
    }
    pos = body + len + (len & 1)
  }
  if (format && data) return { format, ...data, metadata }
  if (pos < size) throw new DataError(file, 'truncated chunk header', { offset: pos })
  throw new DataError(file, format ? "no 'data' chunk" : "no 'fmt ' chunk", { offset: pos })
}

/** The `fmt ` chunk body (WAVEFORMATEX, or WAVE_FORMAT_EXTENSIBLE with its sub-format). */
function parseFmt(fmt: Buffer, be: boolean, file: string): ContainerHeader['format'] {
  const u16 = (o: number) => (be ? fmt.readUInt16BE(o) : fmt.readUInt16LE(o))
  const u32 = (o: number) => (be ? fmt.readUInt32BE(o) : fmt.readUInt32LE(o))
  const tag = u16(0)
  const channels = u16(2)
  const sampleRate = u32(4)
  const blockAlign = u16(12)
  const bits = u16(14)
  let code = tag
  let validBits = bits
  if (tag === 0xfffe) {
    if (fmt.length < 40) throw new DataError(file, 'WAVE_FORMAT_EXTENSIBLE header too short')
    validBits = u16(18) || bits
    // The sub-format GUID's first field is the format code.
    code = u32(24) & 0xffff
  }
  const encoding = ({ 1: 'pcm', 3: 'float', 6: 'alaw', 7: 'ulaw' } as const)[code as 1]
  if (!encoding) {
    const name = CODECS[code] ? ` (${CODECS[code]})` : ''
    throw new DataError(
      file,
      `unsupported WAV codec 0x${code.toString(16).padStart(4, '0')}${name}; PCM, IEEE float, µ-law and A-law are supported`,
    )
  }
  if (channels < 1) throw new DataError(file, 'the header claims 0 channels')
  if (sampleRate < 1) throw new DataError(file, 'the header claims a sample rate of 0')
  const bytes = encoding === 'pcm' ? Math.ceil(bits / 8) : encoding === 'float' ? bits / 8 : 1
  const okBits =
    encoding === 'pcm'
      ? bits >= 1 && bits <= 64
      : encoding === 'float'
        ? bits === 32 || bits === 64
        : true
  if (!okBits) throw new DataError(file, `unsupported ${bits}-bit ${encoding} samples`)
  if (blockAlign !== channels * bytes) {
    throw new DataError(
      file,
      `inconsistent header: a frame of ${channels} × ${bits}-bit samples is ${channels * bytes} bytes, but the block alignment says ${blockAlign}`,
    )
  }
  return {
    container: 'wav',
    encoding,
    bitsPerSample: bytes * 8,
    validBits: Math.min(validBits, bytes * 8),
    bigEndian: be,
    unsigned: encoding === 'pcm' && bytes === 1,
    channels,
    sampleRate,
  }
}

/** Decodes a WAV or AIFF file to Float32 mono (mixed or one channel) in one pass over its data. */
export async function readWav(
  path: string,
  options: WavReadOptions = {},
): Promise<{ samples: Float32Array; info: WavInfo }> {
  const fh = await openRegular(path)
  try {
    const size = (await fh.stat()).size
    const info = await readWavInfo(fh, path, size)
    const { channels, frames } = info
    // the header alone is read for any length (workers and views read slices); decoding is bounded
    if (frames > MAX_DECODED_SAMPLES)
      throw new DataError(
        path,
        `too long: ${frames} samples exceed the limit of ${MAX_DECODED_SAMPLES}`,
      )
    const channel = options.channel ?? 'mix'
    if (channel !== 'mix' && !(Number.isInteger(channel) && channel >= 0 && channel < channels)) {
      throw new DataError(path, `channel ${channel} does not exist (the file has ${channels})`)
    }
    const blockAlign = channels * (info.bitsPerSample / 8)
    const samples = new Float32Array(frames)
    const framesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / blockAlign))
    const buf = Buffer.alloc(framesPerBlock * blockAlign) // own ArrayBuffer (> pool size), so aligned
    const what = `decoding ${info.container.toUpperCase()}`
    for (let f0 = 0; f0 < frames; f0 += framesPerBlock) {
      options.signal?.throwIfAborted()
      const n = Math.min(framesPerBlock, frames - f0)
      const { bytesRead } = await fh.read(buf, 0, n * blockAlign, info.dataOffset + f0 * blockAlign)
      if (bytesRead < n * blockAlign)
        throw new DataError(path, 'file shrank while reading', {
          offset: info.dataOffset + f0 * blockAlign + bytesRead,
        })
      wavToMono(buf, n, info, channel, samples, f0)
      options.onProgress?.((f0 + n) / frames, what)
    }
    return { samples, info }
  } finally {
    await fh.close()
  }
}

/**
 * n interleaved frames at the start of buf → mono samples out[o …]: the mean of all channels
 * ('mix') or one channel. Little-endian 16-bit PCM and float32 take a typed fast path when buf
 * is 4-byte aligned (its own ArrayBuffer).
 */
export function wavToMono(
  buf: Buffer,
  n: number,
  info: SampleFormat,
  channel: 'mix' | number,
  out: Float32Array,
  o: number,
): void {
  const { channels } = info
  const bytes = info.bitsPerSample / 8
  const blockAlign = channels * bytes
  const scale = channel === 'mix' ? 1 / channels : 1
  const le = !info.bigEndian
  const pcm16 = le && info.encoding === 'pcm' && info.bitsPerSample === 16
  const f32 = le && info.encoding === 'float' && info.bitsPerSample === 32
  const aligned = buf.byteOffset % 4 === 0
  const view =
    pcm16 && aligned
      ? new Int16Array(buf.buffer, buf.byteOffset, (n * blockAlign) / 2)
      : f32 && aligned
        ? new Float32Array(buf.buffer, buf.byteOffset, (n * blockAlign) / 4)
        : undefined
  if (view) {
    const k = scale * (pcm16 ? 1 / 32768 : 1)
    if (channels === 1) {
      for (let i = 0; i < n; i++) out[o + i] = view[i] * k
      return
    }
    if (channels === 2 && channel === 'mix') {
      // what recorders write: a fixed-width loop runs ≈ 2.5× faster than the general one
      for (let i = 0, j = 0; i < n; i++, j += 2) out[o + i] = (view[j] + view[j + 1]) * k
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
  const read = sampleReader(info)
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
 * Mono samples s0 … s1−1 of a file whose header was read with readWavInfo, read
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

/** Sample reader for one format: the bytes of one sample at offset → float in [-1, 1]. */
export function sampleReader(f: SampleFormat): (b: Buffer, o: number) => number {
  const bytes = f.bitsPerSample / 8
  const be = f.bigEndian
  if (f.encoding === 'ulaw') return (b, o) => ULAW[b[o]]
  if (f.encoding === 'alaw') return (b, o) => ALAW[b[o]]
  if (f.encoding === 'float') {
    if (bytes === 4) return be ? (b, o) => b.readFloatBE(o) : (b, o) => b.readFloatLE(o)
    return be ? (b, o) => b.readDoubleBE(o) : (b, o) => b.readDoubleLE(o)
  }
  if (bytes === 1) return f.unsigned ? (b, o) => (b[o] - 128) / 128 : (b, o) => b.readInt8(o) / 128
  const k = 2 ** -(8 * bytes - 1)
  if (bytes <= 6) {
    return be ? (b, o) => b.readIntBE(o, bytes) * k : (b, o) => b.readIntLE(o, bytes) * k
  }
  // 7 or 8 bytes: the signed high part times 2^32 plus the unsigned low 32 bits.
  const hi = bytes - 4
  return be
    ? (b, o) => (b.readIntBE(o, hi) * 2 ** 32 + b.readUInt32BE(o + hi)) * k
    : (b, o) => (b.readIntLE(o + 4, hi) * 2 ** 32 + b.readUInt32LE(o)) * k
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  const { bytesRead } = await fh.read(buf, 0, length, position)
  return buf.subarray(0, bytesRead)
}
