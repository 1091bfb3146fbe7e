/**
 * A label table that says which recording each row belongs to (a Raven table made over several
 * files), matched to a project's recordings by file name: the rows of every recording it names,
 * and the names it gives that no recording of the project has.
 */
import { READ_LIMITS, readRegular } from '../io/input-files'
import { isRaven, isRavenMultiFile, readRavenByFile, type RavenReadOptions } from './raven'
import type { Segment } from './segments'
import { decodeText } from './text'

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
const slashed = (p: string) => p.replace(/\\/g, '/').toLowerCase()

/**
 * The files a label file names, or null when it is not a table over several files. Only Raven
 * tables say so today (`Begin File`, `Begin Path`).
 */
export async function readTableFiles(
  file: string,
  format: string | undefined,
  options: RavenReadOptions = {},
): Promise<TableFile[] | null> {
  if (format !== undefined && format !== 'raven') return null
  const text = decodeText(await readRegular(file, READ_LIMITS.labels))
  if (!isRaven(text) || !isRavenMultiFile(text)) return null
  const { labelColumn, label } = options
  return readRavenByFile(text, file, { labelColumn, label })
}

/**
 * `files` matched to the project's recordings (`media`: ids, paths relative to the project) by
 * file name, case-insensitively; a name several recordings have is settled by the table's path
 * (the recording whose relative path ends it), else left out with a note.
 */
export function matchTableFiles(
  files: readonly TableFile[],
  media: readonly string[],
): MatchedFiles {
  const out: MatchedFiles = { recordings: [], missing: [], notes: [] }
  for (const f of files) {
    const name = lastPart(f.name).toLowerCase()
    let fits = media.filter((m) => lastPart(m).toLowerCase() === name)
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
