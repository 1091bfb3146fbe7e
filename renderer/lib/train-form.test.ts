import { describe, expect, it } from 'vitest'
import {
  exclusionsAt,
  SETTING_EXCLUSIONS,
  settingConflicts,
  TRAIN_DEFAULTS,
  type TrainSettings,
} from '../../engine/train/settings'
import { blockedBy, formOf, settled } from './train-form'

// Test-only value imports from engine/: the panel must apply the engine's table exactly as the engine does.
describe('the Train panel form', () => {
  it('starts from the engine defaults', () => {
    const form = formOf(TRAIN_DEFAULTS)
    expect(form.cell).toBe(TRAIN_DEFAULTS.cell)
    expect(form.hidden).toBe(TRAIN_DEFAULTS.hidden)
    expect(form.groupBy).toBe('file') // validation by file until the user picks a group
    expect(Object.keys(form)).not.toContain('threads')
  })

  it('blocks what the engine would refuse, and a settled form is one the engine takes, for every combination', () => {
    for (const task of ['tag', 'classify'] as const)
      for (const outputRecurrence of [false, true])
        for (const bidirectional of [false, true])
          for (const attentionHeads of [0, 2] as const) {
            const s: TrainSettings = {
              ...TRAIN_DEFAULTS,
              task,
              outputRecurrence,
              bidirectional,
              attentionHeads,
            }
            const form = formOf(s)
            const blocked = blockedBy(form, SETTING_EXCLUSIONS)
            expect(blocked).toEqual(
              Object.fromEntries(exclusionsAt(s).map((r) => [r.setting, r.why])),
            )
            expect(settingConflicts({ ...s, ...settled(form, SETTING_EXCLUSIONS) })).toEqual([])
          }
  })
})
