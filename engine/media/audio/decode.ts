/**
 * Any supported audio file → Float32 mono at a chosen rate. WAV and AIFF stream through wav.ts
 * (one mono copy, any size up to MAX_DECODED_SAMPLES); FLAC, MP3 and OGG (Vorbis or Opus) stream through audio-decode's
 * chunked decoder and are mixed down chunk by chunk, so the decoder's multi-channel output is
 * never held whole. Resampling (resample.ts) briefly holds the source-rate copy and the result.
 *
 * MP3: decoding puts the encoder delay + decoder delay (1105 samples with LAME) before the audio,
 * which would shift every label. See mp3Delay for how it is removed.
 *
 * FLAC: audio-decode's frame parser finds each frame's end by the next frame's header, so two
 * things cost a frame of samples (up to 4096; about 3,900 of a 31-minute file): a header cut by
 * the edge of a block of bytes it is given (flacBlocks never cuts there), and a tag after the
 * last frame (ID3v1, APEv2: flacLayout finds where the frames end, and only those bytes go to
 * the decoder). A sample count that still differs from STREAMINFO's is warned.
 */
import type { FileHandle } from 'node:fs/promises'
import { extname } from 'node:path'
import decodeAudioFile from 'audio-decode'
import { DataError } from '../../errors'
import { assertRegular, openRegular } from '../../io/input-files'
import { looksLike } from '../../labels/looks-like'
import { MAX_DECODED_SAMPLES, readWav } from './wav'
import { resample } from './resample'

/** Compressed files above this size are refused before decoding (1 GiB ≈ 15 h of 128 kb/s MP3). */
export const MAX_COMPRESSED_BYTES = 2 ** 30

export type AudioFormat = 'wav' | 'aiff' | 'flac' | 'mp3' | 'ogg'

export interface DecodeOptions {
  /** Channel to keep: 'mix' averages all channels (default), a number picks one (0-based). */
  channel?: 'mix' | number
  /** Resample to this rate in Hz; omitted keeps the file's rate. */
  sampleRate?: number
  /** Cancels decoding between blocks. */
  signal?: AbortSignal
  /** Reports progress as a fraction 0..1 and a message. */
  onProgress?: (fraction: number, message: string) => void
}

export interface DecodedAudio {
  /** Mono samples in [-1, 1]. */
  samples: Float32Array
  /** Rate of `samples` in Hz. */
  sampleRate: number
  /** Rate stored in the file. */
  sourceSampleRate: number
  /** Channel count stored in the file. */
  channels: number
  /** Container/codec. */
  format: AudioFormat
  /** Duration in seconds. */
  duration: number
  /** What was wrong but read anyway (e.g. a truncated data chunk), one sentence each. */
  warnings: string[]
  /** Metadata chunks of a WAV or AIFF file (chunk-metadata.ts names the keys); {} for others. */
  metadata: Record<string, string>
}

