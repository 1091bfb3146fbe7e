/**
 * NumPy's `.npy` format (format version 1.0), written by hand so that exported datasets open with
 * `numpy.load` and PyTorch without Framewise:
 *   bytes 0–5   magic "\x93NUMPY"
 *   bytes 6–7   version 1, 0
 *   bytes 8–9   header length H, uint16 little-endian
 *   H bytes     ASCII dict "{'descr': '<f4', 'fortran_order': False, 'shape': (T, F), }", padded
 *               with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes
 *   data        C order (row-major), little-endian
 * Only the three element types an exported dataset holds: float32 features, int16 class indices
 * and uint8 multi-hot targets; readNpyFloat32 reads back the float32 ones.
 */
import { DataError } from '../errors'
import { writeFileAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegular } from '../io/input-files'

/** The element types written, by NumPy dtype string. */
export type NpyArray = Float32Array | Int16Array | Uint8Array

/** NumPy's `descr` for each array type (`|` = byte order not applicable). */
function descrOf(a: NpyArray): string {
  if (a instanceof Float32Array) return '<f4'
  if (a instanceof Int16Array) return '<i2'
  return '|u1'
}

/** The header and data of `a` with `shape` (its product must be a.length) as one .npy file. */
export function encodeNpy(a: NpyArray, shape: readonly number[]): Buffer {
  const count = shape.reduce((p, n) => p * n, 1)
  if (count !== a.length)
    throw new RangeError(`shape (${shape.join(', ')}) holds ${count} values, the array ${a.length}`)
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let header = `{'descr': '${descrOf(a)}', 'fortran_order': False, 'shape': ${dims}, }`
  const unpadded = 10 + header.length + 1
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const prefix = Buffer.alloc(10)
  prefix.write('\x93NUMPY', 0, 'latin1')
  prefix[6] = 1
  prefix[7] = 0
  prefix.writeUInt16LE(header.length, 8)
  // typed arrays are in the platform's byte order; every platform Node runs on is little-endian
  const data = Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data])
}

/** Writes `a` as a .npy file, atomically. */
export function writeNpy(file: string, a: NpyArray, shape: readonly number[]): Promise<void> {
  return writeFileAtomic(file, encodeNpy(a, shape))
}

/** The values of a float32 .npy file this module wrote (C order, '<f4'), whatever its shape. */
export async function readNpyFloat32(file: string): Promise<Float32Array> {
  const b = await readRegular(file, READ_LIMITS.cache)
  const header = b.length >= 10 ? b.toString('latin1', 10, 10 + b.readUInt16LE(8)) : ''
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY' || !header.includes("'descr': '<f4'"))
    throw new DataError(file, 'not a float32 .npy file written by export-dataset')
  const data = b.subarray(10 + header.length)
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
}
