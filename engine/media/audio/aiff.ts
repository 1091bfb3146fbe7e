/**
 * The header of an AIFF or AIFF-C file (Apple's Audio Interchange File Format, big-endian
 * chunks): `COMM` gives channels, frames, sample size and the rate as an 80-bit IEEE extended
 * float, AIFF-C adds a compression type; `SSND` holds the samples after its offset field. Read
 * into the header wav.ts settles, so both containers share one sample reader. Compression types
 * read: `NONE`/`twos` (big-endian signed PCM), `sowt` (little-endian PCM), `in24`/`in32`,
 * `42ni`, `raw ` (unsigned 8-bit), `fl32`/`fl64` (IEEE float), `ulaw`/`alaw`.
 */
import { DataError } from '../../errors'
import { MAX_METADATA_CHUNK, METADATA_CHUNKS, parseMetadataChunk } from './chunk-metadata'
import type { ContainerHeader, ReadAt, WavInfo } from './pcm-header'

type Coding = Pick<WavInfo, 'encoding' | 'bigEndian' | 'unsigned'> & { bits?: number }

/** AIFF-C compression type → how its samples are stored (bits: fixed container size). */
const COMPRESSION: Record<string, Coding> = {
  NONE: { encoding: 'pcm', bigEndian: true, unsigned: false },
  twos: { encoding: 'pcm', bigEndian: true, unsigned: false },
  sowt: { encoding: 'pcm', bigEndian: false, unsigned: false },
  in24: { encoding: 'pcm', bigEndian: true, unsigned: false, bits: 24 },
  in32: { encoding: 'pcm', bigEndian: true, unsigned: false, bits: 32 },
  '42ni': { encoding: 'pcm', bigEndian: false, unsigned: false, bits: 24 },
  'raw ': { encoding: 'pcm', bigEndian: true, unsigned: true, bits: 8 },
  fl32: { encoding: 'float', bigEndian: true, unsigned: false, bits: 32 },
  FL32: { encoding: 'float', bigEndian: true, unsigned: false, bits: 32 },
  fl64: { encoding: 'float', bigEndian: true, unsigned: false, bits: 64 },
  FL64: { encoding: 'float', bigEndian: true, unsigned: false, bits: 64 },
  ulaw: { encoding: 'ulaw', bigEndian: true, unsigned: false, bits: 8 },
  ULAW: { encoding: 'ulaw', bigEndian: true, unsigned: false, bits: 8 },
  alaw: { encoding: 'alaw', bigEndian: true, unsigned: false, bits: 8 },
  ALAW: { encoding: 'alaw', bigEndian: true, unsigned: false, bits: 8 },
}

/** An 80-bit IEEE 754 extended float (sign, 15-bit exponent, 64-bit mantissa with explicit 1). */
export function readExtended(b: Buffer, o: number): number {
  const exp = b.readUInt16BE(o) & 0x7fff
  const mantissa = b.readUInt32BE(o + 2) * 2 ** 32 + b.readUInt32BE(o + 6)
  if (exp === 0 && mantissa === 0) return 0
  const v = mantissa * 2 ** (exp - 16383 - 63)
  return b[o] & 0x80 ? -v : v
}