/** Picks the format from the first bytes, falling back to the extension. */
export async function sniffAudioFormat(path: string): Promise<AudioFormat> {
  const fh = await openRegular(path)
  let b = Buffer.alloc(512)
  try {
    b = b.subarray(0, (await fh.read(b, 0, 512, 0)).bytesRead)
  } finally {
    await fh.close()
  }
  const tag = b.toString('latin1', 0, 4)
  if (['RIFF', 'RIFX', 'RF64', 'BW64'].includes(tag)) return 'wav'
  if (tag === 'FORM' && ['AIFF', 'AIFC'].includes(b.toString('latin1', 8, 12))) return 'aiff'
  if (tag === 'fLaC') return 'flac'
  if (tag === 'OggS') return 'ogg'
  if (b.toString('latin1', 0, 7) === 'NIST_1A')
    throw new DataError(
      path,
      "a NIST SPHERE file (TIMIT's own format), not a RIFF WAV: convert it with sox (sox -t sph in.WAV out.wav)",
      { offset: 0 },
    )
  // 0xFFF8/9 is a FLAC frame sync (its MPEG layer bits would be the reserved 00)
  if (b[0] === 0xff && (b[1] & 0xfe) === 0xf8)
    throw new DataError(
      path,
      'a FLAC stream without its "fLaC" header and STREAMINFO (it starts at a frame), so its sample format is unknown: re-encode it with flac',
      { offset: 0 },
    )
  if (tag.startsWith('ID3') || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0)) return 'mp3'
  const ext = extname(path).slice(1).toLowerCase()
  const claimed = ext === 'wave' ? 'wav' : ['aif', 'aifc'].includes(ext) ? 'aiff' : ext
  // what the bytes are instead (labels, a table, XML…), when that can be told
  const seems = looksLike(b.toString('utf8'))
  const instead = seems && !seems.startsWith('an audio file') ? `: it looks like ${seems}` : ''
  if (['wav', 'aiff', 'flac', 'mp3', 'ogg'].includes(claimed)) {
    throw new DataError(
      path,
      `not a valid ${claimed.toUpperCase()} file (unexpected leading bytes)${instead}`,
      { offset: 0 },
    )
  }
  throw new DataError(
    path,
    `unsupported audio format${instead} (WAV, AIFF, FLAC, MP3 and OGG are supported)`,
    { offset: 0 },
  )
}

export async function decodeAudio(
  path: string,
  options: DecodeOptions = {},
): Promise<DecodedAudio> {
  const size = (await assertRegular(path)).size
  if (size === 0) throw new DataError(path, 'empty file')
  const format = await sniffAudioFormat(path)
  let mono: Float32Array
  let rate: number
  let channels: number
  let warnings: string[] = []
  let metadata: Record<string, string> = {}
  if (format === 'wav' || format === 'aiff') {
    const { samples, info } = await readWav(path, options)
    ;[mono, rate, channels] = [samples, info.sampleRate, info.channels]
    ;({ warnings, metadata } = info)
  } else {
    if (size > MAX_COMPRESSED_BYTES) {
      throw new DataError(
        path,
        `too large: ${size} bytes exceed the ${MAX_COMPRESSED_BYTES}-byte limit for compressed audio`,
      )
    }
    ;({ mono, rate, channels, warnings } = await decodeCompressed(path, format, size, options))
  }
  const target = options.sampleRate ?? rate
  if (target !== rate) {
    options.onProgress?.(1, `resampling ${rate} → ${target} Hz`)
    mono = resample(mono, rate, target)
  }
  return {
    samples: mono,
    sampleRate: target,
    sourceSampleRate: rate,
    channels,
    format,
    duration: mono.length / target,
    warnings,
    metadata,
  }
}

