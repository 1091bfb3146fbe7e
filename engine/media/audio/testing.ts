/**
 * Test helpers: WAV (RIFF, RIFX, RF64) and AIFF/AIFF-C files built byte by byte from the formats'
 * documentation, so tests can also build broken ones. PCM values in [-1, 1] are stored as
 * round(v · 2^(validBits − 1)), left-justified in a container of ceil(bits / 8) bytes; choose
 * values that are multiples of 2^−(validBits − 1) to read them back exactly.
 */

export interface WavSpec {
  /** WAVE format code: 1 PCM, 3 float, 6 A-law, 7 µ-law, 0xfffe extensible (`sub` is the code). */
  code?: number
  /** Sub-format code inside WAVE_FORMAT_EXTENSIBLE. */
  sub?: number
  /** Bits per sample as the `fmt ` chunk says (1–64; the container holds ceil(bits / 8) bytes). */
  bits: number
  /** Valid bits of an extensible header (default: bits). */
  validBits?: number
  /** Sample rate, Hz. */
  rate: number
  /** One array per channel: values in [-1, 1], or the code bytes of µ-law/A-law. */
  channels: Float64Array[] | number[][]
  /** Override the data chunk's size field (to build lying headers). */
  dataSizeField?: number
  /** RIFX: every number big-endian. */
  bigEndian?: boolean
  /** RF64: a `ds64` chunk holds the sizes, the RIFF and data size fields say 0xFFFFFFFF. */
  rf64?: boolean
  /** Extra chunks before the data chunk (default: a LIST/INFO with ISFT "test"). */
  chunks?: { id: string; body: Buffer }[]
  /** Chunks after the data chunk. */
  chunksAfter?: { id: string; body: Buffer }[]
}

/** `value` as a two's-complement integer of `bytes` bytes at out[o]. */
function putInt(out: Buffer, o: number, bytes: number, value: bigint, be: boolean): void {
  const u = BigInt.asUintN(bytes * 8, value)
  for (let i = 0; i < bytes; i++)
    out[be ? o + bytes - 1 - i : o + i] = Number((u >> BigInt(8 * i)) & 0xffn)
}

/** Interleaved sample bytes. `kind` picks the encoding; `unsigned8` offsets 8-bit containers. */
function sampleBytes(
  channels: ArrayLike<number>[],
  kind: 'pcm' | 'float' | 'codes',
  bits: number,
  validBits: number,
  be: boolean,
  unsigned8: boolean,
): Buffer {
  const nch = channels.length
  const frames = channels[0].length
  const bytes = kind === 'codes' ? 1 : Math.ceil(bits / 8)
  const data = Buffer.alloc(frames * nch * bytes)
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const v = channels[c][i]
      const o = (i * nch + c) * bytes
      if (kind === 'codes') data[o] = v
      else if (kind === 'float') {
        if (bytes === 4) be ? data.writeFloatBE(v, o) : data.writeFloatLE(v, o)
        else be ? data.writeDoubleBE(v, o) : data.writeDoubleLE(v, o)
      } else {
        const max = 2 ** (validBits - 1)
        const q = BigInt(Math.max(-max, Math.min(max - 1, Math.round(v * max))))
        const left = q << BigInt(bytes * 8 - validBits)
        putInt(data, o, bytes, unsigned8 && bytes === 1 ? left + 128n : left, be)
      }
    }
  }
  return data
}

function chunkOf(id: string, body: Buffer, be: boolean, sizeField = body.length): Buffer {
  const h = Buffer.alloc(8)
  h.write(id, 0, 'latin1')
  be ? h.writeUInt32BE(sizeField, 4) : h.writeUInt32LE(sizeField, 4)
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)])
}

