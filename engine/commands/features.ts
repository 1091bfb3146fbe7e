/**
 * `framewise features <file> [--spec spec.json | --preset mfcc|logmel|raw] [--out feats.csv]`:
 * without --out a JSON summary (names, frame count, per-feature mean/std/min/max); with it a CSV
 * `time,<feature names>`, one row per frame, time = frame centre in seconds.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { DataError } from '../errors'
import { READ_LIMITS, readRegularText } from '../input-files'
import { mediaKindOf } from '../media-types'
import { extractFileFeatures, type FeatureMatrix } from './extract'
import { parseFeatureSpec, PRESETS, type FeatureSpec } from './spec'

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
  /** Progress sink (stderr in the CLI). */
  onProgress?: (fraction: number, message: string) => void
}

/** Reads and validates a FeatureSpec JSON file; problems are DataErrors naming the file. */
export async function loadFeatureSpec(path: string): Promise<FeatureSpec> {
  let text: string
  try {
    text = await readRegularText(path, READ_LIMITS.json)
  } catch (e) {
    if (e instanceof DataError) throw e
    throw new DataError(
      path,
      `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new DataError(path, `invalid JSON (${(e as Error).message})`)
  }
  try {
    return parseFeatureSpec(json)
  } catch (e) {
    const issues = (e as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues
    const first = issues?.[0]
    throw new DataError(
      path,
      first
        ? `invalid FeatureSpec: ${first.path.join('.') || 'top level'}: ${first.message}`
        : (e as Error).message,
    )
  }
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
  const m = await extractFileFeatures(o.file, spec, {
    cacheDir: o.cacheDir,
    onProgress: o.onProgress,
  })
  const summary = {
    file: o.file,
    kind: spec.kind,
    specHash: m.specHash,
    frames: m.frames,
    dims: m.dims,
    duration: m.frames ? m.frameTimes[m.frames - 1] : 0,
    spec,
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
