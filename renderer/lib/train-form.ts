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
  | 'groupBy'
  | 'tier'
  | 'head'
  | 'channels'
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
  'groupBy',
  'tier',
  'head',
  'channels',
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

type Spec = Defaults['features']
type AudioSpec = Extract<Spec, { kind: 'audio' }>

/** The feature choices the Train panel offers for audio. */
export type FeatureChoice = 'default' | 'full-band-logmel' | 'custom'

/** Hz as the panel writes it: '44.1 kHz', '8 kHz', '500 Hz'. */
export function formatHz(hz: number): string {
  return hz >= 1000 ? `${Number((hz / 1000).toFixed(2))} kHz` : `${Math.round(hz)} Hz`
}

/** The highest frequency a spec's features see, Hz: its mel range's top, at most its Nyquist. */
export function topHz(spec: AudioSpec): number {
  const nyquist = spec.sampleRate / 2
  const usesMel = spec.features.some((f) => f.name === 'mfcc' || f.name === 'logmel')
  return usesMel ? Math.min(spec.mel.fMax ?? nyquist, nyquist) : nyquist
}

/**
 * What part of a recording of `fileRate` Hz the spec discards, as one sentence with the numbers,
 * or null when it keeps the recording's whole band (to within 1%).
 */
export function bandwidthWarning(spec: Spec, fileRate: number): string | null {
  if (spec.kind !== 'audio' || !(fileRate > 0)) return null
  const fileTop = fileRate / 2
  const top = topHz(spec)
  if (top >= fileTop * 0.99) return null
  const lost = Math.round((100 * (fileTop - top)) / fileTop)
  const why =
    top < spec.sampleRate / 2
      ? `its mel bands stop at ${formatHz(top)}`
      : `it resamples to ${formatHz(spec.sampleRate)}`
  return `These features discard everything above ${formatHz(top)} of this ${formatHz(fileRate)} recording (${formatHz(top)}–${formatHz(fileTop)}, ${lost}% of its band): ${why}.`
}

/** HTK mel of `hz` (as engine/features/mel.ts). */
const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700)

/**
 * What a spec at a higher rate than the recording's spends on nothing, or null: the mel bands
 * whose centres lie above the recording's Nyquist frequency are empty for it (resampling adds no
 * sound there).
 */
export function emptyBandNote(spec: Spec, fileRate: number): string | null {
  if (spec.kind !== 'audio' || !(fileRate > 0) || spec.sampleRate <= fileRate * 1.01) return null
  const fileTop = fileRate / 2
  const lo = mel(spec.mel.fMin)
  const hi = mel(topHz(spec))
  const bands = spec.mel.bands
  // band b (0-based) is centred at lo + (b + 1)·(hi − lo)/(bands + 1) on the mel scale
  const empty = Array.from(
    { length: bands },
    (_, b) => lo + ((b + 1) * (hi - lo)) / (bands + 1),
  ).filter((m) => m > mel(fileTop)).length
  if (empty === 0) return null
  return `This ${formatHz(fileRate)} recording has nothing above ${formatHz(fileTop)}: ${empty} of the ${bands} mel bands will be empty for it.`
}

/**
 * Log-mel over the recording's whole band: at the file's rate, frames of the power of two nearest
 * 32 ms (1024 samples, 23 ms, at 44.1 kHz) every 10 ms, 64 mel bands up to Nyquist, no deltas; the
 * rest (window, channel, normalisation) kept from `base`.
 */
export function fullBandLogmel(base: AudioSpec, fileRate: number): AudioSpec {
  return {
    ...base,
    sampleRate: fileRate,
    frameLength: 2 ** Math.round(Math.log2(fileRate * 0.032)),
    hopLength: Math.round(fileRate * 0.01),
    features: [{ name: 'logmel' }],
    mel: { bands: 64, fMin: 0, fMax: null },
    deltas: 0,
  }
}

/** A one-line description of a spec: '16 kHz · 13 MFCC of 40 mel bands + Δ + ΔΔ · per-file'. */
export function describeFeatures(spec: Spec): string {
  if (spec.kind !== 'audio') return `series · ${spec.stats.join(', ')} · ${spec.normalization.mode}`
  const blocks = spec.features.map((f) =>
    f.name === 'mfcc'
      ? `${f.n} MFCC of ${spec.mel.bands} mel bands`
      : f.name === 'logmel'
        ? `${spec.mel.bands} log-mel bands`
        : f.name,
  )
  const deltas = spec.deltas === 2 ? ' + Δ + ΔΔ' : spec.deltas === 1 ? ' + Δ' : ''
  const ms = (n: number) => `${Number(((1000 * n) / spec.sampleRate).toFixed(1))} ms`
  return `${formatHz(spec.sampleRate)} · ${blocks.join(', ')}${deltas} · ${ms(spec.frameLength)} frames every ${ms(spec.hopLength)} · ${spec.normalization.mode}`
}
