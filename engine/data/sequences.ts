/**
 * What the training loops learn from: labelled sequences (one per file), split into training and
 * validation.
 */
/** One labelled sequence (a file): features and frame labels, batch-major. */
export interface Sequence {
  /** File it came from (for messages and per-file scores). */
  name: string
  /**
   * (T, F) features; empty when `rows` is set: they are on disk then (data/feature-cache.ts:
   * readRows for a part, featuresOf for all of them).
   */
  x: Float32Array
  /** Where the features are when they are not held in the heap. */
  rows?: CachedRows
  /** (T) class index per frame, −1 for frames that must not count (ignore). */
  labels: Int32Array
  /**
   * (T, C) multi-hot targets of a multi-label (sigmoid) model, −1 = masked entry
   * (data/multi-hot.ts); the training loop reads them instead of `labels` then, whose length
   * still gives T.
   */
  targets?: Float32Array
}

/**
 * A sequence's features in a cache file (data/feature-cache.ts), plain data so it crosses to a
 * training worker as it is.
 */
export interface CachedRows {
  /** Absolute path of the cache file. */
  file: string
  /** T. */
  frames: number
  /** F: features per frame. */
  width: number
  /** Global standardisation applied to the rows as they are read. */
  norm?: { mean: number[]; std: number[] }
}

export interface TrainData {
  /** Features per frame. */
  F: number
  /** Class names; label k is classes[k]. */
  classes: string[]
  train: Sequence[]
  val: Sequence[]
  /**
   * Seconds between frame centres, when the frames are evenly spaced in time: a multi-label
   * model's validation then also scores segment- and event-based metrics (eval/polyphonic.ts).
   */
  frameHop?: number
}
