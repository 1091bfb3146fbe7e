/**
 * How each label format of format-list.ts is read and written: a sniffer, a reader and a writer
 * per name. `readLabels` picks by explicit format, then content sniffing, then file ending.
 */
import { writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { DataError } from '../errors'
import { assertWritable, READ_LIMITS, readRegular } from '../io/input-files'
import { readAudacity, writeAudacity } from './audacity'
import { readLabelCsv, writeLabelCsv, type CsvReadOptions } from './csv'
import { readLabelJson, writeLabelJson } from './json'
import { isRaven, readRaven, writeRaven } from './raven'
import type { Segment } from './segments'
import { decodeText } from './text'
import { readTextGrid, writeTextGrid } from './textgrid'
import {
  formatOfPath,
  LABEL_FORMAT_FILES,
  LABEL_FORMATS,
  type LabelFormatName,
} from './format-list'

/** CSV: `mapping`, `rate` (times in samples), `label` (one class for a table without labels). */
export interface ReadLabelOptions extends CsvReadOptions {
  /** TextGrid tier name (default: first interval tier). */
  tier?: string
  /** Raven label column (needed when the table has several: Annotation, Species, Call Type, …). */
  labelColumn?: string
}

export interface LabelFormat {
  /** Format id used by --to and the API. */
  name: LabelFormatName
  /** Endings recognised (format-list.ts). */
  extensions: readonly string[]
  /** True when the text is certainly this format. */
  sniff: (text: string) => boolean
  read: (text: string, file: string, options: ReadLabelOptions) => Segment[]
  write: (segments: readonly Segment[]) => string
}

type Codec = Omit<LabelFormat, 'name' | 'extensions'>

/** Sniffed in this order: the most specific formats first (a Raven table before Audacity's tabs). */
const CODECS = {
  raven: { sniff: isRaven, read: readRaven, write: writeRaven },
  textgrid: {
    sniff: (t) => /^\s*(File type = )?"ooTextFile"/.test(t),
    read: (t, f, o) => readTextGrid(t, f, o.tier),
    write: (s) => writeTextGrid(s),
  },
  json: { sniff: (t) => /^\s*[[{]/.test(t), read: readLabelJson, write: writeLabelJson },
  audacity: {
    sniff: (t) => /^\s*[-\d.eE+]+\t[-\d.eE+]+\t/.test(t),
    read: readAudacity,
    write: writeAudacity,
  },
  csv: { sniff: () => false, read: readLabelCsv, write: writeLabelCsv },
} satisfies Record<LabelFormatName, Codec>

export const FORMATS: LabelFormat[] = (Object.keys(CODECS) as LabelFormatName[]).map((name) => ({
  name,
  extensions: LABEL_FORMAT_FILES[name].extensions,
  ...CODECS[name],
}))

export function formatByName(name: string): LabelFormat | undefined {
  return FORMATS.find((f) => f.name === name.toLowerCase())
}

/** The format for a file: sniffed from its text, else by extension. */
export function detectFormat(path: string, text: string): LabelFormat {
  const sniffed = FORMATS.find((f) => f.sniff(text))
  if (sniffed) return sniffed
  const byEnding = formatOfPath(path)?.name
  // Raven is recognised by its header (sniffed above); a .selections.txt without one reads as .txt
  if (byEnding) return formatByName(byEnding === 'raven' ? 'audacity' : byEnding)!
  throw new DataError(path, `unknown label format "${extname(path)}" (${LABEL_FORMATS.join(', ')})`)
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
      `unknown label format "${options.format}" (${LABEL_FORMATS.join(', ')})`,
    )
  return format.read(text, path, options)
}

export async function writeLabels(
  path: string,
  segments: readonly Segment[],
  format: string,
): Promise<void> {
  const f = formatByName(format)
  if (!f) throw new RangeError(`unknown label format "${format}" (${LABEL_FORMATS.join(', ')})`)
  await assertWritable(path)
  await writeFile(path, f.write(segments))
}
