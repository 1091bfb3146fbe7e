/**
 * `framewise features <file> [--spec spec.json | --preset mfcc|logmel|raw] [--out feats.csv]
 * [--rate HZ]`: without --out a JSON summary (names, frame count, per-feature mean/std/min/max);
 * with it a CSV `time,<feature names>`, one row per frame, time = frame centre in seconds.
 * --rate places the rows of a CSV without a time column.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { DataError } from '../errors'
import { mediaKindOf } from '../media/kinds'
import { extractFileFeatures, type FeatureMatrix } from '../features/extract'
import { PRESETS, type FeatureSpec } from '../features/spec'
import { loadFeatureSpec } from '../features/spec-file'
import {
  type Command,
  RATE_OPTION,
  UsageError,
  checkOutFile,
  rateFlag,
  reportProgress,
  reportWarning,
} from './command'

export type PresetName = keyof typeof PRESETS
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[]

export interface FeaturesCommandOptions {
  /** Audio or CSV file. */
  file: string
  /** FeatureSpec JSON file (overrides preset). */
  specPath?: string
  /** Preset; default mfcc for audio, raw for CSV. */
  preset?: PresetName
  /** CSV output path; omitted prints a summary. */
  out?: string
  /** Feature cache directory. */
  cacheDir?: string
  /** CSV: rows per second when the file has no time column. */
  rate?: number
  /** Progress sink (stderr in the CLI). */
  onProgress?: (fraction: number, message: string) => void
  /** What the CSV reader skipped (columns of text), one line each (stderr in the CLI). */
  onWarning?: (message: string) => void
}

/** The spec a command uses: --spec file, else the preset, else the file kind's default. */
export async function resolveSpec(
  file: string,
  specPath?: string,
  preset?: PresetName,
): Promise<FeatureSpec> {
  if (specPath) return loadFeatureSpec(specPath)
  const spec = PRESETS[preset ?? (mediaKindOf(file) === 'series' ? 'raw' : 'mfcc')]()
  if ((spec.kind === 'series') !== (mediaKindOf(file) === 'series')) {
    throw new DataError(
      file,
      `preset "${preset}" is for ${spec.kind === 'series' ? 'CSV time series' : 'audio'} files`,
    )
  }
  return spec
}

export async function featuresCommand(o: FeaturesCommandOptions): Promise<unknown> {
  const spec = await resolveSpec(o.file, o.specPath, o.preset)
  const warnings: string[] = []
  const m = await extractFileFeatures(o.file, spec, {
    cacheDir: o.cacheDir,
    onProgress: o.onProgress,
    seriesRate: o.rate,
    onWarning: (w) => {
      warnings.push(w)
      o.onWarning?.(w)
    },
  })
  const summary = {
    file: o.file,
    kind: spec.kind,
    specHash: m.specHash,
    frames: m.frames,
    dims: m.dims,
    duration: m.frames ? m.frameTimes[m.frames - 1] : 0,
    spec,
    ...(warnings.length ? { warnings } : {}),
  }
  if (o.out) {
    await writeFeatureCsv(o.out, m)
    return { ...summary, out: o.out, names: m.names }
  }
  return { ...summary, features: columnStats(m) }
}

function columnStats(m: FeatureMatrix) {
  return m.names.map((name, f) => {
    let sum = 0
    let sq = 0
    let lo = Infinity
    let hi = -Infinity
    for (let t = 0; t < m.frames; t++) {
      const v = m.data[t * m.dims + f]
      sum += v
      sq += v * v
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
    const mean = sum / Math.max(1, m.frames)
    const r = (x: number) => +x.toPrecision(6)
    return {
      name,
      mean: r(mean),
      std: r(Math.sqrt(Math.max(0, sq / Math.max(1, m.frames) - mean * mean))),
      min: r(lo),
      max: r(hi),
    }
  })
}

/** CSV `time,<names>`, streamed in blocks of rows (a 1-hour file has 360 000 rows). */
export async function writeFeatureCsv(path: string, m: FeatureMatrix): Promise<void> {
  const out = createWriteStream(path)
  const done = once(out, 'finish')
  const fail = once(out, 'error').then(([e]) => {
    throw new DataError(path, `cannot write (${(e as Error).message})`)
  })
  out.write(`time,${m.names.join(',')}\n`)
  for (let t0 = 0; t0 < m.frames; t0 += 2000) {
    let chunk = ''
    for (let t = t0; t < Math.min(m.frames, t0 + 2000); t++) {
      chunk += +m.frameTimes[t].toFixed(6)
      for (let f = 0; f < m.dims; f++) chunk += ',' + +m.data[t * m.dims + f].toPrecision(7)
      chunk += '\n'
    }
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), fail])
  }
  out.end()
  await Promise.race([done, fail])
}

export const features: Command = {
  brief: 'the features of an audio or CSV file',
  usage:
    'features <file> [--spec spec.json | --preset mfcc|logmel|raw] [--out feats.csv] [--rate HZ]',
  summary:
    'features of an audio or CSV file: a JSON summary, or with --out a CSV time,<feature names> (one row per frame, time = frame centre in seconds); --rate HZ gives the rows per second of a CSV without a time column',
  options: {
    spec: { type: 'string' },
    preset: { type: 'string' },
    out: { type: 'string' },
    ...RATE_OPTION,
  },
  async run({ positionals, values }) {
    if (positionals.length !== 1)
      throw new UsageError('features takes exactly one audio or CSV file')
    const preset = values.preset as string | undefined
    if (values.spec !== undefined && preset !== undefined)
      throw new UsageError('give --spec or --preset, not both')
    if (preset !== undefined && !PRESET_NAMES.includes(preset as PresetName))
      throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}`)
    if (preset !== undefined && (preset === 'raw') !== (mediaKindOf(positionals[0]) === 'series'))
      throw new UsageError(
        `--preset ${preset} is for ${preset === 'raw' ? 'CSV time series' : 'audio'} files`,
      )
    const rate = rateFlag(values)
    if (typeof values.out === 'string') await checkOutFile(values.out)
    let last = ''
    return featuresCommand({
      file: positionals[0],
      specPath: values.spec as string | undefined,
      preset: preset as PresetName | undefined,
      out: values.out as string | undefined,
      rate,
      onWarning: reportWarning,
      onProgress: (f, message) => {
        const line = `${Math.floor(f * 10)} ${message}`
        if (line !== last) reportProgress(f, message)
        last = line
      },
    })
  },
}
