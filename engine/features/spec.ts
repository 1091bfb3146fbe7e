/**
 * FeatureSpec: everything that turns a file into a (T, F) feature matrix, as ONE zod schema with
 * defaults. It is plain JSON, so models carry it (ONNX metadata, project manifest) and a file's
 * features are cached under its hash (spec-hash.ts). No Node APIs here: the API contract
 * (engine/api.ts) types its requests with these schemas, and the sandboxed Electron preload
 * bundles that contract.
 *
 * Units are explicit: `sampleRate` in Hz; `frameLength` and `hopLength` in samples (audio) or rows
 * (series). Frames are centred: frame t covers samples [t·hop − N/2, t·hop + N/2), zero-padded
 * past the ends, and its time is t·hop / sampleRate (series: the time of row t·hop). A signal of
 * n samples gives ⌊n / hop⌋ + 1 audio frames, ⌈n / hop⌉ series frames.
 *
 * Why these defaults — they are chosen to generalise to recordings from sources not seen in
 * training:
 * - 16 kHz: every input is resampled to it, so 44.1/48 kHz and 16 kHz recorders give the same
 *   bands; it keeps speech, most animal vocalisations below 8 kHz and machinery sounds. (Bats or
 *   ultrasonic insects need a higher rate: change it.)
 * - 512-sample (32 ms) Hann frames every 160 samples (10 ms): the usual speech/audio compromise;
 *   10 ms is fine enough to place segment boundaries.
 * - 13 MFCC over 40 mel bands + Δ + ΔΔ (39 dims): a compact, decorrelated log-spectral envelope
 *   that small RNNs learn from quickly; Δ/ΔΔ add local dynamics the frame alone misses.
 * - Per-file CMVN (mean/variance normalisation of each file): removes each recording's gain,
 *   microphone colouring and stationary background, which are what differ between sources. A
 *   global normalisation would instead bake the training set's recorders into the model.
 */
import { z } from 'zod'

/** Window applied before the FFT; symmetric, as Meyda's (so Meyda-computed features agree). */
export const windowSchema = z.enum(['hann', 'hamming', 'blackman', 'sine'])

export const audioFeatureSchema = z.discriminatedUnion('name', [
  /** Mel-frequency cepstral coefficients: orthonormal DCT-II of the log-mel bands, first n kept. */
  z.object({ name: z.literal('mfcc'), n: z.number().int().min(1).max(128).default(13) }),
  /** Log mel band energies: ln(max(mel power, 1e-10)), `mel.bands` values. */
  z.object({ name: z.literal('logmel') }),
  /** Root mean square of the (unwindowed) frame. */
  z.object({ name: z.literal('rms') }),
  /** Meyda's total loudness (sum of specific loudness over 24 Bark bands), computed by Meyda. */
  z.object({ name: z.literal('loudness') }),
  /** Zero crossings per frame, divided by the frame length. */
  z.object({ name: z.literal('zcr') }),
  /** Amplitude-weighted mean frequency in Hz (Meyda gives a bin index; we convert). */
  z.object({ name: z.literal('spectralCentroid') }),
  /** Geometric over arithmetic mean of the amplitude spectrum (0 noise-free tone … 1 white). */
  z.object({ name: z.literal('spectralFlatness') }),
  /** Frequency in Hz below which `fraction` of the spectral amplitude lies. */
  z.object({ name: z.literal('spectralRolloff'), fraction: z.number().gt(0).lt(1).default(0.99) }),
  /** Half-wave rectified L1 change of the amplitude spectrum from the previous frame. */
  z.object({ name: z.literal('spectralFlux') }),
  /** 12 pitch-class energies normalised to max 1, computed by Meyda. */
  z.object({ name: z.literal('chroma') }),
])

export const normalizationSchema = z.discriminatedUnion('mode', [
  /** Features as extracted. */
  z.object({ mode: z.literal('none') }),
  /** Each file standardised by its own per-dimension mean and std (CMVN). */
  z.object({ mode: z.literal('per-file') }),
  /** Standardised by the training set's mean and std, stored here and shipped with the model. */
  z.object({
    mode: z.literal('global'),
    mean: z.array(z.number()),
    std: z.array(z.number().positive()),
  }),
])

const deltaFields = (byDefault: 0 | 1 | 2) => ({
  /** 0: none, 1: append Δ, 2: append Δ and ΔΔ. */
  deltas: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(byDefault),
  /** Regression half-width N of d_t = Σₙ n (c_{t+n} − c_{t−n}) / (2 Σₙ n²). */
  deltaWidth: z.number().int().min(1).max(10).default(2),
})

