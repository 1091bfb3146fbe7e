/**
 * Initialisation schemes, written into the flat parameter array in place:
 * - input weights Wih and the output layer: Glorot/Xavier uniform per gate block,
 *   U(−a, a), a = √(6 / (fan_in + fan_out));
 * - recurrent weights Whh: an orthogonal H×H matrix per gate block (Saxe et al. 2014), or the
 *   identity for the ReLU RNN (IRNN, Le et al. 2015), which keeps a ReLU recurrence from
 *   exploding or dying at the start;
 * - biases 0, except the LSTM forget gate: bias_ih_f = 1 so f ≈ σ(1) remembers by default
 *   (Jozefowicz et al. 2015);
 * - self-attention (when configured): PyTorch's nn.MultiheadAttention scheme, see initTagger;
 * - chrono (Tallec & Ollivier 2018), an option for gated cells: keep-gate biases
 *   b = ln U(1, T_max − 1) per unit, so memory timescales 1/(1 − σ(b)) ≈ U(1, T_max − 1) spread
 *   up to the longest dependency expected, where the defaults forget within 2–4 frames:
 *     LSTM  bias_ih_f = b, bias_ih_i = −b (bias_hh 0)
 *     GRU   bias_ih_z = b (h = (1 − z)·n + z·h_{t−1}, so z is the keep gate)
 *   Other cells have no gate and keep the defaults.
 */
import type { FloatArray } from './kernels'
import { gatesOf, taggerViews, type TaggerConfig } from './params'
import type { Rng } from './rng'

/** Glorot uniform into rows [r0, r0 + rows) of a (·, cols) matrix. */
export function glorotUniform(
  w: FloatArray,
  r0: number,
  rows: number,
  cols: number,
  rng: Rng,
): void {
  const a = Math.sqrt(6 / (rows + cols))
  for (let k = r0 * cols; k < (r0 + rows) * cols; k++) w[k] = rng.uniform(-a, a)
}

/**
 * An orthogonal n×n matrix into rows [r0, r0 + n) of w (row stride n): modified Gram–Schmidt
 * on a Gaussian matrix, in float64, which gives a Haar-distributed Q.
 */
export function orthogonal(w: FloatArray, r0: number, n: number, rng: Rng): void {
  const q = new Float64Array(n * n)
  for (let k = 0; k < n * n; k++) q[k] = rng.normal()
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      let dot = 0
      for (let j = 0; j < n; j++) dot += q[i * n + j] * q[p * n + j]
      for (let j = 0; j < n; j++) q[i * n + j] -= dot * q[p * n + j]
    }
    let norm = 0
    for (let j = 0; j < n; j++) norm += q[i * n + j] ** 2
    norm = Math.sqrt(norm)
    for (let j = 0; j < n; j++) w[(r0 + i) * n + j] = q[i * n + j] /= norm
  }
}

export function identity(w: FloatArray, r0: number, n: number): void {
  for (let i = 0; i < n; i++) {
    w.fill(0, (r0 + i) * n, (r0 + i + 1) * n)
    w[(r0 + i) * n + i] = 1
  }
}

export interface InitOptions {
  /** 'default' (above) or 'chrono' keep-gate biases; absent = 'default'. */
  scheme?: 'default' | 'chrono'
  /** T_max of chrono: the longest dependency in frames (e.g. the training chunk), ≥ 3. */
  maxTimescale?: number
}

/** Initialise all parameters of a tagger in its flat array. */
export function initTagger(
  params: FloatArray,
  c: TaggerConfig,
  rng: Rng,
  opts: InitOptions = {},
): void {
  const p = taggerViews(params, c)
  const [G, H] = [gatesOf(c.cell), c.hiddenSize]
  for (const layer of p.cells) {
    for (const { Wih, Whh, bih, bhh } of layer) {
      const In = Wih.length / (G * H)
      for (let g = 0; g < G; g++) {
        glorotUniform(Wih, g * H, H, In, rng)
        if (c.cell === 'rnn-relu') identity(Whh, g * H, H)
        else orthogonal(Whh, g * H, H, rng)
      }
      bih.fill(0)
      bhh.fill(0)
      if (c.cell === 'lstm') bih.fill(1, H, 2 * H) // forget gate block (i, f, g, o)
    }
  }
  glorotUniform(p.Wout, 0, c.numClasses, p.Wout.length / c.numClasses, rng)
  p.bout.fill(0)
  if (p.attn) {
    // as nn.MultiheadAttention: Glorot over the whole [Wq; Wk; Wv] (3E, E), the output projection
    // U(−1/√E, 1/√E) (nn.Linear's default), biases 0. Drawn after Wout, so the stack and output
    // layer start exactly as without attention for the same seed (fair with/without comparisons).
    const E = p.attn.bo.length
    glorotUniform(p.attn.Win, 0, 3 * E, E, rng)
    p.attn.bin.fill(0)
    for (let q = 0; q < E * E; q++) p.attn.Wo[q] = rng.uniform(-1 / Math.sqrt(E), 1 / Math.sqrt(E))
    p.attn.bo.fill(0)
  }
  // drawn last, so 'default' weights are the same with or without this option
  if (opts.scheme === 'chrono' && (c.cell === 'lstm' || c.cell === 'gru')) {
    const Tmax = opts.maxTimescale ?? 0
    if (!(Tmax >= 3)) throw new RangeError(`chrono init needs maxTimescale ≥ 3, not ${Tmax}`)
    for (const layer of p.cells)
      for (const { bih, bhh } of layer)
        for (let j = 0; j < H; j++) {
          const b = Math.log(rng.uniform(1, Tmax - 1))
          bih[H + j] = b // block 1: LSTM f (i, f, g, o), GRU z (r, z, n)
          bhh[H + j] = 0
          if (c.cell === 'lstm') [bih[j], bhh[j]] = [-b, 0]
        }
  }
  // conv front end: PyTorch's Conv2d default U(−1/√(Cin·9), 1/√(Cin·9)), batch norm at γ 1,
  // β 0, running mean 0, var 1; drawn last, so the stack starts as without a front end
  if (p.front)
    for (const f of p.front) {
      const fanIn = f.W.length / f.gamma.length
      const bound = 1 / Math.sqrt(fanIn)
      for (let q = 0; q < f.W.length; q++) f.W[q] = rng.uniform(-bound, bound)
      f.gamma.fill(1)
      f.beta.fill(0)
      f.mean.fill(0)
      f.var.fill(1)
    }
}
