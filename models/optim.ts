/**
 * Optimisers over the flat parameter and gradient arrays (one loop each), following PyTorch's
 * torch.optim update rules exactly (so fixtures from torch check them):
 *
 * Adam (Kingma & Ba), L2 weight decay λ folded into the gradient:
 *   g ← g + λθ;   m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
 *   θ ← θ − η/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
 * AdamW (Loshchilov & Hutter): decoupled decay θ ← θ(1 − ηλ) first, then Adam with λ = 0.
 *
 * clipGradNorm: global L2 norm over all parameters, scaled by max/(‖g‖ + 1e-6) when above max.
 */
import type { FloatArray } from './kernels'

export interface Optimizer {
  /** Learning rate η; may be changed between steps (schedules). */
  lr: number
  /** Applies one update to params from grads (same flat layout). */
  step(params: FloatArray, grads: FloatArray): void
}

export interface AdamOptions {
  /** Learning rate η. */
  lr: number
  /** β₁, default 0.9. */
  beta1?: number
  /** β₂, default 0.999. */
  beta2?: number
  /** ε, default 1e-8. */
  eps?: number
  /** Weight decay λ: L2 in the gradient for Adam, decoupled for AdamW. */
  weightDecay?: number
  /** Decoupled weight decay (AdamW). */
  decoupled?: boolean
}

export class Adam implements Optimizer {
  lr: number
  /** Steps taken (t in the bias corrections). */
  t = 0
  private readonly m: Float64Array
  private readonly v: Float64Array

  constructor(
    n: number,
    private readonly o: AdamOptions,
  ) {
    this.lr = o.lr
    this.m = new Float64Array(n)
    this.v = new Float64Array(n)
  }

  /** Copies of the moment estimates and step count, for a checkpoint. */
  state(): { t: number; m: Float64Array; v: Float64Array } {
    return { t: this.t, m: Float64Array.from(this.m), v: Float64Array.from(this.v) }
  }

  /** Continue from a checkpoint's state (same parameter count). */
  loadState(s: { t: number; m: ArrayLike<number>; v: ArrayLike<number> }): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length)
      throw new RangeError(`optimiser state has ${s.m.length} values, the model ${this.m.length}`)
    this.t = s.t
    this.m.set(s.m)
    this.v.set(s.v)
  }

  step(params: FloatArray, grads: FloatArray): void {
    const {
      beta1: b1 = 0.9,
      beta2: b2 = 0.999,
      eps = 1e-8,
      weightDecay: wd = 0,
      decoupled = false,
    } = this.o
    const { lr, m, v } = this
    const t = ++this.t
    const stepSize = lr / (1 - b1 ** t)
    const sqrtBc2 = Math.sqrt(1 - b2 ** t)
    const l2 = decoupled ? 0 : wd
    const shrink = decoupled ? 1 - lr * wd : 1
    for (let i = 0; i < params.length; i++) {
      const p = params[i] * shrink
      const g = grads[i] + l2 * p
      m[i] = b1 * m[i] + (1 - b1) * g
      v[i] = b2 * v[i] + (1 - b2) * g * g
      params[i] = p - (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps)
    }
  }
}

/** AdamW: Adam with decoupled weight decay (default λ = 0.01, PyTorch's default). */
export const adamW = (n: number, o: Omit<AdamOptions, 'decoupled'>): Adam =>
  new Adam(n, { weightDecay: 0.01, ...o, decoupled: true })

/** Scales grads in place so their global L2 norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(grads: FloatArray, maxNorm: number): number {
  let s = 0
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i]
  const norm = Math.sqrt(s)
  const coef = maxNorm / (norm + 1e-6)
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] *= coef
  return norm
}
