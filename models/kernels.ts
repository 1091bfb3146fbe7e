/**
 * The hot kernels of the taggers, behind one small interface.
 *
 * models/ owns the interface and a pure-TS reference implementation (`tsKernels`, in
 * kernels-ts.ts). engine/ loads a faster implementation (native or WASM SIMD, built from source
 * in this repo) and injects it; every fast kernel is tested against the reference.
 *
 * Conventions
 * - Matrices are row-major with an element offset and a row stride (ld*). Every pointwise kernel
 *   works on B contiguous rows: row b of a (B, W) operand starts at `off + b·W` (no row stride).
 * - Any array argument may be a subarray view of a buffer from `alloc`; offsets count elements
 *   from the start of that view (so a native pointer is `view.byteOffset + 4·off`).
 * - Gate blocks use PyTorch's order: LSTM (i, f, g, o), GRU (r, z, n); each block is H wide, so
 *   a (B, 4H) gate row b holds i at [b·4H, b·4H + H), f at [+H, +2H), g at [+2H, +3H), o after.
 * - Pointwise kernels work on one time step of one direction for the first B rows of the batch
 *   (the active sequences: batches are sorted by length, longest first, as in packed sequences).
 * - σ(x) = 1 / (1 + e^(−x)). tanh is the exact hyperbolic tangent (float32 accuracy ~1e-7 rel).
 * - "Overwrite" means every element of the stated region is written, whatever it held (even NaN);
 *   "accumulate" means += ; "in place" means read then overwritten element by element.
 * - Unless an aliasing rule says so, distinct buffer regions passed to one call do not overlap.
 * - Biases bih, bhh are read as given (views of the parameter array, length GH from offset 0).
 *
 * The time loop of one direction is, per step t (forward) — see lstm.ts, gru.ts, rnn.ts:
 *   gemm (recurrent product hPrev·Whhᵀ, M = active rows) ; one *ForwardStep call
 * and in backward:
 *   one *BackwardStep call ; gemm (dhPrev += dGates·Whh)
 * The input projection x·Wihᵀ for all T steps is one gemm before the loop; the weight gradients
 * (dWih, dWhh) are one gemm each after it, and bias gradients one colSum each.
 *
 * `A` is the array type: Float32Array for real kernels; the TS reference also instantiates
 * Float64Array for gradient checks.
 */
export type FloatArray = Float32Array | Float64Array

export interface Kernels<A extends FloatArray = Float32Array> {
  /** Implementation name for logs and benchmarks, e.g. 'ts', 'native-avx2', 'wasm-simd'. */
  readonly name: string

  /** A zero-filled buffer of n floats that every kernel of this implementation can use. */
  alloc(n: number): A

  /**
   * C = beta·C + op(A)·op(B), with op(A) (M×K), op(B) (K×N), C (M×N).
   * op(X) = Xᵀ when the trans flag is set; lda/ldb/ldc are the row strides of the stored arrays.
   * beta is 0 (overwrite, C may hold NaN) or 1 (accumulate).
   * M, N or K may be 0 (K = 0 with beta 0 writes zeros).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: A,
    aOff: number,
    lda: number,
    B: A,
    bOff: number,
    ldb: number,
    beta: 0 | 1,
    C: A,
    cOff: number,
    ldc: number,
  ): void

  /**
   * Column sums, accumulated: y[j] += Σ_{i<M} X[xOff + i·ldx + j] for j < N.
   * Used for bias gradients: dB (GH) += Σ over all (t, b) rows of dGates (T·B, GH).
   */
  colSum(M: number, N: number, X: A, xOff: number, ldx: number, y: A, yOff: number): void

  /**
   * LSTM forward nonlinearity + cell update for one step, B rows, hidden size H.
   *
   *   gates  (B, 4H) at gOff   in:  x_t·Wihᵀ + h_{t−1}·Whhᵀ (no bias), blocks (i, f, g, o)
   *                            out: in place, activated gates:
   *                                 i = σ(· + bih_i + bhh_i), f = σ(·+b_f), g = tanh(·+b_g), o = σ(·+b_o)
   *                                 where b_k = bih[k-block] + bhh[k-block] (per column j < 4H)
   *   bih, bhh (4H)            read
   *   cPrev  (B, H) at cpOff   read: c_{t−1}
   *   c      (B, H) at cOff    overwrite: c_t = f ⊙ c_{t−1} + i ⊙ g
   *   h      (B, H) at hOff    overwrite: h_t = o ⊙ tanh(c_t)
   * c may not alias cPrev; h may alias nothing else.
   */
  lstmForwardStep(
    B: number,
    H: number,
    gates: A,
    gOff: number,
    bih: A,
    bhh: A,
    cPrev: A,
    cpOff: number,
    c: A,
    cOff: number,
    h: A,
    hOff: number,
  ): void

