/**
 * A label table that says which recording each row belongs to (a Raven table made over several
 * files, a DCASE/TUT event list, AudioSet strong labels, a CSV with a file column), matched to a
 * project's recordings by file name: the rows of every recording it names, and the names it gives
 * that no recording of the project has.
 */
import { DataError } from '../errors'
import { READ_LIMITS, readRegular } from '../io/input-files'
import { isAudioSet, readAudioSetByFile } from './audioset'
import { readLabelCsvByFile, type CsvReadOptions } from './csv'
import { isDcase, readDcaseByFile } from './dcase'
import { formatOfPath } from './format-list'
import { isRaven, isRavenMultiFile, readRavenByFile, type RavenReadOptions } from './raven'
import type { Segment } from './segments'
import { decodeText } from './text'

export type TableReadOptions = RavenReadOptions & CsvReadOptions

/** One file a table names, with its rows in seconds from that file's start. */
export interface TableFile {
  /** File name as the table gives it. */
  name: string
  /** The path the table gives (another machine's), when it has one. */
  path?: string
  segments: Segment[]
}

export interface MatchedFiles {
  /** Each project recording the table names (media id) and its rows. */
  recordings: Array<{ media: string; segments: Segment[] }>
  /** Names the table gives that no recording of the project has. */
  missing: string[]
  /** Names that fit several recordings (not applied), one line each. */
  notes: string[]
}

const lastPart = (p: string) => p.split(/[\\/]/).pop() ?? p
const stem = (p: string) =>
  lastPart(p)
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
const slashed = (p: string) => p.replace(/\\/g, '/').toLowerCase()

/**
 * The files a label file names, or null when it is not a table over several files: a Raven table
 * with `Begin File`/`Begin Path`, a DCASE event list, AudioSet strong labels, or a CSV table
 * (`format` csv, or a file ending in .csv) with a file column.
 */
export async function readTableFiles(
  file: string,
  format: string | undefined,
  options: TableReadOptions = {},
): Promise<TableFile[] | null> {
  const text = decodeText(await readRegular(file, READ_LIMITS.labels))
  return tableFilesOf(text, file, format, options)
}

/** readTableFiles of a text already read. */
export function tableFilesOf(
  text: string,
  file: string,
  format: string | undefined,
  options: TableReadOptions = {},
): TableFile[] | null {
  const is = (name: string, sniff: (t: string) => boolean) =>
    format === name || (format === undefined && sniff(text))
  const { labelColumn, label, mapping, rate } = options
  if (is('raven', isRaven))
    return isRavenMultiFile(text) ? readRavenByFile(text, file, { labelColumn, label }) : null
  if (is('dcase', isDcase)) return listed(readDcaseByFile(text, file, { label }))
  if (is('audioset', isAudioSet)) return listed(readAudioSetByFile(text, file))
  if (format === 'csv' || (format === undefined && formatOfPath(file)?.name === 'csv')) {
    const byFile = readLabelCsvByFile(text, file, { label, mapping, rate })
    return byFile && listed(byFile)
  }
  return null
}

/** A reader's per-file map as TableFile rows. */
export const listed = (byFile: Map<string, Segment[]>): TableFile[] =>
  [...byFile].map(([name, segments]) => ({ name, segments }))

/** readTableFiles, refused when the file is not a table over several files. */
export async function requireTableFiles(
  file: string,
  format: string | undefined,
  options: TableReadOptions = {},
): Promise<TableFile[]> {
  const files = await readTableFiles(file, format, options)
  if (!files)
    throw new DataError(
      file,
      'names no recordings: a table over several files needs a file column (file, filename, audio_file, Begin File, segment_id) or the DCASE layout file<TAB>onset<TAB>offset<TAB>label',
    )
  return files
}

/**
 * The segments of every file a table names (names as written, files without rows included):
 * DCASE/TUT event lists, AudioSet strong labels, CSV tables with a file column, Raven tables over
 * several files. Refused when the file is not such a table.
 */
export async function readLabelsByFile(
  file: string,
  options: TableReadOptions & { format?: string } = {},
): Promise<Map<string, Segment[]>> {
  const files = await requireTableFiles(file, options.format, options)
  const out = new Map<string, Segment[]>()
  for (const f of files) out.set(f.name, [...(out.get(f.name) ?? []), ...f.segments])
  return out
}

/**
 * The rows of one recording in a table over several files (a format's reader given `media`), or
 * all its rows when it names one file; refused when it names several and `media` is not given.
 */
export function rowsForRecording(
  files: readonly TableFile[],
  file: string,
  media: string | undefined,
): Segment[] {
  if (media === undefined) {
    if (files.length <= 1) return files[0]?.segments ?? []
    throw new DataError(
      file,
      `names ${files.length} recordings (${files
        .slice(0, 3)
        .map((f) => f.name)
        .join(', ')}…): import it into the project (importLabelsToProject) or name the recording`,
    )
  }
  const matched = matchTableFiles(files, [media])
  return matched.recordings[0]?.segments ?? []
}

/**
 * `files` matched to the project's recordings (`media`: ids, paths relative to the project) by
 * file name, case-insensitively, else by stem (`a.wav` for `a.flac`, an AudioSet id for
 * `<id>.wav`); a name several recordings have is settled by the table's path (the recording whose
 * relative path ends it), else left out with a note.
 */
export function matchTableFiles(
  files: readonly TableFile[],
  media: readonly string[],
): MatchedFiles {
  const out: MatchedFiles = { recordings: [], missing: [], notes: [] }
  for (const f of files) {
    const name = lastPart(f.name).toLowerCase()
    let fits = media.filter((m) => lastPart(m).toLowerCase() === name)
    if (fits.length === 0) fits = media.filter((m) => stem(m) === stem(f.name))
    if (fits.length > 1 && f.path) {
      const tail = fits.filter((m) => slashed(f.path!).endsWith('/' + slashed(m)))
      if (tail.length) fits = tail
    }
    if (fits.length === 0) out.missing.push(f.name)
    else if (fits.length > 1)
      out.notes.push(
        `${f.name}: ${fits.length} recordings have this name (${fits.join(', ')}); its rows were not applied`,
      )
    else {
      const known = out.recordings.find((r) => r.media === fits[0])
      if (known) known.segments.push(...f.segments)
      else out.recordings.push({ media: fits[0], segments: [...f.segments] })
    }
  }
  return out
}
