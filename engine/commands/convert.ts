/**
 * `framewise convert <labels-file> --to audacity|raven|textgrid|csv|json --out <file>`: any
 * supported label format to any other. Returns what was read and written, with warnings for
 * what the target cannot hold (overlaps and point labels in a TextGrid tier).
 */
import { resolve } from 'node:path'
import { DataError } from '../errors'
import { readLabels, writeLabels, type ReadLabelOptions } from '../labels/formats'
import { overlaps, sortSegments } from '../labels/segments'
import { isLabelFormat, LABEL_FORMATS } from '../labels/format-list'
import { type Command, UsageError, checkOutFile } from './command'

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

export async function convertCommand(o: ConvertOptions): Promise<unknown> {
  if (resolve(o.input) === resolve(o.out))
    throw new DataError(o.out, 'refusing to overwrite the input file')
  const segments = sortSegments(
    await readLabels(o.input, { format: o.from, tier: o.tier, labelColumn: o.labelColumn }),
  )
  await writeLabels(o.out, segments, o.to)
  const warnings: string[] = []
  if (o.to === 'textgrid') {
    const n = overlaps(segments).length
    if (n) warnings.push(`${n} overlapping pair(s) were cut: a TextGrid tier cannot hold overlaps`)
    const points = segments.filter((s) => s.end === s.start).length
    if (points)
      warnings.push(`${points} point label(s) left out: a TextGrid interval tier has no points`)
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
  usage: 'convert <labels-file> --to audacity|raven|textgrid|csv|json --out <file>',
  summary:
    'convert a label file to another format (also --from FORMAT, --tier NAME for TextGrid input, --label-column NAME for Raven input)',
  options: {
    to: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    tier: { type: 'string' },
    'label-column': { type: 'string' },
  },
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new UsageError('convert takes exactly one label file')
    const to = values.to as string | undefined
    if (!to || !isLabelFormat(to))
      throw new UsageError(`--to must be one of ${LABEL_FORMATS.join(', ')}`)
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
    })
  },
}
