/**
 * How each label format of format-list.ts is read and written: a sniffer, a reader and a writer
 * per name. `readLabels` picks by explicit format, then content sniffing, then file ending.
 */
import { writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { DataError } from '../errors'
import { assertWritable, READ_LIMITS, readRegular } from '../io/input-files'
import { readAudacity, writeAudacity } from './audacity'
import { isAudioSet, readAudioSetByFile } from './audioset'
import { isDcase, readDcaseByFile } from './dcase'
import { isBoris, readBoris } from './boris'
import { readEaf, readEafAsTiers, writeEaf, writeEafTiers } from './eaf'
import { isLabelStudioJson, readLabelStudio } from './label-studio'
import { formatsRead, looksLike, notInFormat } from './looks-like'
import { readSampleIndex } from './sample-index'
import { csvNeedsRate, readLabelCsv, writeLabelCsv, type CsvReadOptions } from './csv'
import { readLabelJsonTiers, writeLabelJson, writeLabelJsonTiers } from './json'
import { isRaven, readRaven, writeRaven } from './raven'
import type { Segment } from './segments'
import { decodeText } from './text'
import { listed, rowsForRecording } from './table-files'
import { readTextGrid, readTextGridAsTiers, writeTextGrid, writeTextGridTiers } from './textgrid'
import { DEFAULT_TIER_NAME, firstOverlap, pickTier, type Tier, type TierKind } from './tiers'
import {
  formatOfPath,
  LABEL_FORMAT_FILES,
  LABEL_FORMATS,
  type LabelFormatName,
  WRITABLE_LABEL_FORMATS,
} from './format-list'

/** CSV: `mapping`, `rate` (times in samples), `label` (one class for a table without labels). */
export interface ReadLabelOptions extends CsvReadOptions {
  /** TextGrid tier name (default: first interval tier). */
  tier?: string
  /** Raven label column (needed when the table has several: Annotation, Species, Call Type, …). */
  labelColumn?: string
  /** File name of the recording, to pick its part of an export of several (Label Studio, BORIS). */
  media?: string
  /** Frames per second of the video a Label Studio timeline counts. */
  frameRate?: number
  /** ISO 8601 time of the recording's first sample, for label times written as dates. */
  timeOrigin?: string
  /** Hears what a reader left out or chose (other tiers, skipped results), one line each. */
  note?: (message: string) => void
}

export interface LabelFormat {
  /** Format id used by --to and the API. */
  name: LabelFormatName
  /** Endings recognised (format-list.ts). */
  extensions: readonly string[]
  /** True when the text is certainly this format. */
  sniff: (text: string) => boolean
  read: (text: string, file: string, options: ReadLabelOptions) => Segment[]
  /** Absent for the formats Framewise only reads (format-list.ts `writable`). */
  write?: (segments: readonly Segment[]) => string
  /** Formats of several tiers (TextGrid, ELAN, JSON): every tier of the file. */
  readTiers?: (text: string, file: string) => Tier[]
  /** …and the file holding every tier. */
  writeTiers?: (tiers: readonly Tier[]) => string
  /**
   * The kind of the one tier a format of one list reads as (default 'overlapping': Raven, Audacity,
   * DCASE, CSV and the rest may overlap); it is 'overlapping' anyway when the segments overlap.
   */
  tierKind?: TierKind
  /** Times count samples: reading needs the recording's sample rate (`rate`). */
  needsRate?: boolean | ((text: string, options: ReadLabelOptions) => boolean)
  /** Times in this text are dates: reading needs the recording's start (`timeOrigin`). */
  needsTimeOrigin?: (text: string) => boolean
}

/** What a reader may need to know of the recording the labels are for, asked only then. */
export interface RecordingFacts {
  /** The recording's path (its name picks its part of an export of several recordings). */
  file: string
  /** Its sample rate in Hz (it may decode the recording). */
  rate: () => Promise<number | undefined>
  /** ISO 8601 time of its first sample, for a series whose time column holds dates. */
  timeOrigin: () => Promise<string | undefined>
}

type Codec = Omit<LabelFormat, 'name' | 'extensions'>

/** Sniffed in this order: the most specific formats first (a Raven table before Audacity's tabs). */
const CODECS = {
  eaf: {
    sniff: (t) => /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<ANNOTATION_DOCUMENT\b/.test(t),
    read: (t, f, o) => readEaf(t, f, o.tier, o.note),
    write: (s) => writeEaf(s),
    readTiers: readEafAsTiers,
    writeTiers: writeEafTiers,
  },
  labelstudio: {
    sniff: (t) => /^\s*[[{]/.test(t) && isLabelStudioJson(parseJson(t)),
    read: (t, f, o) => readLabelStudio(parseJson(t, f), f, o),
    needsTimeOrigin: (t) => /"(start|end)"\s*:\s*"\d{4}-\d\d-\d\d/.test(t),
  },
  boris: { sniff: isBoris, read: readBoris },
  raven: { sniff: isRaven, read: readRaven, write: writeRaven },
  audioset: {
    sniff: isAudioSet,
    read: (t, f, o) => rowsForRecording(listed(readAudioSetByFile(t, f)), f, o.media),
  },
  // a file name first, where an Audacity track has a number
  dcase: {
    sniff: isDcase,
    read: (t, f, o) => rowsForRecording(listed(readDcaseByFile(t, f, o)), f, o.media),
  },
  textgrid: {
    sniff: (t) => /^\s*(File type = )?"ooTextFile"/.test(t),
    read: (t, f, o) => readTextGrid(t, f, o.tier),
    write: (s) => writeTextGrid(s),
    readTiers: readTextGridAsTiers,
    writeTiers: (t) => writeTextGridTiers(t),
  },
  json: {
    sniff: (t) => /^\s*[[{]/.test(t),
    read: (t, f, o) => segmentsOfTier(readLabelJsonTiers(t, f), o.tier, f),
    write: writeLabelJson,
    readTiers: readLabelJsonTiers,
    writeTiers: writeLabelJsonTiers,
  },
  audacity: {
    sniff: (t) => /^\s*[-\d.eE+]+\t[-\d.eE+]+\t/.test(t),
    read: readAudacity,
    write: writeAudacity,
  },
  csv: { sniff: () => false, read: readLabelCsv, write: writeLabelCsv, needsRate: csvNeedsRate },
  timit: {
    sniff: () => false,
    read: (t, f, o) => readSampleIndex(t, f, o.rate),
    needsRate: true,
    tierKind: 'exclusive',
  },
} satisfies Record<LabelFormatName, Codec>

/** Parsed JSON; undefined when it is not JSON, or a DataError naming `file` when one is given. */
function parseJson(text: string, file?: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    if (file) throw new DataError(file, `invalid JSON: ${(e as Error).message}`)
    return undefined
  }
}

export const FORMATS: LabelFormat[] = (Object.keys(CODECS) as LabelFormatName[]).map((name) => ({
  name,
  extensions: LABEL_FORMAT_FILES[name].extensions,
  ...CODECS[name],
}))

export function formatByName(name: string): LabelFormat | undefined {
  return FORMATS.find((f) => f.name === name.toLowerCase())
}

/**
 * The format for a file: sniffed from its text, else by extension unless the text is certainly
 * not that format (binary, XML, foreign JSON); refused naming what it looks like and the formats
 * read.
 */
export function detectFormat(path: string, text: string): LabelFormat {
  const sniffed = FORMATS.find((f) => f.sniff(text))
  if (sniffed && !(sniffed.name === 'json' && notInFormat('json', text))) return sniffed
  const byEnding = formatOfPath(path)?.name
  // Raven is recognised by its header (sniffed above); a .selections.txt without one reads as .txt
  const format = byEnding && formatByName(byEnding === 'raven' ? 'audacity' : byEnding)!
  const seems = format ? notInFormat(format.name, text) : looksLike(text)
  if (format && seems === null) return format
  throw new DataError(
    path,
    `not a label format Framewise reads${extname(path) ? ` ("${extname(path)}")` : ''}${
      seems ? `: it looks like ${seems}` : ''
    }; formats read: ${formatsRead()}`,
  )
}

/** The segments of tier `name` (default: the first exclusive one), refused naming `file`. */
function segmentsOfTier(tiers: readonly Tier[], name: string | undefined, file: string): Segment[] {
  try {
    return pickTier(tiers, name, file).segments
  } catch (err) {
    throw new DataError(file, (err as Error).message.slice(file.length + 2))
  }
}

type ReadOptions = ReadLabelOptions & { format?: string; recording?: RecordingFacts }

/**
 * The segments of a label file (of one tier: `tier`, else the format's default). With
 * `recording`, what the format needs of it and the options do not give (its sample rate, its
 * start time) is asked of it.
 */
export async function readLabels(path: string, options: ReadOptions = {}): Promise<Segment[]> {
  const { format, text, o } = await prepareRead(path, options)
  return format.read(text, path, o)
}

/**
 * Every tier of a label file: each tier of a TextGrid, ELAN document or JSON file, or the one
 * tier ('labels') of the other formats, overlapping unless the format is of one class at a time
 * (TIMIT) and its segments do not overlap.
 */
export async function readLabelTiers(path: string, options: ReadOptions = {}): Promise<Tier[]> {
  const { format, text, o } = await prepareRead(path, options)
  if (format.readTiers) return format.readTiers(text, path)
  const segments = format.read(text, path, o)
  const sorted = [...segments].sort((a, b) => a.start - b.start || a.end - b.end)
  const kind =
    format.tierKind === 'exclusive' && !firstOverlap(sorted) ? 'exclusive' : 'overlapping'
  return [{ name: DEFAULT_TIER_NAME, kind, segments: sorted }]
}

async function prepareRead(path: string, options: ReadOptions) {
  const text = decodeText(await readRegular(path, READ_LIMITS.labels))
  const format = options.format ? formatByName(options.format) : detectFormat(path, text)
  if (!format)
    throw new DataError(
      path,
      `unknown label format "${options.format}" (${LABEL_FORMATS.join(', ')})`,
    )
  const r = options.recording
  const o: ReadLabelOptions = { ...options, media: options.media ?? r?.file }
  const needsRate =
    typeof format.needsRate === 'function' ? format.needsRate(text, o) : format.needsRate
  if (r && needsRate && o.rate === undefined) o.rate = await r.rate()
  if (r && o.timeOrigin === undefined && format.needsTimeOrigin?.(text))
    o.timeOrigin = await r.timeOrigin()
  return { format, text, o }
}

export async function writeLabels(
  path: string,
  segments: readonly Segment[],
  format: string,
): Promise<void> {
  const f = formatByName(format)
  if (!f?.write)
    throw new RangeError(
      `${f ? 'Framewise reads but does not write' : 'unknown label format'} "${format}" (it writes ${WRITABLE_LABEL_FORMATS.join(', ')})`,
    )
  await assertWritable(path)
  await writeFile(path, f.write(segments))
}

/**
 * Write tiers in `format`: every tier where the format holds several (TextGrid, ELAN, JSON) and
 * no `tier` is named, else the segments of tier `tier` (default: the first exclusive one).
 */
export async function writeLabelTiers(
  path: string,
  tiers: readonly Tier[],
  format: string,
  tier?: string,
): Promise<void> {
  const f = formatByName(format)
  if (f?.writeTiers && tier === undefined) {
    await assertWritable(path)
    await writeFile(path, f.writeTiers(tiers))
    return
  }
  await writeLabels(path, pickTier(tiers, tier, path).segments, format)
}
