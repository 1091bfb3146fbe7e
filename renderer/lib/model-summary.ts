/**
 * The one way a model's architecture is written in the UI, e.g. "BiGRU 2×64 + attention 2h ±20":
 * the Models panel writes it from a model's card (`ModelView.tagger`), the run history from the
 * run's settings; `short` is the run table's narrower form ("BiGRU 2×64 +att 2h").
 */
import type { ModelView } from '../../engine/api'

export interface Architecture {
  cell: string
  bidirectional: boolean
  layers: number
  hidden: number
  /** Clip classifiers: the pooling of frames into one class per file. */
  pooling?: string
  /** Self-attention heads and window (0 or absent window: global); absent: none. */
  attention?: { heads: number; window: number }
  outputRecurrence?: boolean
}

export function architectureSummary(a: Architecture, style: 'full' | 'short' = 'full'): string {
  const parts = [`${a.bidirectional ? 'Bi' : ''}${a.cell.toUpperCase()} ${a.layers}×${a.hidden}`]
  if (a.pooling) parts.push(` clip/${a.pooling}`)
  if (a.attention)
    parts.push(
      style === 'short'
        ? ` +att ${a.attention.heads}h`
        : ` + attention ${a.attention.heads}h ${a.attention.window ? `±${a.attention.window}` : 'global'}`,
    )
  if (a.outputRecurrence) parts.push(style === 'short' ? ' +feedback' : ' + label feedback')
  return parts.join('')
}

/** The architecture on a trained model's card. */
export function architectureOfModel(t: NonNullable<ModelView['tagger']>): Architecture {
  return {
    cell: t.cell,
    bidirectional: t.bidirectional,
    layers: t.numLayers,
    hidden: t.hiddenSize,
    attention: t.attention,
    outputRecurrence: t.outputRecurrence,
  }
}

/** The architecture a run's (stored, loosely typed) training settings describe. */
export function architectureOfSettings(s: Record<string, unknown>): Architecture {
  const heads = Number(s.attentionHeads ?? 0)
  return {
    cell: String(s.cell),
    bidirectional: Boolean(s.bidirectional),
    layers: Number(s.layers),
    hidden: Number(s.hidden),
    pooling: s.task === 'classify' ? String(s.pooling) : undefined,
    attention: heads ? { heads, window: Number(s.attentionWindow ?? 0) } : undefined,
    outputRecurrence: Boolean(s.outputRecurrence),
  }
}