export async function readAiffInfo(
  read: ReadAt,
  file: string,
  size: number,
  head: Buffer,
): Promise<ContainerHeader> {
  const form = head.toString('latin1', 8, 12)
  if (form !== 'AIFF' && form !== 'AIFC')
    throw new DataError(file, `not an AIFF file (FORM type '${form}')`, { offset: 8 })
  let format: ContainerHeader['format'] | undefined
  let claimedFrames = 0
  let data: Omit<ContainerHeader, 'format' | 'metadata'> | undefined
  const metadata: Record<string, string> = {}
  let pos = 12
  while (pos + 8 <= size) {
    const ch = await read(pos, 8)
    const id = ch.toString('latin1', 0, 4)
    const len = ch.readUInt32BE(4)
    const body = pos + 8
    if (id === 'COMM') {
      const c = await read(body, Math.min(len, 64))
      if (len < 18 || c.length < 18)
        throw new DataError(file, `truncated 'COMM' chunk (${len} bytes claimed)`, { offset: pos })
      const compression = form === 'AIFC' && c.length >= 22 ? c.toString('latin1', 18, 22) : 'NONE'
      const coding = COMPRESSION[compression]
      if (!coding) {
        throw new DataError(
          file,
          `unsupported AIFF-C compression '${compression}'; uncompressed PCM (NONE, twos, sowt, in24, in32), fl32, fl64, µ-law and A-law are supported`,
        )
      }
      const channels = c.readUInt16BE(0)
      claimedFrames = c.readUInt32BE(2)
      const sampleSize = c.readUInt16BE(6)
      const rate = readExtended(c, 8)
      if (channels < 1) throw new DataError(file, 'the header claims 0 channels')
      if (!(rate >= 1 && rate < 2 ** 32))
        throw new DataError(file, `the header claims a sample rate of ${rate}`)
      const bits = coding.bits ?? sampleSize
      if (bits < 1 || bits > 64) throw new DataError(file, `unsupported ${bits}-bit samples`)
      const bytes = Math.ceil(bits / 8)
      format = {
        container: 'aiff',
        encoding: coding.encoding,
        bitsPerSample: bytes * 8,
        validBits: coding.encoding === 'pcm' ? Math.min(sampleSize || bits, bytes * 8) : bits,
        bigEndian: coding.bigEndian,
        unsigned: coding.unsigned,
        channels,
        sampleRate: Math.round(rate),
      }
    } else if (id === 'SSND' && !data) {
      const s = await read(body, 8)
      if (s.length < 8) throw new DataError(file, "truncated 'SSND' chunk", { offset: pos })
      const dataOffset = body + 8 + s.readUInt32BE(0)
      const there = Math.max(0, size - dataOffset)
      const claimed = len - 8 - s.readUInt32BE(0)
      if (len === 0 || len === 0xffffffff) {
        const problem = `the SSND chunk's size is ${len === 0 ? '0' : 'unset (0xFFFFFFFF)'} (a recording that was not closed)`
        data = { dataOffset, dataBytes: there, problem: there > 0 ? problem : undefined }
        break
      }
      if (claimed > there) {
        const problem = `truncated: the SSND chunk claims ${claimed} bytes of samples but only ${there} follow`
        data = { dataOffset, dataBytes: there, problem }
        break
      }
      data = { dataOffset, dataBytes: Math.max(0, claimed) }
    } else if (METADATA_CHUNKS.has(id) && len <= MAX_METADATA_CHUNK && body + len <= size) {
      parseMetadataChunk(id, await read(body, len), true, metadata)
    }
    pos = body + len + (len & 1)
  }
  if (!format) throw new DataError(file, "no 'COMM' chunk", { offset: pos })
  if (!data) throw new DataError(file, "no 'SSND' chunk", { offset: pos })
  // COMM's frame count is the claim; the SSND chunk may hold less (cut off) or pad its end.
  const blockAlign = format.channels * (format.bitsPerSample / 8)
  const claimedBytes = claimedFrames * blockAlign
  if (claimedFrames > 0 && claimedBytes <= data.dataBytes) {
    // Every frame COMM counts is there, whatever SSND's size field says.
    data = { dataOffset: data.dataOffset, dataBytes: claimedBytes }
  } else if (!data.problem) {
    data = {
      ...data,
      problem:
        claimedFrames === 0
          ? "the header's frame count is 0 (a recording that was not closed)"
          : `truncated: the header claims ${claimedFrames} frames but only ${Math.floor(data.dataBytes / blockAlign)} follow`,
    }
  }
  return { format, ...data, metadata }
}
