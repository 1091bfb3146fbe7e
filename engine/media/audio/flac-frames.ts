/**
 * A FLAC file read in pieces: mono samples s0 … s1−1 decoded from the frames that hold them, so
 * the feature workers decode one file in parallel, each its own slice, as they read a WAV's
 * (decoding a whole hour of 48 kHz stereo FLAC on one thread takes ≈ 11 s, the rest of the
 * pipeline ≈ 3). FLAC frames are independent: each header carries its frame number and format,
 * and audio-decode decodes a stream that starts at any frame (the bytes before it skipped), with
 * exactly the samples the whole-file decode gives there.
 *
 * A slice starts at the frame whose header lies near the byte that the slice's share of the
 * samples predicts, found by scanning for a sync code and checking the header: its CRC-8, the
 * fields STREAMINFO fixes (channels, sample size), a frame number inside the file, and the next
 * header's number following it (a sync pattern inside compressed audio that passes the CRC is
 * 1 in 256; one followed by the right number is not seen). Only fixed-blocksize streams with a
 * known length are read this way (every encoder's default); others go through decodeAudio.
 * The frames are decoded by the native decoder (engine/kernels/flac.ts, each frame's CRC-16
 * checked) when the addon is present, else by audio-decode.
 *
 *   frame header: FF F8 | block size code, rate code | channels, sample size, 0 | UTF-8-coded
 *   frame number | block size (codes 6, 7) | rate (codes 12 … 14) | CRC-8 (poly 0x07)
 */
import { open, type FileHandle } from 'node:fs/promises'
import decodeAudioFile from 'audio-decode'
import { DataError } from '../../errors'
import { flacLayout } from './decode'
import { flacKernel, type FlacDecode } from '../../kernels/flac'

/** What a FLAC file's STREAMINFO says, and where its frames lie. */
export interface FlacInfo {
  sampleRate: number
  channels: number
  /** Bits per sample. */
  bits: number
  /** Samples per frame (all but the last). */
  blockSize: number
  /** Samples per channel. */
  frames: number
  /** Byte offset of the first frame. */
  firstFrame: number
  /** End of the frames (tags appended after them excluded). */
  end: number
}

/** The file's layout when its slices can be decoded apart, else undefined. */
export async function readFlacInfo(path: string): Promise<FlacInfo | undefined> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(42)
    const { bytesRead } = await fh.read(head, 0, 42, 0)
    if (bytesRead < 42 || head.toString('latin1', 0, 4) !== 'fLaC' || (head[4] & 0x7f) !== 0)
      return undefined
    const s = head.subarray(8) // STREAMINFO
    const minBlock = s.readUInt16BE(0)
    const maxBlock = s.readUInt16BE(2)
    const sampleRate = (s[10] << 12) | (s[11] << 4) | (s[12] >> 4)
    const channels = ((s[12] >> 1) & 7) + 1
    const bits = (((s[12] & 1) << 4) | (s[13] >> 4)) + 1
    const frames = (s[13] & 0x0f) * 2 ** 32 + s.readUInt32BE(14)
    let firstFrame = 4
    for (let last = false; !last;) {
      const b = Buffer.alloc(4)
      if ((await fh.read(b, 0, 4, firstFrame)).bytesRead < 4) return undefined
      last = (b[0] & 0x80) !== 0
      firstFrame += 4 + b.readUIntBE(1, 3)
    }
    const { size } = await fh.stat()
    const { end } = await flacLayout(path, size)
    if (minBlock !== maxBlock || frames === 0 || sampleRate === 0 || firstFrame >= end)
      return undefined
    const info = { sampleRate, channels, bits, blockSize: maxBlock, frames, firstFrame, end }
    // the first frame must be one this reader recognises, or no slice would be found
    const first = await nextHeader(fh, info, firstFrame)
    return first && first.offset === firstFrame && first.sample === 0 ? info : undefined
  } finally {
    await fh.close()
  }
}

/** CRC-8, polynomial x⁸ + x² + x + 1, as FLAC frame headers use. */
const CRC8 = Uint8Array.from({ length: 256 }, (_, i) => {
  let c = i
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff
  return c
})

