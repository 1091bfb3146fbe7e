/**
 * `framewise convert <labels-file> --to audacity|raven|textgrid|csv|json --out <file>`: any
 * supported label format to any other. Returns what was read and written, with warnings for
 * what the target cannot hold (overlaps and point labels in a TextGrid tier).
 */
import { resolve } from 'node:path'
import { DataError } from '../errors'
import { readLabels, writeLabels, type ReadLabelOptions } from './formats'
import { overlaps, sortSegments } from './segments'

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
