/**
 * `framewise convert <labels-file> --to <format> --out <file>`: any label format Framewise reads
 * to any it writes. Returns what was read and written, with warnings for what the reader left
 * aside (other tiers, skipped results) and what the target cannot hold (overlaps and point labels
 * in a TextGrid or ELAN tier).
 */
import { resolve } from 'node:path'
import { DataError } from '../errors'
import { TIME_UNITS, type ColumnMapping, type TimeUnit } from '../labels/csv-columns'
import {
  formatByName,
  readLabels,
  readLabelTiers,
  writeLabels,
  writeLabelTiers,
  type ReadLabelOptions,
} from '../labels/formats'
import { overlaps, sortSegments } from '../labels/segments'
import {
  isLabelFormat,
  isWritableLabelFormat,
  LABEL_FORMATS,
  WRITABLE_LABEL_FORMATS,
} from '../labels/format-list'
import { type Command, type ParsedArgs, UsageError, checkOutFile, numberFlag } from './command'

export interface ConvertOptions extends ReadLabelOptions {
  /** Input label file. */
  input: string
  /** Target format name. */
  to: string
  /** Output path. */
  out: string
  /** Input format; default detected. */
  from?: string
}

/** The number a flag gives (> 0: a rate), or undefined when absent. */
function positiveFlag(values: ParsedArgs['values'], name: string): number | undefined {
  const x = numberFlag(values, name)
  if (x !== undefined && !(x > 0)) throw new UsageError(`--${name} must be > 0, not ${x}`)
  return x
}

/** The CSV column mapping the flags give (the label column doubles as Raven's), or none. */
function csvMapping(values: Record<string, unknown>): ColumnMapping | undefined {
  const unit = values.unit as string | undefined
  if (unit !== undefined && !(TIME_UNITS as readonly string[]).includes(unit))
    throw new UsageError(`--unit must be one of ${TIME_UNITS.join(', ')}`)
  if (values['end-column'] !== undefined && values['duration-column'] !== undefined)
    throw new UsageError('give --end-column or --duration-column, not both')
  const m: ColumnMapping = {
    start: values['start-column'] as string | undefined,
    end: values['end-column'] as string | undefined,
    duration: values['duration-column'] as string | undefined,
    label: values['label-column'] as string | undefined,
    unit: unit as TimeUnit | undefined,
  }
  return Object.values(m).some((v) => v !== undefined) ? m : undefined
}

export async function convertCommand(o: ConvertOptions): Promise<unknown> {
  if (resolve(o.input) === resolve(o.out))
    throw new DataError(o.out, 'refusing to overwrite the input file')
  const warnings: string[] = []
  // a format of several tiers to another (TextGrid, ELAN, JSON) keeps them all unless --tier
  const source = o.from ? formatByName(o.from) : undefined
  if (o.tier === undefined && formatByName(o.to)?.writeTiers && (!o.from || source?.readTiers)) {
    const tiers = await readLabelTiers(o.input, {
      format: o.from,
      labelColumn: o.labelColumn,
      rate: o.rate,
      frameRate: o.frameRate,
      mapping: o.mapping,
      label: o.label,
      note: (m) => warnings.push(m),
    })
    if (tiers.length > 1) {
      await writeLabelTiers(o.out, tiers, o.to)
      const all = tiers.flatMap((t) => t.segments)
      return {
        input: o.input,
        out: o.out,
        to: o.to,
        segments: all.length,
        tiers: tiers.map((t) => ({ name: t.name, kind: t.kind, segments: t.segments.length })),
        labels: [...new Set(all.map((s) => s.label))].sort(),
        warnings,
      }
    }
  }
  const segments = sortSegments(
    await readLabels(o.input, {
      format: o.from,
      tier: o.tier,
      labelColumn: o.labelColumn,
      rate: o.rate,
      frameRate: o.frameRate,
      mapping: o.mapping,
      label: o.label,
      note: (m) => warnings.push(m),
    }),
  )
  await writeLabels(o.out, segments, o.to)
  if (o.to === 'textgrid' || o.to === 'eaf') {
    const tier = o.to === 'textgrid' ? 'a TextGrid tier' : 'an ELAN tier'
    const n = overlaps(segments).length
    if (n) warnings.push(`${n} overlapping pair(s) were cut: ${tier} cannot hold overlaps`)
    const points = segments.filter((s) => s.end === s.start).length
    if (points) warnings.push(`${points} point label(s) left out: ${tier} has no points`)
  }
  return {
    input: o.input,
    out: o.out,
    to: o.to,
    segments: segments.length,
    labels: [...new Set(segments.map((s) => s.label))].sort(),
    warnings,
  }
}

export const convert: Command = {
  brief: 'convert a label file to another format',
  usage: `convert <labels-file> --to ${WRITABLE_LABEL_FORMATS.join('|')} --out <file>`,
  summary:
    'convert a label file to another format (every tier from TextGrid/ELAN/JSON to TextGrid/ELAN/JSON; also --from FORMAT, --tier NAME to convert one tier of TextGrid/ELAN/JSON input, --label-column NAME for Raven input, --rate HZ for times in samples such as TIMIT .phn, --frame-rate FPS for a Label Studio video timeline; for a CSV table --start-column, --end-column or --duration-column, --label-column NAME, --unit s|ms|samples, and --label CLASS for a table without labels)',
  options: {
    to: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    tier: { type: 'string' },
    'label-column': { type: 'string' },
    rate: { type: 'string' },
    'frame-rate': { type: 'string' },
    'start-column': { type: 'string' },
    'end-column': { type: 'string' },
    'duration-column': { type: 'string' },
    unit: { type: 'string' },
    label: { type: 'string' },
  },
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new UsageError('convert takes exactly one label file')
    const to = values.to as string | undefined
    if (!to || !isWritableLabelFormat(to))
      throw new UsageError(`--to must be one of ${WRITABLE_LABEL_FORMATS.join(', ')}`)
    const from = values.from as string | undefined
    if (from !== undefined && !isLabelFormat(from))
      throw new UsageError(`--from must be one of ${LABEL_FORMATS.join(', ')}`)
    if (typeof values.out !== 'string') throw new UsageError('--out <file> is required')
    await checkOutFile(values.out)
    return convertCommand({
      input: positionals[0],
      to,
      out: values.out,
      from,
      tier: values.tier as string | undefined,
      labelColumn: values['label-column'] as string | undefined,
      rate: positiveFlag(values, 'rate'),
      frameRate: positiveFlag(values, 'frame-rate'),
      mapping: csvMapping(values),
      label: values.label as string | undefined,
    })
  },
}
