/**
 * Training features on disk instead of the heap: each labelled file's features (already
 * normalised per file, or un-normalised when normalisation is global) are written once to a
 * cache file named by the spec's hash and the media file's identity (path, size, mtime, series
 * rate), with the frame times. The training loop reads the rows of each chunk by positioned
 * reads into a buffer of its own (the page cache keeps what fits in RAM), so the heap holds the
 * batches in flight, not the dataset. A later assembly of the same file with the same spec
 * reads the cache instead of extracting again. Global standardisation is applied to the rows
 * as they are read, with the same arithmetic as to a whole file (features/normalize.ts), so
 * training from the cache gives the same numbers as training from memory.
 *
 * File layout (little-endian): "FWTF", u32 version, u32 F, u32 0, f64 frames, 8 bytes 0,
 * then (frames, F) f32 features, then (frames) f64 frame times. A file of another size or
 * header is ignored and rewritten.
 */
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync, promises as fs } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeFileAtomic } from '../io/atomic-write'
import { statFile } from '../errors'
import { standardize } from '../features/normalize'
import { specHash } from '../features/spec-hash'
import type { FeatureSpec } from '../features/spec'
import type { CachedRows, Sequence } from './sequences'

const MAGIC = 'FWTF'
const VERSION = 1
const HEADER = 32
/** Cache files kept open for positioned reads; more are opened and closed as needed. */
const OPEN_FILES = 32

/** The cache file name of a media file's features under `spec` (with the extraction options). */
export async function featureCacheKey(
  mediaPath: string,
  spec: FeatureSpec,
  seriesRate?: number,
): Promise<string> {
  // A missing, looping or unreadable path is the user's file problem, in one line.
  const s = await statFile(mediaPath)
  const identity = createHash('sha256')
    .update(JSON.stringify([path.resolve(mediaPath), s.size, s.mtimeMs, seriesRate ?? null]))
    .digest('hex')
    .slice(0, 16)
  return `${specHash(spec)}-${identity}.f32`
}

/** Writes a file's (frames, F) features and frame times under `key` in `dir` (atomic; a cache: not fsynced). */
export async function writeCachedFeatures(
  dir: string,
  key: string,
  x: Float32Array,
  frameTimes: Float64Array,
  F: number,
): Promise<void> {
  const frames = frameTimes.length
  if (x.length !== frames * F)
    throw new RangeError(`${key}: ${x.length} features are not ${frames} frames × ${F}`)
  const head = Buffer.alloc(HEADER)
  head.write(MAGIC, 0, 'latin1')
  head.writeUInt32LE(VERSION, 4)
  head.writeUInt32LE(F, 8)
  head.writeDoubleLE(frames, 16)
  const body = Buffer.concat([
    head,
    Buffer.from(x.buffer, x.byteOffset, x.byteLength),
    Buffer.from(frameTimes.buffer, frameTimes.byteOffset, frameTimes.byteLength),
  ])
  await fs.mkdir(dir, { recursive: true })
  await writeFileAtomic(path.join(dir, key), body, { durable: false })
}

/** A cached file's shape and frame times, or null when it is missing or not a valid cache file. */
export async function readCachedFrames(
  dir: string,
  key: string,
): Promise<{ frames: number; F: number; frameTimes: Float64Array } | null> {
  const file = path.join(dir, key)
  const fh = await fs.open(file, 'r').catch(() => null)
  if (!fh) return null
  try {
    const { size } = await fh.stat()
    const head = Buffer.alloc(HEADER)
    await fh.read(head, 0, HEADER, 0)
    if (head.toString('latin1', 0, 4) !== MAGIC || head.readUInt32LE(4) !== VERSION) return null
    const F = head.readUInt32LE(8)
    const frames = head.readDoubleLE(16)
    if (!Number.isSafeInteger(frames) || F < 1 || size !== HEADER + frames * (4 * F + 8))
      return null
    const frameTimes = new Float64Array(frames)
    const bytes = new Uint8Array(frameTimes.buffer)
    await fh.read(bytes, 0, bytes.length, HEADER + frames * F * 4)
    return { frames, F, frameTimes }
  } finally {
    await fh.close()
  }
}

/** Open descriptors of cache files, least recently used first. */
const open = new Map<string, number>()

function descriptor(file: string): number {
  let fd = open.get(file)
  if (fd !== undefined) {
    open.delete(file)
    open.set(file, fd)
    return fd
  }
  if (open.size >= OPEN_FILES) {
    const [oldest, oldFd] = open.entries().next().value!
    open.delete(oldest)
    closeSync(oldFd)
  }
  fd = openSync(file, 'r')
  open.set(file, fd)
  return fd
}

/** Closes the cache files kept open for reading (they are opened again when read). */
export function closeCachedFeatures(): void {
  for (const fd of open.values()) closeSync(fd)
  open.clear()
}

/** The rows of one cached file, to read on demand (standardised by `norm` when given). */
export function cachedRows(
  dir: string,
  key: string,
  frames: number,
  F: number,
  norm?: { mean: number[]; std: number[] },
): CachedRows {
  return { file: path.join(dir, key), frames, width: F, ...(norm ? { norm } : {}) }
}

/** Frames [start, start + count) of `rows` as (count, F) floats in the start of `into`; returns that part. */
export function readRows(
  rows: CachedRows,
  start: number,
  count: number,
  into: Float32Array,
): Float32Array {
  const { file, frames, width: F, norm } = rows
  if (start < 0 || count < 0 || start + count > frames)
    throw new RangeError(`${file}: rows ${start}..${start + count} outside 0..${frames}`)
  const out = into.subarray(0, count * F)
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  const fd = descriptor(file)
  for (let done = 0; done < bytes.length;) {
    const n = readSync(fd, bytes, done, bytes.length - done, HEADER + start * F * 4 + done)
    if (n === 0) throw new Error(`${file}: ends early; delete it and train again`)
    done += n
  }
  return norm ? standardize(out, F, norm.mean, norm.std) : out
}

/** All (T, F) features of `seq`: in the heap, or read from its cache file. */
export function featuresOf(seq: Sequence): Float32Array {
  const r = seq.rows
  return r ? readRows(r, 0, r.frames, new Float32Array(r.frames * r.width)) : seq.x
}

/** Runs `fn` with a new feature-cache folder under the OS temp folder, removed afterwards. */
export async function withTempFeatureCache<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'framewise-train-'))
  try {
    return await fn(dir)
  } finally {
    closeCachedFeatures()
    await fs.rm(dir, { recursive: true, force: true })
  }
}
