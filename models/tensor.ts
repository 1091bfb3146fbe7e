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

/**
 * In-place time reversal within each sequence's length of a (T, B, W) buffer: rows (s, b) and
 * (lengths[b] − 1 − s, b) swap; rows t ≥ lengths[b] stay. Its own inverse.
 */
export function reverseRows(buf: FloatArray, lengths: Int32Array, T: number, W: number): void {
  const B = lengths.length
  const tmp = buf.slice(0, W) // one row of scratch; rows move by memcpy (set, copyWithin)
  for (let b = 0; b < B; b++) {
    const n = Math.min(lengths[b], T)
    for (let s = 0; s < n >> 1; s++) {
      const p = (s * B + b) * W
      const q = ((n - 1 - s) * B + b) * W
      tmp.set(buf.subarray(p, p + W))
      buf.copyWithin(p, q, q + W)
      buf.set(tmp, q)
    }
  }
}

/**
 * Strided block copy between time-major buffers, optionally reversing time within lengths:
 * dst[t, b, dstCol + j] = src[t', b, srcCol + j], t' = t or lengths[b] − 1 − t, for j < W;
 * rows t ≥ lengths[b] are set to 0. Walks dst in memory order (t outer, b inner).
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
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const n = lengths[b]
      const d = (t * B + b) * ldDst + dstCol
      if (t >= n) {
        dst.fill(0, d, d + W)
        continue
      }
      const o = ((reverse ? n - 1 - t : t) * B + b) * ldSrc + srcCol
      dst.set(src.subarray(o, o + W), d) // a memcpy: 2× faster than an element loop at W = 64
    }
  }
}

/** max |a − b| over n elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let m = 0
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}
