/**
 * A training run's own state beside its record (engine/project/runs.ts):
 *   runs/<id>/checkpoint.bin  the last epoch's state, enough to resume (atomic)
 * and the run's id and data hash. A run killed at any moment leaves a readable run.json and the
 * last complete checkpoint.
 */
import { createHash, randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { DataError } from '../errors'
import { writeFileAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegular } from '../io/input-files'
import { nullNaN, RunRecords } from '../project/runs'
import type { EpochRecord } from '../api'
import type { Checkpoint } from './epochs'
import type { Sequence } from '../data/sequences'
import { readRows } from '../data/feature-cache'

/** A sortable, unique run id: UTC time plus 4 random hex digits. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-').replace('Z', '')}-${randomBytes(2).toString('hex')}`
}

/** Floats hashed at a time from features on disk. */
const HASH_BLOCK = 1 << 20

/** sha256 over the data a run trains on, in order. */
export function dataHash(seqs: Sequence[]): string {
  const h = createHash('sha256')
  for (const s of seqs) {
    h.update(s.name)
    if (s.rows) {
      // on disk: the same bytes, read in blocks
      const { frames, width } = s.rows
      const rows = Math.max(1, Math.floor(HASH_BLOCK / Math.max(1, width)))
      const block = new Float32Array(rows * width)
      for (let t = 0; t < frames; t += rows) {
        const x = readRows(s.rows, t, Math.min(rows, frames - t), block)
        h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
      }
    } else h.update(new Uint8Array(s.x.buffer, s.x.byteOffset, s.x.byteLength))
    h.update(new Uint8Array(s.labels.buffer, s.labels.byteOffset, s.labels.byteLength))
  }
  return h.digest('hex')
}

/** The run records of a project, and each run's checkpoint. */
export class RunStore extends RunRecords {
  async writeCheckpoint(id: string, checkpoint: Checkpoint): Promise<void> {
    await fs.mkdir(this.dir(id), { recursive: true })
    await writeFileAtomic(path.join(this.dir(id), 'checkpoint.bin'), encodeCheckpoint(checkpoint))
  }

  async readCheckpoint(id: string): Promise<Checkpoint> {
    const file = path.join(this.dir(id), 'checkpoint.bin')
    return decodeCheckpoint(await readRegular(file, READ_LIMITS.model), file)
  }
}

/**
 * Checkpoint file: 'FWCK', u32 JSON length, JSON {epoch, best{epoch,score}, t, history, P}, then
 * float32 params (P), float32 best params (P), float64 Adam m (P), float64 Adam v (P); little-endian.
 */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const P = c.params.length
  const meta = Buffer.from(
    JSON.stringify({
      epoch: c.epoch,
      best: { epoch: c.best.epoch, score: c.best.score },
      t: c.optimizer.t,
      history: c.history.map(nullNaN),
      P,
    }),
  )
  const head = 8 + meta.length
  const pad = (8 - (head % 8)) % 8 // keep the float64 blocks 8-byte aligned
  const out = Buffer.alloc(head + pad + P * (4 + 4 + 8 + 8))
  out.write('FWCK', 0, 'latin1')
  out.writeUInt32LE(meta.length, 4)
  meta.copy(out, 8)
  let o = head + pad
  for (const a of [c.params, c.best.params, c.optimizer.m, c.optimizer.v]) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    out.set(bytes, o)
    o += bytes.length
  }
  return out
}

export function decodeCheckpoint(buf: Buffer, file: string): Checkpoint {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== 'FWCK')
    throw new DataError(file, 'not a Framewise checkpoint')
  const metaLength = buf.readUInt32LE(4)
  if (8 + metaLength > buf.length) throw new DataError(file, 'truncated checkpoint header')
  // Checked, not trusted: a damaged header must be a DataError naming the file (found by engine/fuzz/files.test.ts).
  let meta: {
    epoch: number
    best: { epoch: number; score: number }
    t: number
    history: EpochRecord[]
    P: number
  }
  try {
    meta = JSON.parse(buf.toString('utf8', 8, 8 + metaLength))
  } catch (err) {
    throw new DataError(file, `damaged checkpoint header (${(err as Error).message})`)
  }
  if (
    typeof meta !== 'object' ||
    meta === null ||
    !Number.isSafeInteger(meta.P) ||
    meta.P < 0 ||
    !Array.isArray(meta.history) ||
    typeof meta.best !== 'object' ||
    meta.best === null
  )
    throw new DataError(file, 'damaged checkpoint header (missing or invalid fields)')
  const head = 8 + metaLength
  const start = head + ((8 - (head % 8)) % 8)
  const P = meta.P
  if (buf.length !== start + P * 24)
    throw new DataError(
      file,
      `truncated checkpoint (${buf.length} bytes, expected ${start + P * 24})`,
    )
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice(start)
  const f32 = (i: number) => new Float32Array(bytes.buffer, i * P * 4, P)
  const f64 = (i: number) => new Float64Array(bytes.buffer, 8 * P + i * P * 8, P)
  const history = meta.history.map(
    (h) =>
      Object.fromEntries(
        Object.entries(h).map(([k, v]) => [k, v ?? Number.NaN]),
      ) as unknown as EpochRecord,
  )
  return {
    epoch: meta.epoch,
    params: f32(0),
    best: { params: f32(1), epoch: meta.best.epoch, score: meta.best.score ?? -Infinity },
    optimizer: { t: meta.t, m: f64(0), v: f64(1) },
    history,
  }
}