export function makeWav(spec: WavSpec): Buffer {
  const { bits, rate, channels } = spec
  const be = spec.bigEndian ?? false
  const code = spec.code ?? (bits === 64 || (bits === 32 && spec.sub === 3) ? 3 : 1)
  const real = code === 0xfffe ? (spec.sub ?? 1) : code
  const nch = channels.length
  const kind = real === 3 ? 'float' : real === 6 || real === 7 ? 'codes' : 'pcm'
  const bytes = kind === 'codes' ? 1 : Math.ceil(bits / 8)
  const validBits = spec.validBits ?? bits
  const data = sampleBytes(channels, kind, bits, validBits, be, true)
  const ext = code === 0xfffe
  const fmt = Buffer.alloc(ext ? 40 : 16)
  const u16 = (v: number, o: number) => (be ? fmt.writeUInt16BE(v, o) : fmt.writeUInt16LE(v, o))
  const u32 = (v: number, o: number) => (be ? fmt.writeUInt32BE(v, o) : fmt.writeUInt32LE(v, o))
  u16(code, 0)
  u16(nch, 2)
  u32(rate, 4)
  u32(rate * nch * bytes, 8)
  u16(nch * bytes, 12)
  u16(bits, 14)
  if (ext) {
    u16(22, 16)
    u16(validBits, 18)
    u32(nch === 2 ? 3 : 4, 20)
    Buffer.from('0000000000001000800000aa00389b71', 'hex').copy(fmt, 24)
    u32(real, 24)
  }
  const rf64 = spec.rf64 ?? false
  const extra = spec.chunks ?? [
    { id: 'LIST', body: Buffer.from('INFOISFT\x05\0\0\0test\0', 'latin1') },
  ]
  const parts = [
    Buffer.from('WAVE', 'latin1'),
    ...(rf64 ? [chunkOf('ds64', Buffer.alloc(28), be)] : []),
    chunkOf('fmt ', fmt, be),
    ...extra.map((c) => chunkOf(c.id, c.body, be)),
    chunkOf('data', data, be, spec.dataSizeField ?? (rf64 ? 0xffffffff : data.length)),
    ...(spec.chunksAfter ?? []).map((c) => chunkOf(c.id, c.body, be)),
  ]
  const body = Buffer.concat(parts)
  if (rf64) {
    // ds64 body: RIFF size, data size, sample count (64-bit little-endian), table length 0.
    const at = 4 + 8 // after 'WAVE' and the ds64 chunk header
    body.writeBigUInt64LE(BigInt(body.length), at)
    body.writeBigUInt64LE(BigInt(data.length), at + 8)
    body.writeBigUInt64LE(BigInt(channels[0].length), at + 16)
  }
  const head = Buffer.alloc(8)
  head.write(rf64 ? 'RF64' : be ? 'RIFX' : 'RIFF', 0, 'latin1')
  const riffSize = rf64 ? 0xffffffff : body.length
  be ? head.writeUInt32BE(riffSize, 4) : head.writeUInt32LE(riffSize, 4)
  return Buffer.concat([head, body])
}

export interface AiffSpec {
  /** COMM sample size in bits (1–32 for PCM; 32/64 for fl32/fl64; 8 or 16 for µ-law/A-law). */
  bits: number
  /** Sample rate, Hz (written as an 80-bit extended float). */
  rate: number
  /** One array per channel: values in [-1, 1], or the code bytes of µ-law/A-law. */
  channels: Float64Array[] | number[][]
  /** AIFF-C compression type; omitted: plain AIFF (big-endian signed PCM). */
  compression?: 'NONE' | 'twos' | 'sowt' | 'raw ' | 'fl32' | 'fl64' | 'ulaw' | 'alaw' | 'ima4'
  /** Override COMM's frame count. */
  commFrames?: number
  /** Override SSND's size field. */
  ssndSizeField?: number
  /** Extra chunks (e.g. NAME, ANNO) before SSND. */
  chunks?: { id: string; body: Buffer }[]
}

/** An 80-bit IEEE extended float of a positive integer (AIFF's sample rate). */
export function extended80(value: number): Buffer {
  const b = Buffer.alloc(10)
  if (value === 0) return b
  const e = Math.floor(Math.log2(value))
  b.writeUInt16BE(16383 + e, 0)
  b.writeBigUInt64BE(BigInt(value) << BigInt(63 - e), 2)
  return b
}

export function makeAiff(spec: AiffSpec): Buffer {
  const { bits, rate, channels } = spec
  const c = spec.compression
  const aifc = c !== undefined
  const kind =
    c === 'fl32' || c === 'fl64' ? 'float' : c === 'ulaw' || c === 'alaw' ? 'codes' : 'pcm'
  const data = sampleBytes(channels, kind, bits, bits, c !== 'sowt', c === 'raw ')
  const comm = Buffer.alloc(aifc ? 24 : 18)
  comm.writeUInt16BE(channels.length, 0)
  comm.writeUInt32BE(spec.commFrames ?? channels[0].length, 2)
  comm.writeUInt16BE(bits, 6)
  extended80(rate).copy(comm, 8)
  if (aifc) {
    comm.write(c, 18, 'latin1')
    comm.writeUInt16BE(0, 22) // empty Pascal-string name, padded to even length
  }
  const ssnd = Buffer.concat([Buffer.alloc(8), data])
  const body = Buffer.concat([
    Buffer.from(aifc ? 'AIFC' : 'AIFF', 'latin1'),
    ...(aifc ? [chunkOf('FVER', Buffer.from('a2805140', 'hex'), true)] : []),
    chunkOf('COMM', comm, true),
    ...(spec.chunks ?? []).map((x) => chunkOf(x.id, x.body, true)),
    chunkOf('SSND', ssnd, true, spec.ssndSizeField ?? ssnd.length),
  ])
  const head = Buffer.alloc(8)
  head.write('FORM', 0, 'latin1')
  head.writeUInt32BE(body.length, 4)
  return Buffer.concat([head, body])
}

/** n samples of a sine at `freq` Hz, amplitude `amp`. */
export function sine(n: number, freq: number, rate: number, amp = 0.5): Float64Array {
  const x = new Float64Array(n)
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate)
  return x
}
