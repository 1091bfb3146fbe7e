import { beforeEach, describe, expect, it, vi } from 'vitest'
import { fake } from './fake-api'
// A test-only value import from engine/: the defaults the engine would send.
import { SETTING_EXCLUSIONS, TRAIN_DEFAULTS } from '../../engine/train/settings'
import { PRESETS } from '../../engine/features/spec'
import { TrainingState } from './training.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

beforeEach(() => {
  fake.reset()
  fake.handle('listRuns', () => [])
})

describe('the Train panel state', () => {
  it('fills its form from the defaults the engine sends, once', async () => {
    fake.handle('trainingDefaults', () => ({
      settings: { ...TRAIN_DEFAULTS, cell: 'gru', hidden: 48 },
      exclusions: [...SETTING_EXCLUSIONS],
      features: PRESETS.mfcc(),
    }))
    const training = new TrainingState()
    expect(training.form).toBeNull()
    await training.refresh()
    expect(training.form).toMatchObject({ cell: 'gru', hidden: 48, epochs: TRAIN_DEFAULTS.epochs })
    expect(training.error).toBeNull()

    training.form!.hidden = 16
    await training.refresh()
    expect(training.form!.hidden).toBe(16)
    expect(fake.paramsOf('trainingDefaults')).toHaveLength(1)
    expect(fake.paramsOf('listRuns')).toHaveLength(2)
    training.reset()
    expect(training.form!.hidden).toBe(48)
  })

  it('sends a feature spec only when the user chose one, and Defaults brings the engine’s back', async () => {
    const defaults = PRESETS.mfcc()
    fake.handle('trainingDefaults', () => ({
      settings: { ...TRAIN_DEFAULTS },
      exclusions: [...SETTING_EXCLUSIONS],
      features: defaults,
    }))
    fake.handle('train', () => ({ bestEpoch: 1 }) as never)
    const training = new TrainingState()
    await training.refresh()
    expect(training.features).toEqual(defaults)
    await training.start()
    expect(fake.paramsOf('train')[0].features).toBeUndefined()

    const logmel = PRESETS.logmel()
    training.features = logmel
    await training.start()
    expect(fake.paramsOf('train')[1].features).toEqual(logmel)
    training.reset()
    expect(training.features).toEqual(defaults)
  })

  it('shows why the defaults could not be had, with no form', async () => {
    fake.handle('trainingDefaults', () => {
      throw new Error('no project is open')
    })
    const training = new TrainingState()
    await training.refresh()
    expect(training.form).toBeNull()
    expect(training.error).toBe('no project is open')
  })
})
