/**
 * The Train panel's form: which settings it shows, filled from the engine's defaults, and which
 * of them the rest of the form rules out. Both come from the engine (`trainingDefaults`: the
 * defaults of engine/train/settings.ts and its one table of exclusions), so nothing here
 * restates a default or a rule.
 */
import type { Results } from '../../engine/api'

type Defaults = Results['trainingDefaults']
type Settings = Defaults['settings']
type Exclusion = Defaults['exclusions'][number]

/** The settings the Train panel shows (the rest keep the engine's defaults). */
export type TrainForm = Pick<
  Settings,
  | 'task'
  | 'pooling'
  | 'cell'
  | 'bidirectional'
  | 'hidden'
  | 'layers'
  | 'dropout'
  | 'residual'
  | 'attentionHeads'
  | 'attentionWindow'
  | 'init'
  | 'outputRecurrence'
  | 'scheduledSampling'
  | 'decode'
  | 'beamWidth'
  | 'epochs'
  | 'lr'
  | 'batch'
  | 'chunk'
  | 'classWeights'
  | 'seed'
  | 'tier'
>

export const FORM_FIELDS = [
  'task',
  'pooling',
  'cell',
  'bidirectional',
  'hidden',
  'layers',
  'dropout',
  'residual',
  'attentionHeads',
  'attentionWindow',
  'init',
  'outputRecurrence',
  'scheduledSampling',
  'decode',
  'beamWidth',
  'epochs',
  'lr',
  'batch',
  'chunk',
  'classWeights',
  'seed',
  'tier',
] as const satisfies readonly (keyof TrainForm)[]

/** The form's fields of the engine's defaults. */
export function formOf(settings: Settings): TrainForm {
  return Object.fromEntries(FORM_FIELDS.map((k) => [k, settings[k]])) as TrainForm
}

export type Blocked = Partial<Record<Exclusion['setting'], string>>

/**
 * The exclusions in force for `f`, first rule per setting, from the engine's one table
 * (engine/train/settings.ts SETTING_EXCLUSIONS, served by `trainingDefaults`; its exclusionsAt
 * is the engine's side of this): a rule holds when every field of its `when` has that value.
 */
export function exclusionsOf(f: TrainForm, exclusions: readonly Exclusion[]): Exclusion[] {
  const seen = new Set<string>()
  return exclusions.filter((r) => {
    if (
      seen.has(r.setting) ||
      !Object.entries(r.when).every(([k, v]) => f[k as keyof TrainForm] === v)
    )
      return false
    seen.add(r.setting)
    return true
  })
}

/** Why a setting cannot be on with the rest of the form (absent: it can): its control's tooltip. */
export function blockedBy(f: TrainForm, exclusions: readonly Exclusion[]): Blocked {
  return Object.fromEntries(exclusionsOf(f, exclusions).map((r) => [r.setting, r.why]))
}

/** The form with every blocked setting off: what the UI shows and what training is sent. */
export function settled(f: TrainForm, exclusions: readonly Exclusion[]): TrainForm {
  return Object.assign(
    { ...f },
    Object.fromEntries(exclusionsOf(f, exclusions).map((r) => [r.setting, r.off])),
  )
}