/** The first sample of the frame whose header starts at b[p], or −1 when none does. */
export function headerSample(b: Uint8Array, p: number, info: FlacInfo): number {
  if (p + 6 > b.length || b[p] !== 0xff || b[p + 1] !== 0xf8) return -1
  const blockCode = b[p + 2] >> 4
  const rateCode = b[p + 2] & 15
  const assignment = b[p + 3] >> 4
  const sizeCode = (b[p + 3] >> 1) & 7
  if (blockCode === 0 || rateCode === 15 || assignment > 10 || (b[p + 3] & 1) !== 0) return -1
  if ((assignment < 8 ? assignment + 1 : 2) !== info.channels) return -1
  const bits = [0, 8, 12, 0, 16, 20, 24, 32][sizeCode]
  if (sizeCode === 3 || (bits !== 0 && bits !== info.bits)) return -1
  // frame number, UTF-8 coded (1 … 6 bytes for a fixed block size)
  let q = p + 4
  const lead = b[q++]
  let extra = 0
  while (extra < 7 && lead & (0x80 >> extra)) extra++
  if (extra === 1 || extra > 6) return -1
  let n = extra === 0 ? lead : lead & (0x7f >> extra)
  for (let k = 1; k < extra; k++) {
    if (q >= b.length || (b[q] & 0xc0) !== 0x80) return -1
    n = n * 64 + (b[q++] & 0x3f)
  }
  q += blockCode === 6 ? 1 : blockCode === 7 ? 2 : 0
  q += rateCode === 12 ? 1 : rateCode === 13 || rateCode === 14 ? 2 : 0
  if (q >= b.length) return -1
  let crc = 0
  for (let k = p; k < q; k++) crc = CRC8[crc ^ b[k]]
  const sample = n * info.blockSize
  return crc === b[q] && sample < info.frames ? sample : -1
}

/** Bytes read per step while scanning for a header. */
const SCAN_BYTES = 1 << 16

/** The first frame header at or after byte `from` whose next header follows it, if any. */
async function nextHeader(
  fh: FileHandle,
  info: FlacInfo,
  from: number,
): Promise<{ offset: number; sample: number } | undefined> {
  let found: { offset: number; sample: number } | undefined
  const b = Buffer.alloc(SCAN_BYTES + 32)
  for (let pos = from; pos < info.end; pos += SCAN_BYTES) {
    const { bytesRead } = await fh.read(b, 0, Math.min(b.length, info.end - pos), pos)
    const view = b.subarray(0, bytesRead)
    for (let p = view.indexOf(0xff); p >= 0 && p < SCAN_BYTES; p = view.indexOf(0xff, p + 1)) {
      const sample = headerSample(view, p, info)
      if (sample < 0) continue
      if (!found) {
        found = { offset: pos + p, sample }
        if (sample + info.blockSize >= info.frames) return found // the last frame
      } else if (sample === found.sample + info.blockSize) return found
      else found = { offset: pos + p, sample } // the first was a false header (or this one is)
    }
  }
  return found && found.sample + info.blockSize >= info.frames ? found : undefined
}

/** The frame to start decoding at for sample s: at or before it, found near its byte share. */
async function frameBefore(fh: FileHandle, info: FlacInfo, s: number, path: string) {
  const span = info.end - info.firstFrame
  let back = 4 * SCAN_BYTES
  for (;;) {
    const guess = Math.floor(info.firstFrame + (s / info.frames) * span) - back
    const from = Math.max(info.firstFrame, guess)
    const h = await nextHeader(fh, info, from)
    if (h && h.sample <= s) return h
    if (from === info.firstFrame) throw new DataError(path, 'no FLAC frame found at its start')
    back *= 4
  }
}

/**
 * readFlacRange by the native decoder: the bytes from the start frame on, as many as the samples'
 * share predicts (and more until enough decode), decoded in one call.
 */
