/**
 * What training settings make for a tagger: its model configuration, the loss's class weights
 * (from the training labels) and the optimiser.
 */
import { Adam, adamW } from '../../models/optim'
import type { TaggerConfig } from '../../models/tagger'
import type { Sequence } from '../data/sequences'
import type { TrainSettings } from './settings'

/** Per-class loss weights from label frequencies: 'balanced' 1/f, 'sqrt-balanced' 1/√f, mean 1 over present classes. */
export function classWeightsOf(
  seqs: Sequence[],
  C: number,
  mode: TrainSettings['classWeights'],
): number[] {
  if (mode === 'none') return Array(C).fill(1)
  const counts = new Array<number>(C).fill(0)
  for (const s of seqs) for (const y of s.labels) if (y >= 0) counts[y]++
  const raw = counts.map((n) => (n === 0 ? 0 : mode === 'balanced' ? 1 / n : 1 / Math.sqrt(n)))
  const present = raw.filter((w) => w > 0)
  const mean = present.reduce((a, b) => a + b, 0) / Math.max(1, present.length)
  return raw.map((w) => (w > 0 ? w / mean : 1))
}

export function taggerConfigOf(settings: TrainSettings, F: number, C: number): TaggerConfig {
  return {
    cell: settings.cell,
    // output recurrence appends onehot(y_{t−1}) to the features (train/feedback.ts)
    inputSize: settings.outputRecurrence ? F + C : F,
    hiddenSize: settings.hidden,
    numLayers: settings.layers,
    numClasses: C,
    bidirectional: settings.bidirectional,
    dropout: settings.layers > 1 ? settings.dropout : 0,
    residual: settings.residual,
    ...(settings.attentionHeads > 0
      ? { attention: { heads: settings.attentionHeads, window: settings.attentionWindow } }
      : {}),
    ...(settings.outputRecurrence ? { outputRecurrence: true } : {}),
    ...(settings.head === 'sigmoid' ? { head: 'sigmoid' as const } : {}),
    ...(settings.frontEnd === 'conv' ? { frontEnd: { blocks: convBlocksOf(settings, F) } } : {}),
  }
}

/**
 * The conv blocks of the settings over F features: `convBlocks` × `convChannels`, each pooling
 * `convPool` bins while at least that many remain (so few features, a series' channels, still
 * leave one bin).
 */
export function convBlocksOf(
  settings: Pick<TrainSettings, 'convBlocks' | 'convChannels' | 'convPool'>,
  F: number,
): { channels: number; pool: number }[] {
  let W = F
  return Array.from({ length: settings.convBlocks }, () => {
    const pool = W >= settings.convPool ? settings.convPool : 1
    W = Math.floor(W / pool)
    return { channels: settings.convChannels, pool }
  })
}

/** Adam, or AdamW with decoupled weight decay when the settings ask for it. */
export const optimizerOf = (n: number, settings: TrainSettings): Adam =>
  settings.weightDecay > 0
    ? adamW(n, { lr: settings.lr, weightDecay: settings.weightDecay })
    : new Adam(n, { lr: settings.lr })
