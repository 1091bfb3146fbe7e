/**
 * A tagger's validation scores on whole labelled sequences: loss, accuracy, macro-F1 and the
 * confusion matrix, as the training loop measures them each epoch.
 */
import type { KernelsChoice } from '../kernels/load'
import { pickKernels } from '../kernels/load'
import { crossEntropy } from '../../models/loss'
import { allocWorkspace, createTagger, taggerForward, type TaggerConfig } from '../../models/tagger'
import { previousLabelInput } from '../../models/label-decoding'
import { concatFeedback, decodeWithTagger } from '../../models/feedback'
import { confusionScores } from '../eval/metrics'
import type { Sequence } from '../data/sequences'
import { featuresOf, readRows } from '../data/feature-cache'

/** Frames per validation window: bounds memory on hour-long files. */
const VAL_WINDOW = 4000

/**
 * Loss, accuracy and macro-F1 of `params` on whole sequences (windows of VAL_WINDOW frames).
 * An output-recurrent model's loss is teacher-forced (the likelihood it is trained on) and its
 * accuracy and F1 come from greedy decoding of each whole file, as at inference.
 */
export function validate(
  seqs: Sequence[],
  config: TaggerConfig,
  params: Float32Array,
  classWeights: number[] | null,
  kernels: KernelsChoice = 'auto',
): { loss: number; accuracy: number; macroF1: number; confusion: number[][] } {
  const C = config.numClasses
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0))
  if (seqs.length === 0) return { loss: NaN, accuracy: NaN, macroF1: NaN, confusion }
  const k = pickKernels(kernels)
  const m = createTagger(config, k)
  m.params.set(params)
  const Tmax = Math.min(VAL_WINDOW, Math.max(...seqs.map((s) => s.labels.length)))
  const ws = allocWorkspace(config, k, Tmax, 1)
  const F = config.inputSize - (config.outputRecurrence ? C : 0)
  const xFed = config.outputRecurrence ? new Float32Array(Tmax * config.inputSize) : null // (T, F + C)
  const prev = config.outputRecurrence ? new Float32Array(Tmax * C) : null // (T, C)
  let sum = 0
  let weight = 0
  // features read from disk window by window (data/feature-cache.ts)
  const rowsBuf = seqs.some((s) => s.rows) ? new Float32Array(Tmax * F) : null
  for (const seq of seqs) {
    const T = seq.labels.length
    const decoded = config.outputRecurrence
      ? decodeWithTagger(m, k, featuresOf(seq), T, 1).path
      : null
    const whole = seq.rows ? null : seq.x
    for (let start = 0; start < T; start += VAL_WINDOW) {
      const n = Math.min(VAL_WINDOW, T - start)
      const lengths = Int32Array.of(n)
      const labels = seq.labels.subarray(start, start + n)
      let xw = whole
        ? whole.subarray(start * F, (start + n) * F)
        : readRows(seq.rows!, start, n, rowsBuf!)
      if (xFed && prev) {
        previousLabelInput(prev, labels, lengths, n, C)
        xw = concatFeedback(xFed, xw, prev, n, F, C).subarray(0, n * config.inputSize)
      }
      taggerForward(ws, xw, lengths, n, m, k)
      const r = crossEntropy(null, ws.logits, labels, lengths, n, 1, C, {
        classWeights,
        ignoreLabel: -1,
      })
      sum += r.sum
      weight += r.weightSum
      for (let t = 0; t < n; t++) {
        const y = labels[t]
        if (y < 0) continue
        let arg = 0
        for (let j = 1; j < C; j++) if (ws.logits[t * C + j] > ws.logits[t * C + arg]) arg = j
        confusion[y][decoded ? decoded[start + t] : arg]++
      }
    }
  }
  const { accuracy, macroF1 } = confusionScores(confusion)
  return { loss: weight > 0 ? sum / weight : NaN, accuracy, macroF1, confusion }
}
