/**
 * Clips with the decisive cue at a random place, the synthetic task of `bench:clip` and of the
 * clip-classifier tests:
 *
 *   x_t ~ N(0, 1)^F                       every frame, F = 8 features ("noise")
 *   x_t[c] += A  for t in [p, p + L)      one cue of L frames in feature c = the clip's class
 *   distractors: more cues of other features at amplitude A/2 anywhere in the clip
 * A feature-level stand-in for "a short call of one of C species in a long recording".
 */
import { Rng } from '../../models/rng'
import type { ClipSequence } from '../train/classify'

export interface SyntheticClipOptions {
  /** Frames per clip. */
  frames: number
  /** Features per frame. */
  F?: number
  /** Classes (≤ F). */
  C?: number
  /** Cue length in frames. */
  cue?: number
  /** Cue amplitude (noise std is 1). */
  amplitude?: number
  /** Weaker cues of other classes per clip. */
  distractors?: number
}

/** `n` clips of noise with one decisive cue each (see the header), with where it is; seeded. */
export function syntheticClips(
  n: number,
  seed: number,
  o: SyntheticClipOptions,
): (ClipSequence & { cueStart: number })[] {
  const { frames: T, F = 8, C = 4, cue = 6, amplitude = 3, distractors = 2 } = o
  const rng = new Rng(seed)
  const out: (ClipSequence & { cueStart: number })[] = []
  for (let i = 0; i < n; i++) {
    const label = rng.int(C)
    const x = new Float32Array(T * F)
    for (let q = 0; q < x.length; q++) x[q] = rng.normal()
    const put = (c: number, a: number) => {
      const p = rng.int(T - cue + 1)
      for (let t = p; t < p + cue; t++) x[t * F + c] += a
      return p
    }
    for (let d = 0; d < distractors; d++) put((label + 1 + rng.int(C - 1)) % C, amplitude / 2)
    const cueStart = put(label, amplitude)
    out.push({ name: `clip${i}`, x, frames: T, label, cueStart })
  }
  return out
}