async function decodeCompressed(
  path: string,
  format: Exclude<AudioFormat, 'wav' | 'aiff'>,
  size: number,
  options: DecodeOptions,
): Promise<{ mono: Float32Array; rate: number; channels: number; warnings: string[] }> {
  const codec = format === 'ogg' ? await oggCodec(path) : format
  const skip = format === 'mp3' ? await mp3Delay(path) : 0
  const flac = format === 'flac' ? await flacLayout(path, size) : undefined
  let out = new Float32Array(1 << 16)
  let n = 0
  let rate = 0
  let channels = 0
  let dropped = 0
  let readBytes = 0
  const fh = await openRegular(path)
  const stream = fh.createReadStream({ highWaterMark: 1 << 18 })
  async function* counted(): AsyncGenerator<Uint8Array> {
    const blocks = flac ? flacBlocks(fh, flac.end) : (stream as AsyncIterable<Buffer>)
    for await (const c of blocks) {
      readBytes += c.length
      yield c
    }
  }
  try {
    for await (const chunk of decodeAudioFile(counted(), codec)) {
      options.signal?.throwIfAborted()
      const data = chunk.channelData
      if (!data.length || !data[0].length) continue
      rate ||= chunk.sampleRate
      channels ||= data.length
      const pick = options.channel ?? 'mix'
      if (pick !== 'mix' && !(Number.isInteger(pick) && pick >= 0 && pick < data.length)) {
        throw new DataError(path, `channel ${pick} does not exist (the file has ${data.length})`)
      }
      const len = data[0].length
      const from = Math.min(len, Math.max(0, skip - dropped))
      dropped += from
      if (n + len - from > out.length) {
        const grown = new Float32Array(Math.max(out.length * 2, n + len))
        grown.set(out.subarray(0, n))
        out = grown
      }
      for (let i = from; i < len; i++) {
        let s = 0
        if (pick === 'mix') {
          for (let c = 0; c < data.length; c++) s += data[c][i]
          s /= data.length
        } else s = data[pick][i]
        out[n++] = s
      }
      if (n > MAX_DECODED_SAMPLES)
        throw new DataError(path, `too long: more than ${MAX_DECODED_SAMPLES} samples`)
      options.onProgress?.(Math.min(1, readBytes / size), `decoding ${format.toUpperCase()}`)
    }
  } catch (e) {
    if (e instanceof DataError || (e as Error).name === 'AbortError') throw e
    throw new DataError(path, `cannot decode ${format.toUpperCase()}: ${(e as Error).message}`)
  } finally {
    stream.destroy()
  }
  if (n === 0 || !rate)
    throw new DataError(path, `no audio could be decoded from this ${format.toUpperCase()} file`)
  const warnings: string[] = []
  if (flac?.total && flac.total !== n) {
    const seconds = (k: number) => +(k / rate).toFixed(3)
    warnings.push(
      `STREAMINFO says ${flac.total} samples (${seconds(flac.total)} s) but ${n} (${seconds(n)} s) could be decoded`,
    )
  }
  return { mono: out.slice(0, n), rate, channels, warnings }
}

/**
 * Refuses a FLAC file whose first frame contradicts STREAMINFO's channels or bit depth (libFLAC
 * refuses these too: "parameters differ between frame and header"); audio-decode decodes them
 * without a word, though which of the two is true cannot be known. The first frame follows the last metadata block; when no frame sync
 * is there (a metadata length that lies), the decoder's own error stands.
 */
async function checkFirstFrame(
  path: string,
  head: Buffer,
  at: (position: number, length: number) => Promise<Buffer>,
): Promise<void> {
  const channels = ((head[20] >> 1) & 7) + 1
  const bits = (((head[20] & 1) << 4) | (head[21] >> 4)) + 1
  let pos = 4
  for (let last = false; !last;) {
    const h = await at(pos, 4)
    if (h.length < 4) return
    last = (h[0] & 0x80) !== 0
    pos += 4 + h.readUIntBE(1, 3)
  }
  const f = await at(pos, 4)
  if (f.length < 4 || f[0] !== 0xff || (f[1] & 0xfe) !== 0xf8) return
  const assignment = f[3] >> 4
  const frameChannels = assignment < 8 ? assignment + 1 : assignment <= 10 ? 2 : 0
  const frameBits = [0, 8, 12, 0, 16, 20, 24, 32][(f[3] >> 1) & 7]
  const differs = [
    frameChannels && frameChannels !== channels
      ? `${channels} channels, its frames ${frameChannels}`
      : '',
    frameBits && frameBits !== bits ? `${bits}-bit samples, its frames ${frameBits}-bit` : '',
  ].filter(Boolean)
  if (differs.length)
    throw new DataError(
      path,
      `STREAMINFO says ${differs.join('; ')} (the FLAC header is damaged): re-encode it with flac`,
    )
}

/** Bytes per block handed to audio-decode. */
const BLOCK_BYTES = 1 << 18

/**
 * The bytes of a FLAC file up to `end`, in blocks that never end inside the first 18 bytes of
 * a frame sync (a header is at most 16 bytes and its CRC-8): audio-decode's frame parser steps
 * over a header that is not whole in the bytes it has so far, so a header cut by a block edge
 * merged two frames into one and cost a frame's samples. A byte pair that only looks like a
 * sync just moves the edge a few bytes.
 */