export const audioSpecSchema = z
  .object({
    kind: z.literal('audio'),
    /** Hz; every file is resampled to it. */
    sampleRate: z.number().int().min(1000).max(384000).default(16000),
    /** 'mix' averages the channels; a number picks one (0-based). */
    channel: z.union([z.literal('mix'), z.number().int().min(0)]).default('mix'),
    /** FFT frame length in samples; a power of two. */
    frameLength: z
      .number()
      .int()
      .refine(
        (n) => n >= 16 && n <= 65536 && (n & (n - 1)) === 0,
        'frameLength must be a power of two, 16…65536',
      )
      .default(512),
    /** Hop between frame centres in samples. */
    hopLength: z.number().int().min(1).default(160),
    window: windowSchema.default('hann'),
    /** Feature blocks, concatenated in this order. */
    features: z
      .array(audioFeatureSchema)
      .min(1)
      .default([{ name: 'mfcc', n: 13 }]),
    /** Mel filterbank used by mfcc and logmel (HTK mel scale, triangular, unnormalised). */
    mel: z
      .object({
        /** Number of triangular filters. */
        bands: z.number().int().min(1).max(256).default(40),
        /** Lowest edge, Hz. */
        fMin: z.number().min(0).default(0),
        /** Highest edge, Hz; null means sampleRate / 2. */
        fMax: z.number().positive().nullable().default(null),
      })
      .default({ bands: 40, fMin: 0, fMax: null }),
    ...deltaFields(2),
    normalization: normalizationSchema.default({ mode: 'per-file' }),
  })
  .superRefine((s, ctx) => {
    const fMax = s.mel.fMax ?? s.sampleRate / 2
    if (fMax > s.sampleRate / 2 || s.mel.fMin >= fMax) {
      ctx.addIssue({
        code: 'custom',
        path: ['mel'],
        message: `mel range ${s.mel.fMin}–${fMax} Hz must lie within 0–${s.sampleRate / 2} Hz`,
      })
    }
    for (const f of s.features) {
      if (f.name === 'mfcc' && f.n > s.mel.bands) {
        ctx.addIssue({
          code: 'custom',
          path: ['features'],
          message: `mfcc n = ${f.n} exceeds mel.bands = ${s.mel.bands}`,
        })
      }
    }
  })

export const seriesStatSchema = z.enum(['mean', 'std', 'min', 'max'])

export const seriesSpecSchema = z.object({
  kind: z.literal('series'),
  /** Channel columns to use, in order; null uses every numeric column. */
  channels: z.array(z.string()).nullable().default(null),
  /** Rows per second when the CSV has no time column; null requires a time column. */
  sampleRate: z.number().positive().nullable().default(null),
  /** Rows per frame; 1 passes rows through as-is. */
  frameLength: z.number().int().min(1).default(1),
  /** Rows between frame centres. */
  hopLength: z.number().int().min(1).default(1),
  /** Statistics per channel over each frame's rows (used when frameLength > 1). */
  stats: z.array(seriesStatSchema).min(1).default(['mean']),
  ...deltaFields(0),
  /**
   * Global by default for sensor logs: their values are in physical units, and the level itself
   * often tells regimes apart (rest vs run), which per-file normalisation would erase whenever
   * files hold different mixes of regimes. Empty mean/std: computed on the training files.
   */
  normalization: normalizationSchema.default({ mode: 'global', mean: [], std: [] }),
})

export const featureSpecSchema = z.discriminatedUnion('kind', [audioSpecSchema, seriesSpecSchema])

export type FeatureSpec = z.output<typeof featureSpecSchema>
export type FeatureSpecInput = z.input<typeof featureSpecSchema>
export type AudioSpec = z.output<typeof audioSpecSchema>
export type SeriesSpec = z.output<typeof seriesSpecSchema>
export type AudioFeature = z.output<typeof audioFeatureSchema>
export type Normalization = z.output<typeof normalizationSchema>

/** Parses and fills defaults; throws a ZodError naming the bad field. */
export function parseFeatureSpec(input: unknown): FeatureSpec {
  return featureSpecSchema.parse(input)
}

/** Ready-made specs: `mfcc` (the default), `logmel` (40 log-mel bands), `raw` (series as-is). */
export const PRESETS = {
  mfcc: (): FeatureSpec => parseFeatureSpec({ kind: 'audio' }),
  logmel: (): FeatureSpec =>
    parseFeatureSpec({ kind: 'audio', features: [{ name: 'logmel' }], deltas: 0 }),
  raw: (): FeatureSpec => parseFeatureSpec({ kind: 'series' }),
}

const PITCH = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B']

/** Base feature names (before Δ), in column order. */
export function baseFeatureNames(spec: FeatureSpec, seriesChannels: string[] = []): string[] {
  if (spec.kind === 'series') {
    const chans = spec.channels ?? seriesChannels
    if (spec.frameLength === 1) return [...chans]
    return chans.flatMap((c) => spec.stats.map((s) => `${c}_${s}`))
  }
  return spec.features.flatMap((f) => {
    switch (f.name) {
      case 'mfcc':
        return Array.from({ length: f.n }, (_, i) => `mfcc${i}`)
      case 'logmel':
        return Array.from({ length: spec.mel.bands }, (_, i) => `logmel${i}`)
      case 'chroma':
        return PITCH.map((p) => `chroma_${p}`)
      default:
        return [f.name]
    }
  })
}

/** All feature names in column order: base, then d_ (Δ), then dd_ (ΔΔ). */
export function featureNames(spec: FeatureSpec, seriesChannels: string[] = []): string[] {
  const base = baseFeatureNames(spec, seriesChannels)
  const out = [...base]
  if (spec.deltas >= 1) out.push(...base.map((n) => `d_${n}`))
  if (spec.deltas >= 2) out.push(...base.map((n) => `dd_${n}`))
  return out
}
