/**
 * Power spectrum of one real frame, the hot loop of audio features (≈ 360k frames per hour at a
 * 10 ms hop). A real N-point DFT is one N/2-point complex FFT of the even/odd samples packed as
 * z_n = x_2n + i·x_2n+1, then a split step (Numerical Recipes §12.3):
 *
 *   Z = FFT_M(z),  M = N/2,  Z_M = Z_0
 *   E_k = (Z_k + conj Z_{M−k}) / 2              (DFT of the even samples)
 *   O_k = (Z_k − conj Z_{M−k}) / 2i             (DFT of the odd samples)
 *   X_k = E_k + e^{−2πik/N} · O_k,  k = 0 … M   → P_k = |X_k|²
 *
 * The complex FFT is radix-2 decimation in time. Windowing, the bit-reversed load and the first
 * two stages (twiddles 1 and −i) are one multiply-light pass; the remaining stages go two at a
 * time (radix 2²) over precomputed twiddles. Everything is float64 and allocated once per size,
 * so a frame costs no allocation. fft.js (general, interleaved re/im, separate windowing pass)
 * took ≈ 10–12 CPU µs per 512-point frame on the 2-core bench machine; this takes ≈ 6–8.
 */
export class RealFFT {
  /** Complex FFT length M = N/2. */
  private readonly M: number
  /** Bit reversal of log2(M) bits. (M) */
  private readonly rev: Int32Array
  /** cos, sin of −2πj/M, j < M/2: the complex FFT's twiddles. (M/2) */
  private readonly twRe: Float64Array
  private readonly twIm: Float64Array
  /** cos, sin of −2πk/N, k ≤ M: the split step's twiddles. (M+1) */
  private readonly spRe: Float64Array
  private readonly spIm: Float64Array
  /** Working spectrum Z, real and imaginary parts. (M) */
  private readonly re: Float64Array
  private readonly im: Float64Array

  /** N: a power of two ≥ 8. */
  constructor(readonly N: number) {
    if (!(N >= 8 && (N & (N - 1)) === 0))
      throw new RangeError(`FFT size ${N} is not a power of two ≥ 8`)
    const M = (this.M = N / 2)
    const bits = Math.log2(M)
    this.rev = new Int32Array(M)
    for (let n = 0; n < M; n++) {
      let r = 0
      for (let b = 0; b < bits; b++) r |= ((n >> b) & 1) << (bits - 1 - b)
      this.rev[n] = r
    }
    this.twRe = new Float64Array(M / 2)
    this.twIm = new Float64Array(M / 2)
    for (let j = 0; j < M / 2; j++) {
      this.twRe[j] = Math.cos((-2 * Math.PI * j) / M)
      this.twIm[j] = Math.sin((-2 * Math.PI * j) / M)
    }
    this.spRe = new Float64Array(M + 1)
    this.spIm = new Float64Array(M + 1)
    for (let k = 0; k <= M; k++) {
      this.spRe[k] = Math.cos((-2 * Math.PI * k) / N)
      this.spIm[k] = Math.sin((-2 * Math.PI * k) / N)
    }
    this.re = new Float64Array(M)
    this.im = new Float64Array(M)
  }

