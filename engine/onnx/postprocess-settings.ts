/**
 * The post-processing settings a model ships (framewise.postprocess and its card's `postprocess`;
 * engine/infer/postprocess.ts applies them): frames → segments, and the background class they name.
 */
import { z } from 'zod'

export const postProcessSchema = z.object({
  /** Majority (median) filter width over frame labels, in frames; odd, 1 = off. */
  medianFilter: z
    .number()
    .int()
    .min(1)
    .refine((n) => n % 2 === 1, 'medianFilter must be odd')
    .default(1),
  /** Segments shorter than this (seconds) are dropped. */
  minDuration: z.number().min(0).default(0),
  /** Same-class segments separated by a gap up to this (seconds) are merged. */
  mergeGap: z.number().min(0).default(0),
  /**
   * Viterbi decoding with the model's label transitions instead of the per-frame argmax, the
   * transition log-probabilities weighted by λ = weight (0: argmax). Absent: off. Needs
   * framewise.transitions; the median filter still runs after it (mostly a no-op then).
   */
  viterbi: z.object({ enabled: z.boolean(), weight: z.number().min(0).default(1) }).optional(),
  /** The class written as no segment; null: every class makes segments; absent: see backgroundIndex. */
  background: z.string().nullable().optional(),
})
export type PostProcess = z.output<typeof postProcessSchema>
export type PostProcessInput = z.input<typeof postProcessSchema>

/**
 * The background class index: `postprocess.background` when given (null: none), else a class
 * named 'background' (any case), else class 0 — the usual convention of frame taggers.
 */
export function backgroundIndex(classes: string[], postprocess: PostProcess): number | null {
  if (postprocess.background === null) return null
  if (postprocess.background !== undefined) {
    const i = classes.indexOf(postprocess.background)
    if (i < 0)
      throw new RangeError(
        `background class '${postprocess.background}' is not one of ${classes.join(', ')}`,
      )
    return i
  }
  const named = classes.findIndex((c) => c.toLowerCase() === 'background')
  return named >= 0 ? named : 0
}

/** One class's frames → events of a multi-label (sigmoid) model (engine/infer/postprocess-multilabel.ts). */
export const classPostProcessSchema = z.object({
  /** A frame is in an event of the class when its probability is ≥ this. */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Median filter width over the class's on/off frames, in frames; odd, 1 = off. */
  medianFilter: z
    .number()
    .int()
    .min(1)
    .refine((n) => n % 2 === 1, 'medianFilter must be odd')
    .default(1),
  /** Events of the class shorter than this (seconds) are dropped. */
  minDuration: z.number().min(0).default(0),
})
export type ClassPostProcess = z.output<typeof classPostProcessSchema>

/**
 * What makes a model multi-label (framewise.multilabel): each class is its own sigmoid, so its
 * events may overlap other classes' events, and each has its own post-processing.
 */
export const multiLabelSchema = z.object({
  /** Per class, in output order. */
  perClass: z.array(classPostProcessSchema).min(1),
  /** Where the thresholds come from: chosen on validation files (max F1 per class) or 0.5. */
  thresholds: z.enum(['validation', 'default']).default('default'),
})
export type MultiLabelPostProcess = z.output<typeof multiLabelSchema>
export type MultiLabelPostProcessInput = z.input<typeof multiLabelSchema>
