/**
 * What the training loops learn from: labelled sequences (one per file), split into training and
 * validation.
 */
/** One labelled sequence (a file): features and frame labels, batch-major. */
export interface Sequence {
  /** File it came from (for messages and per-file scores). */
  name: string
  /** (T, F) features. */
  x: Float32Array
  /** (T) class index per frame, −1 for frames that must not count (ignore). */
  labels: Int32Array
}

export interface TrainData {
  /** Features per frame. */
  F: number
  /** Class names; label k is classes[k]. */
  classes: string[]
  train: Sequence[]
  val: Sequence[]
}