  /**
   * LSTM backward for one step (the derivative of lstmForwardStep), B rows.
   *
   *   gates  (B, 4H) at gOff   read: activated (i, f, g, o) as left by lstmForwardStep
   *   cPrev  (B, H) at cpOff   read: c_{t−1}
   *   c      (B, H) at cOff    read: c_t
   *   dh     (B, H) at dhOff   read: dL/dh_t, complete (from above and from step t+1)
   *   dc     (B, H) at dcOff   in:  dL/dc_t arriving from step t+1 (zero at the last step)
   *                            out: in place, dL/dc_{t−1} = dcₜ ⊙ f, where
   *                                 dcₜ = dc + dh ⊙ o ⊙ (1 − tanh²(c_t))
   *   dGates (B, 4H) at dgOff  overwrite: gradients w.r.t. the pre-activations:
   *                                 di = dcₜ ⊙ g ⊙ i(1−i)       df = dcₜ ⊙ c_{t−1} ⊙ f(1−f)
   *                                 dg = dcₜ ⊙ i ⊙ (1−g²)       do = dh ⊙ tanh(c_t) ⊙ o(1−o)
   * dGates may be exactly the gates region (same buffer and offset): every element's four gate
   * values are read before its gradients are written. The tagger relies on this to keep one
   * (T, B, 4H) buffer per direction instead of two. Any other overlap is not allowed.
   */
  lstmBackwardStep(
    B: number,
    H: number,
    gates: A,
    gOff: number,
    cPrev: A,
    cpOff: number,
    c: A,
    cOff: number,
    dh: A,
    dhOff: number,
    dc: A,
    dcOff: number,
    dGates: A,
    dgOff: number,
  ): void

  /**
   * GRU forward for one step, linear_before_reset form (PyTorch; ONNX linear_before_reset = 1).
   *
   *   gates  (B, 3H) at gOff   in:  x_t·Wihᵀ (no bias), blocks (r, z, n)
   *                            out: in place, activated (r, z, n):
   *                                 r = σ(gx_r + bih_r + gh_r + bhh_r)
   *                                 z = σ(gx_z + bih_z + gh_z + bhh_z)
   *                                 n = tanh(gx_n + bih_n + r ⊙ hn)
   *   gh     (B, 3H) at ghOff  read: h_{t−1}·Whhᵀ (no bias), blocks (r, z, n)
   *   bih, bhh (3H)            read
   *   hPrev  (B, H) at hpOff   read: h_{t−1}
   *   hn     (B, H) at hnOff   overwrite: hn = gh_n + bhh_n (kept for backward)
   *   h      (B, H) at hOff    overwrite: h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
   * h may not alias hPrev.
   */
  gruForwardStep(
    B: number,
    H: number,
    gates: A,
    gOff: number,
    gh: A,
    ghOff: number,
    bih: A,
    bhh: A,
    hPrev: A,
    hpOff: number,
    hn: A,
    hnOff: number,
    h: A,
    hOff: number,
  ): void

  /**
   * GRU backward for one step (the derivative of gruForwardStep), B rows.
   *
   *   gates  (B, 3H) at gOff   read: activated (r, z, n)
   *   hn     (B, H) at hnOff   read: gh_n + bhh_n
   *   hPrev  (B, H) at hpOff   read: h_{t−1}
   *   dh     (B, H) at dhOff   read: dL/dh_t, complete
   *   dGx    (B, 3H) at dxOff  overwrite: gradients w.r.t. the input-side pre-activations
   *                                 dn = dh ⊙ (1 − z) ⊙ (1 − n²)
   *                                 dr = dn ⊙ hn ⊙ r(1 − r)
   *                                 dz = dh ⊙ (h_{t−1} − n) ⊙ z(1 − z)
   *                                 dGx = (dr, dz, dn)
   *   dGh    (B, 3H) at dhhOff overwrite: gradients w.r.t. gh (and bhh): (dr, dz, dn ⊙ r)
   *   dhPrev (B, H) at dpOff   accumulate: dhPrev += dh ⊙ z (the direct path to h_{t−1})
   * dGx may be exactly the gates region (read-before-write per element, as for LSTM); the tagger
   * relies on this. dGh and dhPrev may not alias anything else.
   */
  gruBackwardStep(
    B: number,
    H: number,
    gates: A,
    gOff: number,
    hn: A,
    hnOff: number,
    hPrev: A,
    hpOff: number,
    dh: A,
    dhOff: number,
    dGx: A,
    dxOff: number,
    dGh: A,
    dhhOff: number,
    dhPrev: A,
    dpOff: number,
  ): void

  /**
   * Elman RNN forward nonlinearity for one step, in place on B rows of width H:
   *   a (B, H) at aOff   in:  x_t·Wihᵀ + h_{t−1}·Whhᵀ (no bias)
   *                      out: h_t = act(a + bih + bhh), act = relu ? max(0, ·) : tanh
   */
  rnnForwardStep(relu: boolean, B: number, H: number, a: A, aOff: number, bih: A, bhh: A): void

  /**
   * Elman RNN backward for one step, in place on B rows of width H:
   *   h  (B, H) at hOff   read: h_t as left by rnnForwardStep
   *   dh (B, H) at dhOff  in:  dL/dh_t (complete); out: dL/da_t = dh ⊙ act'(a_t), where
   *                       act' = 1 − h_t² (tanh) or [h_t > 0] (relu)
   */
  rnnBackwardStep(
    relu: boolean,
    B: number,
    H: number,
    h: A,
    hOff: number,
    dh: A,
    dhOff: number,
  ): void
}
