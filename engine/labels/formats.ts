/**
 * Label formats in one list (Meyda-style registry): name, extensions, a sniffer, reader, writer.
 * `readLabels` picks by explicit format, then content sniffing, then extension.
 */
import { writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { DataError } from '../errors'
import { assertWritable, READ_LIMITS, readRegular } from '../input-files'
import { readAudacity, writeAudacity } from './audacity'
import { readLabelCsv, writeLabelCsv } from './csv'
import { readLabelJson, writeLabelJson } from './json'
import { isRaven, readRaven, writeRaven } from './raven'
import type { Segment } from './segments'
import { decodeText } from './text'
import { readTextGrid, writeTextGrid } from './textgrid'

export interface ReadLabelOptions {
  /** TextGrid tier name (default: first interval tier). */
  tier?: string
  /** Raven label column (default: first of Annotation, Label, Class, Species, …). */
  labelColumn?: string
}

export interface LabelFormat {
  /** Format id used by --to and the API. */
  name: 'audacity' | 'raven' | 'textgrid' | 'csv' | 'json'
  /** Extensions written (first) and recognised. */
  extensions: string[]
  /** True when the text is certainly this format. */
  sniff: (text: string) => boolean
  read: (text: string, file: string, options: ReadLabelOptions) => Segment[]
  write: (segments: readonly Segment[]) => string
}

export const FORMATS: LabelFormat[] = [
  {
    name: 'raven',
    extensions: ['.selections.txt', '.txt'],
    sniff: isRaven,
    read: (t, f, o) => readRaven(t, f, o.labelColumn),
    write: writeRaven,
  },
  {
    name: 'textgrid',
    extensions: ['.TextGrid', '.textgrid'],
    sniff: (t) => /^\s*(File type = )?"ooTextFile"/.test(t),
    read: (t, f, o) => readTextGrid(t, f, o.tier),
    write: (s) => writeTextGrid(s),
  },
  {
    name: 'json',
    extensions: ['.json'],
    sniff: (t) => /^\s*[[{]/.test(t),
    read: readLabelJson,
    write: writeLabelJson,
  },
  {
    name: 'audacity',
    extensions: ['.txt', '.labels'],
    sniff: (t) => /^\s*[-\d.eE+]+\t[-\d.eE+]+\t/.test(t),
    read: readAudacity,
    write: writeAudacity,
  },
  {
    name: 'csv',
    extensions: ['.csv'],
    sniff: () => false,
    read: readLabelCsv,
    write: writeLabelCsv,
  },
]

export type LabelFormatName = LabelFormat['name']
export const formatNames = FORMATS.map((f) => f.name)

export function formatByName(name: string): LabelFormat | undefined {
  return FORMATS.find((f) => f.name === name.toLowerCase())
}

/** The format for a file: sniffed from its text, else by extension. */
export function detectFormat(path: string, text: string): LabelFormat {
  const sniffed = FORMATS.find((f) => f.sniff(text))
  if (sniffed) return sniffed
  const lower = path.toLowerCase()
  const byExt = FORMATS.find(
    (f) => f.extensions.some((e) => lower.endsWith(e.toLowerCase())) && f.name !== 'raven',
  )
  if (byExt) return byExt
  throw new DataError(path, `unknown label format "${extname(path)}" (${formatNames.join(', ')})`)
}

export async function readLabels(
  path: string,
  options: ReadLabelOptions & { format?: string } = {},
): Promise<Segment[]> {
  const text = decodeText(await readRegular(path, READ_LIMITS.labels))
  const format = options.format ? formatByName(options.format) : detectFormat(path, text)
  if (!format)
    throw new DataError(
      path,
      `unknown label format "${options.format}" (${formatNames.join(', ')})`,
    )
  return format.read(text, path, options)
}

export async function writeLabels(
  path: string,
  segments: readonly Segment[],
  format: string,
): Promise<void> {
  const f = formatByName(format)
  if (!f) throw new RangeError(`unknown label format "${format}" (${formatNames.join(', ')})`)
  await assertWritable(path)
  await writeFile(path, f.write(segments))
}
