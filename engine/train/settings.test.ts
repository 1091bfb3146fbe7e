import { describe, expect, it } from 'vitest'
import {
  exclusionsAt,
  parseTrainSettings,
  SETTING_EXCLUSIONS,
  settingConflicts,
  TRAIN_DEFAULTS,
  trainSettingsSchema,
} from './settings'

describe('training settings', () => {
  it('the defaults are the schema with nothing given, and break no exclusion', () => {
    expect(TRAIN_DEFAULTS).toEqual(trainSettingsSchema.parse({}))
    expect(settingConflicts(TRAIN_DEFAULTS)).toEqual([])
  })

  it.each([
    [
      { outputRecurrence: true },
      'bidirectional must be off: Output recurrence decodes left to right',
    ],
    [
      { outputRecurrence: true, bidirectional: false, attentionHeads: 2 },
      'attentionHeads must be off: Self-attention reads later frames',
    ],
    [{ task: 'classify', attentionHeads: 2 }, 'attentionHeads must be off: Clip classifiers pool'],
    [
      { task: 'classify', outputRecurrence: true },
      'outputRecurrence must be off: Clip classifiers have no frame labels',
    ],
    [
      { head: 'sigmoid', outputRecurrence: true, bidirectional: false },
      'outputRecurrence must be off: A multi-label frame has several labels',
    ],
    [{ task: 'classify', head: 'sigmoid' }, "head must be 'softmax': Clip classifiers give one"],
  ])('refuses %j, saying why', (input, why) => {
    expect(() => parseTrainSettings(input)).toThrow(why)
  })

  it('takes each combination once the excluded setting is off', () => {
    expect(
      parseTrainSettings({ outputRecurrence: true, bidirectional: false }).outputRecurrence,
    ).toBe(true)
    expect(parseTrainSettings({ task: 'classify', pooling: 'attention' }).attentionHeads).toBe(0)
    expect(parseTrainSettings({ head: 'sigmoid' }).head).toBe('sigmoid')
  })

  it('one rule per setting is in force, the first in the table', () => {
    const rules = exclusionsAt({ task: 'tag', outputRecurrence: true })
    expect(rules.map((r) => r.setting)).toEqual(['bidirectional', 'attentionHeads', 'frontEnd'])
    expect(rules[1]).toBe(SETTING_EXCLUSIONS[2])
    expect(exclusionsAt({ task: 'tag', outputRecurrence: false })).toEqual([])
  })
})