async function nativeRange(
  fh: FileHandle,
  info: FlacInfo,
  channel: 'mix' | number,
  start: { offset: number; sample: number },
  s0: number,
  s1: number,
  decode: FlacDecode,
  path: string,
  out: Float32Array,
): Promise<Float32Array> {
  if (channel !== 'mix' && !(channel >= 0 && channel < info.channels))
    throw new DataError(path, `channel ${channel} does not exist (the file has ${info.channels})`)
  const want = Math.min(s1, info.frames) - s0
  const span = info.end - info.firstFrame
  let bytes = Math.ceil(((s1 - start.sample) / info.frames) * span * 1.05) + 4 * SCAN_BYTES
  for (;;) {
    const n = Math.min(bytes, info.end - start.offset)
    const data = Buffer.allocUnsafe(n)
    const { bytesRead } = await fh.read(data, 0, n, start.offset)
    const ch = channel === 'mix' ? -1 : channel
    const got = decode(
      data.subarray(0, bytesRead),
      info.channels,
      info.bits,
      ch,
      s0 - start.sample,
      out,
      want,
    )
    if (got < 0)
      throw new DataError(path, `FLAC frame at byte ${start.offset - 1 - got} does not decode`)
    if (got >= want) return out
    if (start.offset + bytesRead >= info.end)
      throw new DataError(path, `FLAC frames end at sample ${s0 + got}, before ${s1}`)
    bytes *= 2
  }
}

/** Bytes per read while decoding. */
const READ_BYTES = 1 << 18

/**
 * Mono samples s0 … s1−1 ('mix' averages the channels, a number picks one) of a file whose
 * layout readFlacInfo gave, decoded from the frame before s0 until s1 is reached.
 */
export async function readFlacRange(
  path: string,
  info: FlacInfo,
  channel: 'mix' | number,
  s0: number,
  s1: number,
  kernel?: FlacDecode | null,
): Promise<Float32Array> {
  const out = new Float32Array(Math.max(0, s1 - s0))
  if (s1 <= s0) return out
  const fh = await open(path, 'r')
  try {
    const start = await frameBefore(fh, info, s0, path)
    const native = kernel === undefined ? flacKernel() : kernel
    if (native) return await nativeRange(fh, info, channel, start, s0, s1, native, path, out)
    if (channel !== 'mix' && !(channel >= 0 && channel < info.channels))
      throw new DataError(path, `channel ${channel} does not exist (the file has ${info.channels})`)
    // decoded sample `start.sample + k` is out[start.sample + k − s0]
    let at = start.sample
    let pos = start.offset
    async function* bytes(): AsyncGenerator<Uint8Array> {
      while (pos < info.end) {
        const want = Math.min(READ_BYTES + 32, info.end - pos)
        const b = Buffer.alloc(want)
        const { bytesRead } = await fh.read(b, 0, want, pos)
        if (bytesRead === 0) return
        // never end a block inside a frame header (audio-decode skips a header cut in two)
        let cut = Math.min(bytesRead, READ_BYTES)
        if (pos + cut < info.end) {
          for (let i = Math.max(0, cut - 18); i < cut; i++) {
            if (b[i] === 0xff && (b[i + 1] & 0xfe) === 0xf8) {
              cut = Math.max(i, 1)
              break
            }
          }
        }
        yield b.subarray(0, cut)
        pos += cut
      }
    }
    for await (const chunk of decodeAudioFile(bytes(), 'flac')) {
      const data = chunk.channelData
      if (!data.length || !data[0].length) continue
      if (channel !== 'mix' && !(channel >= 0 && channel < data.length))
        throw new DataError(path, `channel ${channel} does not exist (the file has ${data.length})`)
      const len = data[0].length
      const i0 = Math.max(0, s0 - at)
      const i1 = Math.min(len, s1 - at)
      if (channel !== 'mix') for (let i = i0; i < i1; i++) out[at + i - s0] = data[channel][i]
      else if (data.length === 2) {
        const [l, r] = data
        for (let i = i0; i < i1; i++) out[at + i - s0] = (l[i] + r[i]) / 2
      } else
        for (let i = i0; i < i1; i++) {
          let s = 0
          for (let c = 0; c < data.length; c++) s += data[c][i]
          out[at + i - s0] = s / data.length
        }
      at += len
      if (at >= s1) break
    }
    if (at < Math.min(s1, info.frames))
      throw new DataError(path, `FLAC frames end at sample ${at}, before ${s1}`)
    return out
  } finally {
    await fh.close()
  }
}