async function* flacBlocks(fh: FileHandle, end: number): AsyncGenerator<Uint8Array> {
  for (let pos = 0; pos < end;) {
    const want = Math.min(BLOCK_BYTES + 32, end - pos)
    const b = Buffer.alloc(want)
    const { bytesRead } = await fh.read(b, 0, want, pos)
    if (bytesRead === 0) return
    let cut = Math.min(bytesRead, BLOCK_BYTES)
    if (pos + cut < end) {
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

/**
 * A FLAC file's STREAMINFO sample count (0: unknown) and the end of its frames: the file's end
 * less the tags taggers append (ID3v1 `TAG`, an APEv2 footer `APETAGEX`, an ID3v2 footer `3DI`).
 */
export async function flacLayout(
  path: string,
  size: number,
): Promise<{ total: number; end: number }> {
  const fh = await openRegular(path)
  try {
    const at = async (position: number, length: number) => {
      const b = Buffer.alloc(length)
      if (position < 0) return b.subarray(0, 0)
      const { bytesRead } = await fh.read(b, 0, length, position)
      return b.subarray(0, bytesRead)
    }
    const head = await at(0, 26)
    if (head.length < 26 || (head[4] & 0x7f) !== 0)
      throw new DataError(
        path,
        'no STREAMINFO block after "fLaC" (the FLAC header is damaged): re-encode it with flac',
      )
    const total = (head[21] & 0x0f) * 2 ** 32 + head.readUInt32BE(22)
    await checkFirstFrame(path, head, at)
    let end = size
    for (let strip = true; strip && end > 4;) {
      strip = false
      if ((await at(end - 128, 3)).toString('latin1') === 'TAG') {
        end -= 128
        strip = true
      }
      const ape = await at(end - 32, 32)
      if (ape.length === 32 && ape.toString('latin1', 0, 8) === 'APETAGEX') {
        // Tag size counts the items and this footer; a header of 32 bytes may precede them.
        end -= ape.readUInt32LE(12) + (ape.readUInt32LE(20) & 0x80000000 ? 32 : 0)
        strip = true
      }
      const id3 = await at(end - 10, 10)
      if (id3.length === 10 && id3.toString('latin1', 0, 3) === '3DI') {
        end -= 20 + ((id3[6] << 21) | (id3[7] << 14) | (id3[8] << 7) | id3[9])
        strip = true
      }
    }
    return { total, end: Math.max(4, end) }
  } finally {
    await fh.close()
  }
}

/** Ogg carries Vorbis or Opus; the first page's codec header says which. */
export async function oggCodec(path: string): Promise<'oga' | 'opus'> {
  const fh = await openRegular(path)
  try {
    const b = Buffer.alloc(64)
    const { bytesRead } = await fh.read(b, 0, 64, 0)
    return b.subarray(0, bytesRead).includes('OpusHead', 0, 'latin1') ? 'opus' : 'oga'
  } finally {
    await fh.close()
  }
}

/** mpg123's decoder delay (529) plus the usual encoder delay of LAME and most MDCT encoders (576). */
export const MP3_UNTAGGED_DELAY = 529 + 576

/**
 * Samples to drop at the start of an MP3. With a Xing/Info + LAME header the decoder
 * (mpg123-decoder, gapless on) already trims delay and padding, so 0. Without one we drop
 * MP3_UNTAGGED_DELAY, which aligns LAME-encoded files exactly (decode.test.ts) and others to
 * within their encoder's deviation from 576 samples.
 */
export async function mp3Delay(path: string): Promise<number> {
  const fh = await openRegular(path)
  try {
    const head = Buffer.alloc(10)
    await fh.read(head, 0, 10, 0)
    let start = 0
    if (head.toString('latin1', 0, 3) === 'ID3') {
      start = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
    }
    const frame = Buffer.alloc(512)
    const { bytesRead } = await fh.read(frame, 0, 512, start)
    const body = frame.subarray(0, bytesRead)
    const xing = Math.max(body.indexOf('Xing', 0, 'latin1'), body.indexOf('Info', 0, 'latin1'))
    const tagged = xing >= 0 && body.indexOf('LAME', xing, 'latin1') >= 0
    return tagged ? 0 : MP3_UNTAGGED_DELAY
  } finally {
    await fh.close()
  }
}
