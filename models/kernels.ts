/**
 * The hot kernels of the taggers, behind one small interface.
 *
 * models/ owns the interface and a pure-TS reference implementation (`tsKernels`, in
 * kernels-ts.ts). engine/ loads a faster implementation (native or WASM SIMD, built from source
 * in this repo) and injects it; every fast kernel is tested against the reference.
 *
 * Conventions
 * - Matrices are row-major Float32Array with an element offset and a row stride (ld*).
 * - Gate blocks use PyTorch's order: LSTM (i, f, g, o), GRU (r, z, n); each block is H wide.
 * - Pointwise kernels work on one time step of one direction for a batch of B rows.
 * - Buffers passed to a kernel must come from `alloc` (a WASM implementation hands out views
 *   of its own memory; native and TS implementations return plain Float32Arrays).
 */
export interface Kernels {
  /** Implementation name for logs and benchmarks, e.g. 'ts', 'native-avx2', 'wasm-simd'. */
  readonly name: string

  /** A zero-filled buffer of n floats that every kernel of this implementation can use. */
  alloc(n: number): Float32Array

  /**
   * C = beta·C + op(A)·op(B), with op(A) (M×K), op(B) (K×N), C (M×N).
   * op(X) = Xᵀ when the trans flag is set; lda/ldb/ldc are the row strides of the stored arrays.
   * beta is 0 (overwrite, C may hold NaN) or 1 (accumulate).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Float32Array,
    aOff: number,
    lda: number,
    B: Float32Array,
    bOff: number,
    ldb: number,
    beta: 0 | 1,
    C: Float32Array,
    cOff: number,
    ldc: number,
  ): void
}
