/**
 * A minimal, bounded reader of MATLAB v5 MAT-files (the level-5 format `save -v7` writes): the
 * 128-byte header, data elements (including the small-element form), miMATRIX arrays of numbers or
 * characters, and miCOMPRESSED (zlib) elements. Enough for evsonganaly's `.not.mat`; anything else
 * (v7.3 HDF5 files, cells, structs, sparse, complex) is refused in one line naming the file.
 */
import { inflateSync } from 'node:zlib'

export type MatValue =
  { kind: 'number'; dims: number[]; data: number[] } | { kind: 'char'; text: string }

const MAX_INFLATED = 64 * 1024 * 1024
const MI_INT8 = 1
const MI_UINT8 = 2
const MI_INT16 = 3
const MI_UINT16 = 4
const MI_INT32 = 5
const MI_UINT32 = 6
const MI_SINGLE = 7
const MI_DOUBLE = 9
const MI_INT64 = 12
const MI_UINT64 = 13
const MI_MATRIX = 14
const MI_COMPRESSED = 15
const MI_UTF8 = 16
const MX_CHAR = 4

const SIZES: Record<number, number> = {
  [MI_INT8]: 1,
  [MI_UINT8]: 1,
  [MI_INT16]: 2,
  [MI_UINT16]: 2,
  [MI_INT32]: 4,
  [MI_UINT32]: 4,
  [MI_SINGLE]: 4,
  [MI_DOUBLE]: 8,
  [MI_INT64]: 8,
  [MI_UINT64]: 8,
  [MI_UTF8]: 1,
}

class MatError extends Error {}

interface Element {
  type: number
  body: Buffer
}

function readElements(buf: Buffer, little: boolean, depth: number): Element[] {
  if (depth > 4) throw new MatError('elements nested too deeply')
  const u32 = (at: number): number => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at))
  const out: Element[] = []
  let at = 0
  while (at < buf.length) {
    if (at + 8 > buf.length) throw new MatError('truncated data element tag')
    const first = u32(at)
    // small element: the upper 16 bits hold the size (1..4), the data sits in the tag's last 4 bytes
    const small = first >>> 16
    if (small !== 0) {
      if (small > 4) throw new MatError('bad small data element')
      out.push({ type: first & 0xffff, body: buf.subarray(at + 4, at + 4 + small) })
      at += 8
      continue
    }
    const type = first
    const size = u32(at + 4)
    if (at + 8 + size > buf.length) throw new MatError('truncated data element')
    const body = buf.subarray(at + 8, at + 8 + size)
    if (type === MI_COMPRESSED) {
      let inflated: Buffer
      try {
        inflated = inflateSync(body, { maxOutputLength: MAX_INFLATED })
      } catch {
        throw new MatError('corrupt or oversized compressed element')
      }
      out.push(...readElements(inflated, little, depth + 1))
      at += 8 + size
    } else {
      out.push({ type, body })
      at += 8 + size + (type === MI_COMPRESSED ? 0 : (8 - (size % 8)) % 8)
    }
  }
  return out
}

function numbers(el: Element, little: boolean): number[] {
  const width = SIZES[el.type]
  if (width === undefined) throw new MatError(`unsupported data type ${el.type}`)
  const n = Math.floor(el.body.length / width)
  const b = el.body
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const o = i * width
    switch (el.type) {
      case MI_INT8:
        out.push(b.readInt8(o))
        break
      case MI_UINT8:
      case MI_UTF8:
        out.push(b.readUInt8(o))
        break
      case MI_INT16:
        out.push(little ? b.readInt16LE(o) : b.readInt16BE(o))
        break
      case MI_UINT16:
        out.push(little ? b.readUInt16LE(o) : b.readUInt16BE(o))
        break
      case MI_INT32:
        out.push(little ? b.readInt32LE(o) : b.readInt32BE(o))
        break
      case MI_UINT32:
        out.push(little ? b.readUInt32LE(o) : b.readUInt32BE(o))
        break
      case MI_SINGLE:
        out.push(little ? b.readFloatLE(o) : b.readFloatBE(o))
        break
      case MI_DOUBLE:
        out.push(little ? b.readDoubleLE(o) : b.readDoubleBE(o))
        break
      case MI_INT64:
        out.push(Number(little ? b.readBigInt64LE(o) : b.readBigInt64BE(o)))
        break
      default:
        out.push(Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)))
    }
  }
  return out
}

function readMatrix(body: Buffer, little: boolean): { name: string; value: MatValue } | null {
  const parts = readElements(body, little, 4)
  if (parts.length < 3) throw new MatError('matrix with too few parts')
  const [flags, dims, name, real] = parts
  const flagWord = numbers(flags, little)[0] ?? 0
  const cls = flagWord & 0xff
  const complex = (flagWord & 0x800) !== 0
  const varName = name.body.toString('latin1')
  // cells, structs, objects, sparse and complex arrays are not read: skipped, not misread
  if (complex || cls < MX_CHAR || cls === 5 || real === undefined) return null
  const shape = numbers(dims, little)
  if (cls === MX_CHAR) {
    const codes = numbers(real, little)
    return {
      name: varName,
      value: { kind: 'char', text: String.fromCharCode(...codes.slice(0, 1 << 20)) },
    }
  }
  return { name: varName, value: { kind: 'number', dims: shape, data: numbers(real, little) } }
}

/** The variables of a v5 MAT-file; throws one line naming `file` for anything it cannot read. */
export function readMat5(bytes: Uint8Array, file: string): Map<string, MatValue> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const head = buf.subarray(0, 116).toString('latin1')
  if (
    head.startsWith('MATLAB 7.3') ||
    buf.subarray(512, 520).toString('latin1') === '\x89HDF\r\n\x1a\n'
  )
    throw new Error(
      `${file}: MATLAB v7.3 (HDF5) MAT-file: save it with -v7 or export the onsets/offsets/labels to CSV`,
    )
  if (buf.length < 128 || !head.startsWith('MATLAB 5.0 MAT-file'))
    throw new Error(`${file}: not a MATLAB v5 MAT-file (no "MATLAB 5.0 MAT-file" header)`)
  const endian = buf.subarray(126, 128).toString('latin1')
  if (endian !== 'IM' && endian !== 'MI')
    throw new Error(`${file}: MAT-file header has no endian indicator (IM/MI)`)
  const little = endian === 'IM'
  const vars = new Map<string, MatValue>()
  try {
    for (const el of readElements(buf.subarray(128), little, 0)) {
      if (el.type !== MI_MATRIX) continue
      const got = readMatrix(el.body, little)
      if (got) vars.set(got.name, got.value)
    }
  } catch (e) {
    if (e instanceof MatError || e instanceof RangeError)
      throw new Error(`${file}: unreadable MAT-file (${e.message}): save it again with -v7`)
    throw e
  }
  return vars
}
