/**
 * Dims legend, used by every shape comment in models/:
 *   T  time steps (frames) of a padded batch or chunk
 *   B  sequences in the batch (rows), sorted by length, longest first
 *   F  input features per frame
 *   H  hidden units per direction;  D = 1 or 2 directions;  G = gates per cell (LSTM 4, GRU 3, RNN 1)
 *   C  classes
 *   L  stacked recurrent layers (1–4)
 *
 * Layout rule: activations are time-major, (T, B, W) row-major, so element (t, b, j) lives at
 * (t·B + b)·W + j and each step's (B, W) block is contiguous for the recurrent product
 * (PyTorch's default, ONNX layout = 0). The API's [batch, time, F] is transposed once at the edge.
 */
import type { FloatArray } from './kernels'

/** Dims of one direction pass over a packed batch. */
export interface SeqDims {
  /** Time steps. */
  T: number
  /** Batch rows (sequences), sorted longest first. */
  B: number
  /** Input width. */
  In: number
  /** Hidden units. */
  H: number
  /** Active rows per step (T), non-increasing; see tensor.ts batchSizesOf. */
  batchSizes: Int32Array
  /**
   * null: the pass runs forward in time. Else the sequence lengths (B), and the pass runs
   * backward in time: its step s for row b is frame lengths[b] − 1 − s of x. Only the input
   * projections are reversed (in place, reverseRows); x and dx stay in true time order, while
   * h and dh are in processing order.
   */
  reverse: Int32Array | null
}

/**
 * Active rows per step for lengths sorted longest first: batchSizes[t] = #{b : lengths[b] > t}.
 * This is PyTorch's PackedSequence.batch_sizes; it lets step t touch only rows 0 .. batchSizes[t].
 */
export function batchSizesOf(
  lengths: Int32Array,
  T: number,
  out: Int32Array = new Int32Array(T), // (≥ T) written in place when given
): Int32Array {
  const B = lengths.length
  out.fill(0, 0, T)
  for (let b = 0; b < B; b++) {
    const n = lengths[b]
    if (!(n >= 0 && n <= T)) throw new RangeError(`length ${n} of sequence ${b} is outside 0..${T}`)
    if (b > 0 && n > lengths[b - 1]) {
      throw new RangeError('lengths must be sorted longest first (use sortByLength)')
    }
    for (let t = 0; t < n; t++) out[t]++
  }
  return out
}

/** The permutation that orders sequences longest first (stable): batch row i ← sequence perm[i]. */
export function sortByLength(lengths: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: lengths.length }, (_, i) => i)
  idx.sort((a, b) => lengths[b] - lengths[a] || a - b)
  return Int32Array.from(idx)
}

/** A view of a's whole underlying buffer, same element type: rows of different buffers carved
 * from one allocation then move with copyWithin (a memmove that allocates nothing). */
function wholeBuffer<A extends FloatArray>(a: A): A {
  const Ctor = a.constructor as new (buffer: ArrayBufferLike) => A
  return new Ctor(a.buffer)
}

const elementOffset = (a: FloatArray): number => a.byteOffset / a.BYTES_PER_ELEMENT

/**
 * In-place time reversal within each sequence's length of a (T, B, W) buffer: rows (s, b) and
 * (lengths[b] − 1 − s, b) swap; rows t ≥ lengths[b] stay. Its own inverse. With a scratch row
 * `tmp` (≥ W) in the same buffer, rows move by copyWithin; otherwise element by element.
 */
export function reverseRows<A extends FloatArray>(
  buf: A,
  lengths: Int32Array,
  T: number,
  W: number,
  tmp: A | null = null,
): void {
  const B = lengths.length
  const same = tmp !== null && tmp.buffer === buf.buffer && tmp.length >= W
  const all = same ? wholeBuffer(buf) : buf
  const [o, r] = same ? [elementOffset(buf), elementOffset(tmp)] : [0, 0]
  for (let b = 0; b < B; b++) {
    const n = Math.min(lengths[b], T)
    for (let s = 0; s < n >> 1; s++) {
      const p = o + (s * B + b) * W
      const q = o + ((n - 1 - s) * B + b) * W
      if (same) {
        all.copyWithin(r, p, p + W)
        all.copyWithin(p, q, q + W)
        all.copyWithin(q, r, r + W)
      } else {
        for (let j = 0; j < W; j++) {
          const v = all[p + j]
          all[p + j] = all[q + j]
          all[q + j] = v
        }
      }
    }
  }
}

/**
 * Strided block copy between time-major buffers, optionally reversing time within lengths:
 * dst[t, b, dstCol + j] = src[t', b, srcCol + j], t' = t or lengths[b] − 1 − t, for j < W;
 * rows t ≥ lengths[b] are set to 0. Rows move by copyWithin when dst and src share a buffer.
 */
export function copyRows<A extends FloatArray>(
  dst: A,
  ldDst: number,
  dstCol: number,
  src: A,
  ldSrc: number,
  srcCol: number,
  lengths: Int32Array,
  T: number,
  W: number,
  reverse: boolean,
): void {
  const B = lengths.length
  const same = dst.buffer === src.buffer
  const all = same ? wholeBuffer(dst) : dst
  const d0 = (same ? elementOffset(dst) : 0) + dstCol
  const s0 = (same ? elementOffset(src) : 0) + srcCol
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const n = lengths[b]
      const d = d0 + (t * B + b) * ldDst
      if (t >= n) {
        all.fill(0, d, d + W)
        continue
      }
      const o = s0 + ((reverse ? n - 1 - t : t) * B + b) * ldSrc
      if (same) all.copyWithin(d, o, o + W)
      else for (let j = 0; j < W; j++) all[d + j] = src[o + j]
    }
  }
}

/** max |a − b| over n elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let m = 0
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}
