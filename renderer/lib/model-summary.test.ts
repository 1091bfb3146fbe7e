import { describe, expect, it } from 'vitest'
import { architectureOfModel, architectureOfSettings, architectureSummary } from './model-summary'

describe('architectureSummary', () => {
  it('writes a card and the settings of the same model alike', () => {
    const card = architectureOfModel({
      cell: 'gru',
      hiddenSize: 64,
      numLayers: 2,
      bidirectional: true,
      parameters: 1,
      attention: { heads: 2, window: 20 },
    })
    const run = architectureOfSettings({
      cell: 'gru',
      hidden: 64,
      layers: 2,
      bidirectional: true,
      attentionHeads: 2,
      attentionWindow: 20,
      task: 'tag',
    })
    expect(architectureSummary(card)).toBe('BiGRU 2×64 + attention 2h ±20')
    expect(architectureSummary(run)).toBe(architectureSummary(card))
    expect(architectureSummary(run, 'short')).toBe('BiGRU 2×64 +att 2h')
  })
  it('global attention, label feedback and clip pooling', () => {
    expect(
      architectureSummary({
        cell: 'lstm',
        bidirectional: false,
        layers: 1,
        hidden: 8,
        attention: { heads: 1, window: 0 },
        outputRecurrence: true,
      }),
    ).toBe('LSTM 1×8 + attention 1h global + label feedback')
    expect(
      architectureSummary(
        architectureOfSettings({
          cell: 'gru',
          hidden: 64,
          layers: 2,
          bidirectional: true,
          task: 'classify',
          pooling: 'max',
          outputRecurrence: false,
        }),
        'short',
      ),
    ).toBe('BiGRU 2×64 clip/max')
    expect(
      architectureSummary(
        architectureOfSettings({
          cell: 'gru',
          hidden: 64,
          layers: 2,
          bidirectional: false,
          outputRecurrence: true,
        }),
        'short',
      ),
    ).toBe('GRU 2×64 +feedback')
  })
})
