/**
 * Seeded deterministic RNG: sfc32 (Small Fast Counting, 128-bit state) seeded through splitmix32.
 * The same seed gives the same stream on every platform; no Math.random anywhere in models/.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = NaN

  constructor(seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [lo, hi), 32 random bits. */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * (this.u32() / 4294967296)
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n)
  }

  /** Standard normal (Box–Muller, the second value is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare
      this.spare = NaN
      return mean + std * z
    }
    const u = 1 - this.uniform() // (0, 1]
    const v = this.uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return mean + std * r * Math.cos(2 * Math.PI * v)
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<S extends { length: number; [i: number]: unknown }>(xs: S): S {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = xs[i]
      xs[i] = xs[j]
      xs[j] = tmp
    }
    return xs
  }
}
