/**
 * The fuzz and crash tests' view of the project's one seeded PRNG (models/rng.ts): the same seed,
 * the same cases.
 */
import { Rng } from '../../models/rng'

export function rng(seed: number): {
  next(): number
  int(lo: number, hi: number): number
  pick<T>(xs: readonly T[]): T
} {
  const r = new Rng(seed)
  const next = () => r.uniform()
  const int = (lo: number, hi: number) => lo + r.int(hi - lo + 1)
  return { next, int, pick: (xs) => xs[r.int(xs.length)]! }
}
