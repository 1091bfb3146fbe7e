/**
 * A multi-label (sigmoid) model's probabilities → overlapping events, class by class:
 *   on_t(c) = p_t(c) ≥ threshold_c                              per frame
 *   → median filter of width k_c over on/off (labels/segments.ts modeFilter)
 *   → runs of "on" become events, edges at the midpoints between frame centres (framesToSegments)
 *   → events shorter than minDuration_c dropped
 * Classes never compete for a frame (no argmax): the events of different classes may overlap,
 * which is what an overlapping tier holds. Viterbi does not apply (it decodes one class per frame).
 */
import { framesToSegments, sortSegments, type Segment } from '../labels/segments'
import type { ClassPostProcess } from '../onnx/postprocess-settings'

/** On (1) / off (0) per frame of class c in (T, C) probabilities. */
export function classActivity(
  probs: ArrayLike<number>, // (T, C)
  C: number,
  c: number,
  threshold: number,
): Int32Array {
  const T = Math.floor(probs.length / C)
  const on = new Int32Array(T)
  for (let t = 0; t < T; t++) on[t] = probs[t * C + c] >= threshold ? 1 : 0
  return on
}

/** Events of every class of (T, C) probabilities under per-class settings, sorted by start. */
export function multiLabelSegments(
  probs: ArrayLike<number>, // (T, C)
  frameTimes: ArrayLike<number>, // (T)
  classes: readonly string[],
  perClass: readonly ClassPostProcess[],
): Segment[] {
  const C = classes.length
  if (perClass.length !== C)
    throw new RangeError(`post-processing for ${perClass.length} classes, the model has ${C}`)
  if (probs.length !== frameTimes.length * C)
    throw new RangeError(`${probs.length / C} frames of probabilities, ${frameTimes.length} times`)
  const out: Segment[] = []
  for (let c = 0; c < C; c++) {
    const p = perClass[c]
    const on = classActivity(probs, C, c, p.threshold)
    // index 0 = off (writes nothing), 1 = this class
    out.push(
      ...framesToSegments(on, frameTimes, ['', classes[c]], {
        medianFilter: p.medianFilter,
        minDuration: p.minDuration,
        background: 0,
      }),
    )
  }
  return sortSegments(out)
}

/**
 * One label per frame of a multi-label prediction, for what shows or tables one class per frame
 * (the prediction track's colours, frame scores): the most probable class at or above its
 * threshold, or −1 (IGNORE) where no class is on. The events themselves are multiLabelSegments'.
 */
export function strongestLabels(
  probs: ArrayLike<number>, // (T, C)
  C: number,
  perClass: readonly ClassPostProcess[],
): Int32Array {
  const T = Math.floor(probs.length / C)
  const out = new Int32Array(T).fill(-1)
  for (let t = 0; t < T; t++) {
    let best = -1
    for (let c = 0; c < C; c++) {
      const p = probs[t * C + c]
      if (p >= perClass[c].threshold && (best < 0 || p > probs[t * C + best])) best = c
    }
    out[t] = best
  }
  return out
}

/**
 * How sure a multi-label prediction is of each frame, 0..1, for the review loop's "next
 * uncertain stretch": each class's decision is as sure as its probability is far from its
 * threshold θ, on the side it fell — (p − θ) / (1 − θ) when on, (θ − p) / θ when off — and a
 * frame is as sure as its least sure class. (The softmax tagger's highest probability would call
 * every quiet frame uncertain, where all classes are confidently off.)
 */
export function multiLabelConfidence(
  probs: ArrayLike<number>, // (T, C)
  C: number,
  perClass: readonly ClassPostProcess[],
): Float32Array {
  const T = Math.floor(probs.length / C)
  const out = new Float32Array(T).fill(1)
  for (let t = 0; t < T; t++)
    for (let c = 0; c < C; c++) {
      const [p, th] = [probs[t * C + c], perClass[c].threshold]
      const sure = p >= th ? (th < 1 ? (p - th) / (1 - th) : 1) : th > 0 ? (th - p) / th : 1
      if (sure < out[t]) out[t] = sure
    }
  return out
}