  /**
   * P_k = |X_k|², k = 0 … N/2, of the windowed frame x_n = src[offset + n] · win[n] (N samples
   * from offset) into power (N/2+1).
   */
  power(src: Float32Array, offset: number, win: Float64Array, power: Float64Array): void {
    const { M, rev, re, im, twRe, twIm, spRe, spIm } = this
    const q = M >> 2
    // Load in bit-reversed order fused with stages 1 and 2 (spans 1 and 2; twiddles 1 and −i):
    // outputs i … i+3 take z at rev[i] + 0, M/2, M/4, 3M/4.
    for (let i = 0; i < M; i += 4) {
      const n0 = 2 * rev[i]
      const n1 = n0 + 4 * q
      const n2 = n0 + 2 * q
      const n3 = n1 + 2 * q
      const z0r = src[offset + n0] * win[n0]
      const z0i = src[offset + n0 + 1] * win[n0 + 1]
      const z1r = src[offset + n1] * win[n1]
      const z1i = src[offset + n1 + 1] * win[n1 + 1]
      const z2r = src[offset + n2] * win[n2]
      const z2i = src[offset + n2 + 1] * win[n2 + 1]
      const z3r = src[offset + n3] * win[n3]
      const z3i = src[offset + n3 + 1] * win[n3 + 1]
      const r0 = z0r + z1r
      const i0 = z0i + z1i
      const r1 = z0r - z1r
      const i1 = z0i - z1i
      const r2 = z2r + z3r
      const i2 = z2i + z3i
      const r3 = z2r - z3r
      const i3 = z2i - z3i
      re[i] = r0 + r2
      im[i] = i0 + i2
      re[i + 2] = r0 - r2
      im[i + 2] = i0 - i2
      // −i · (r3 + i·i3) = i3 − i·r3
      re[i + 1] = r1 + i3
      im[i + 1] = i1 - r3
      re[i + 3] = r1 - i3
      im[i + 3] = i1 + r3
    }
    // Remaining stages in fused pairs (radix 2²): spans h and 2h over the four points
    // a, a+h, a+2h, a+3h, twiddles w1 = e^{−2πij/2h} and w2 = e^{−2πij/4h} (w2·(−i) for the
    // second pair of the wider stage). Half the loads and stores of two separate stages.
    let h = 4
    if ((Math.log2(M) & 1) === 1) {
      this.stage(h)
      h = 8
    }
    for (; h < M; h *= 4) {
      const s1 = (M / (2 * h)) | 0
      const s2 = (M / (4 * h)) | 0
      for (let j = 0; j < h; j++) {
        const w1r = twRe[j * s1]
        const w1i = twIm[j * s1]
        const w2r = twRe[j * s2]
        const w2i = twIm[j * s2]
        for (let a0 = j; a0 < M; a0 += 4 * h) {
          const a1 = a0 + h
          const a2 = a1 + h
          const a3 = a2 + h
          // span h: (a0, a1) and (a2, a3), twiddle w1
          let tr = w1r * re[a1] - w1i * im[a1]
          let ti = w1r * im[a1] + w1i * re[a1]
          const y0r = re[a0] + tr
          const y0i = im[a0] + ti
          const y1r = re[a0] - tr
          const y1i = im[a0] - ti
          tr = w1r * re[a3] - w1i * im[a3]
          ti = w1r * im[a3] + w1i * re[a3]
          const y2r = re[a2] + tr
          const y2i = im[a2] + ti
          const y3r = re[a2] - tr
          const y3i = im[a2] - ti
          // span 2h: (a0, a2) with w2, (a1, a3) with −i·w2
          tr = w2r * y2r - w2i * y2i
          ti = w2r * y2i + w2i * y2r
          re[a0] = y0r + tr
          im[a0] = y0i + ti
          re[a2] = y0r - tr
          im[a2] = y0i - ti
          // −i·w2·y3 = (Im(w2·y3), −Re(w2·y3))
          tr = w2r * y3i + w2i * y3r
          ti = -(w2r * y3r - w2i * y3i)
          re[a1] = y1r + tr
          im[a1] = y1i + ti
          re[a3] = y1r - tr
          im[a3] = y1i - ti
        }
      }
    }
    // Split: X_0 = Re Z_0 + Im Z_0, X_M = Re Z_0 − Im Z_0, both real.
    power[0] = (re[0] + im[0]) ** 2
    power[M] = (re[0] - im[0]) ** 2
    // k and M − k share their inputs: E_{M−k} = conj E_k, O_{M−k} = conj O_k and
    // e^{−2πi(M−k)/N} = −conj e^{−2πik/N}.
    for (let k = 1; 2 * k <= M; k++) {
      const a = re[k]
      const b = im[k]
      const c = re[M - k]
      const d = im[M - k]
      const er = 0.5 * (a + c)
      const ei = 0.5 * (b - d)
      const or = 0.5 * (b + d)
      const oi = -0.5 * (a - c)
      const wr = spRe[k]
      const wi = spIm[k]
      let xr = er + wr * or - wi * oi
      let xi = ei + wr * oi + wi * or
      power[k] = xr * xr + xi * xi
      xr = er - wr * or + wi * oi
      xi = -ei + wr * oi + wi * or
      power[M - k] = xr * xr + xi * xi
    }
  }

  /** One radix-2 stage of span h (used once when log2(M) is odd). */
  private stage(h: number): void {
    const { M, re, im, twRe, twIm } = this
    const step = (M / (2 * h)) | 0
    for (let j = 0; j < h; j++) {
      const wr = twRe[j * step]
      const wi = twIm[j * step]
      for (let a = j; a < M; a += 2 * h) {
        const b = a + h
        const tr = wr * re[b] - wi * im[b]
        const ti = wr * im[b] + wi * re[b]
        re[b] = re[a] - tr
        im[b] = im[a] - ti
        re[a] += tr
        im[a] += ti
      }
    }
  }
}
