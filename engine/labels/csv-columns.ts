/**
 * Which columns of a CSV label table hold start, end (or duration) and label, and in what time
 * unit: recognised from the usual header names (start/onset/begin, end/offset/stop, duration,
 * label/name/class/species…, each with an optional unit suffix such as `_s`, `_ms`, `(ms)`,
 * `_samples`), or given by the user as a mapping. Ambiguity (two equally good candidates, or no
 * time column) is reported, never guessed: the caller refuses with the columns and the mapping
 * option, and the preview shows it so the import dialog can ask.
 *
 * A start column with no end or duration is a table of instants (point labels, start = end) when
 * it is named as an instant (`time`, `t`: Sonic Visualiser's `TIME[,LABEL]`) and the table has at
 * most one other time-like column (SV's time-value `TIME,VALUE,LABEL`); `onset` alone stays an
 * error. Without a header the layout is start,end[,label], or Sonic Visualiser's: `time[,label]`
 * (one column, or a second one of text) and `time,value,duration,label` (four, the last of text).
 */

export const TIME_UNITS = ['s', 'ms', 'samples'] as const
export type TimeUnit = (typeof TIME_UNITS)[number]

/** The user's choice of columns, by header name (or 1-based number for a table without header). */
export interface ColumnMapping {
  start?: string
  end?: string
  /** Instead of `end`: end = start + duration. */
  duration?: string
  label?: string
  /** The column naming each row's recording (a table over several files). */
  file?: string
  /** Unit of every time column; default each column's own suffix, else seconds. */
  unit?: TimeUnit
}

/** A role's column: its index and the unit its values are in. */
export interface TimeColumn {
  index: number
  unit: TimeUnit
}

/** The columns chosen for a table (indices into the row), and what could not be chosen. */
export interface ChosenColumns {
  start: TimeColumn | null
  end: TimeColumn | null
  duration: TimeColumn | null
  label: number | null
  /** The column naming each row's recording (file/filename/audio_file/Begin File…), or null. */
  file: number | null
  /** An unnamed pandas index column (empty header cell with 0, 1, 2… below), left out. */
  index: number | null
  /** No end or duration: each row is an instant (a point label, end = start). */
  points: boolean
  /** One line per problem: 'label: "species" or "call_type"', 'no start column'. */
  ambiguous: string[]
}

type Role = 'start' | 'end' | 'duration' | 'label' | 'file'

/** Recognised names per role, best first: a name in an earlier group wins over a later one. */
const NAMES: Record<Role, string[][]> = {
  start: [
    ['start', 'onset', 'begin', 'start time', 'begin time', 'onset time', 'starttime', 'tstart'],
    ['time', 't'],
  ],
  end: [['end', 'offset', 'stop', 'end time', 'stop time', 'offset time', 'endtime', 'tend']],
  duration: [['duration', 'dur', 'length', 'delta time']],
  label: [
    ['label', 'labels'],
    [
      'name',
      'annotation',
      'class',
      'species',
      'call type',
      'type',
      'tag',
      'category',
      'event',
      'event label',
      'syllable',
      'phoneme',
      'word',
      'text',
    ],
  ],
  file: [
    [
      'file',
      'filename',
      'file name',
      'audio file',
      'audio filename',
      'sound file',
      'begin file',
      'recording',
      'segment id',
    ],
  ],
}

/** Unit suffixes: `x (ms)`, `x [s]`, `x_ms`, `x_seconds`, `x sample`, … */
const UNIT_WORDS: Array<[TimeUnit, string]> = [
  ['s', 's|sec|secs|second|seconds'],
  ['ms', 'ms|msec|msecs|millisecond|milliseconds'],
  ['samples', 'sample|samples|smp'],
]

/** A header cell split into its base name (lower case, `_`/`-` as spaces) and unit suffix. */
export function splitHeader(cell: string): { base: string; unit: TimeUnit | null } {
  const h = cell.trim().toLowerCase()
  for (const [unit, words] of UNIT_WORDS) {
    const m =
      new RegExp(`^(.*?)[\\s_-]*[([]\\s*(?:${words})\\s*[)\\]]$`).exec(h) ??
      new RegExp(`^(.*?)[\\s_-]+(?:${words})$`).exec(h)
    if (m && m[1] !== '') return { base: normalise(m[1]), unit }
  }
  return { base: normalise(h), unit: null }
}

const normalise = (s: string) => s.replace(/[\s_-]+/g, ' ').trim()

const UNIT_RANK: Record<TimeUnit, number> = { s: 0, ms: 1, samples: 2 }

/** Start-column names that say each row is an instant (no end needed). */
const INSTANT_NAMES = ['time', 't']

/** True when every sampled cell under column `i` is a number. */
function isNumeric(rows: readonly string[][], i: number): boolean {
  return (
    rows.length > 0 &&
    rows.every((r) => (r[i] ?? '').trim() !== '' && Number.isFinite(Number(r[i])))
  )
}

/** Layout of a table without header: start,end[,label], or one of Sonic Visualiser's. */
function positionalLayout(width: number, sample: readonly string[][]) {
  if (width === 1 || (width === 2 && !isNumeric(sample, 1))) return 'instants'
  if (width === 4 && isNumeric(sample, 1) && isNumeric(sample, 2) && !isNumeric(sample, 3))
    return 'regions'
  return 'plain'
}

/** True when the cells under column `i` are 0, 1, 2, … (a pandas index). */
function isIndexColumn(rows: readonly string[][], i: number): boolean {
  return rows.every((r, k) => (r[i] ?? '').trim() === String(k))
}

/**
 * Columns for `header` (null: a table without header, read as start, end[, label]) given the
 * user's `mapping`; `sample` is a few data rows (to recognise an index column). `oneClass`: the
 * user names the one class, so no label column is looked for (unless the mapping names one).
 */
export function chooseColumns(
  header: readonly string[] | null,
  width: number,
  sample: readonly string[][],
  mapping: ColumnMapping = {},
  oneClass = false,
): ChosenColumns {
  const ambiguous: string[] = []
  const names = header ?? Array.from({ length: width }, (_, i) => String(i + 1))
  const split = names.map(splitHeader)
  const unitOf = (i: number): TimeUnit => mapping.unit ?? split[i]?.unit ?? 's'
  const taken = new Set<number>()
  const given = (role: Role): number | null | undefined => {
    const name = mapping[role]
    if (name === undefined) return undefined
    const want = name.trim().toLowerCase()
    let i = names.findIndex((h) => h.trim().toLowerCase() === want)
    if (i < 0 && /^\d+$/.test(want) && Number(want) >= 1 && Number(want) <= width)
      i = Number(want) - 1
    if (i < 0) {
      ambiguous.push(`${role}: no column "${name}"`)
      return null
    }
    taken.add(i)
    return i
  }
  const mapped = {
    start: given('start'),
    end: given('end'),
    duration: given('duration'),
    label: given('label'),
    file: given('file'),
  }

  let index: number | null = null
  if (header && header[0]?.trim() === '' && isIndexColumn(sample, 0) && !taken.has(0)) {
    index = 0
    taken.add(0)
  }

  /** The best free column whose name fits `role`; ambiguity recorded, null when none. */
  const detect = (role: Role): number | null => {
    if (!header) return null
    for (const group of NAMES[role]) {
      let found = split
        .map((s, i) => ({ i, s }))
        .filter(({ i, s }) => !taken.has(i) && group.includes(s.base))
      if (role !== 'label' && found.length > 1) {
        const best = Math.min(...found.map(({ i }) => UNIT_RANK[unitOf(i)]))
        found = found.filter(({ i }) => UNIT_RANK[unitOf(i)] === best)
      }
      if (found.length === 1) return found[0].i
      if (found.length > 1) {
        ambiguous.push(`${role}: ${found.map(({ i }) => `"${names[i]}"`).join(' or ')}`)
        return null
      }
    }
    return null
  }
  const pick = (role: Role, fallback: number | null): number | null => {
    const m = mapped[role]
    if (m !== undefined) return m
    const i = header ? detect(role) : fallback
    if (i !== null) taken.add(i)
    return i
  }

  const layout = header ? null : positionalLayout(width, sample)
  const file = pick('file', null)
  const start = pick('start', 0)
  const end =
    mapped.duration !== undefined ? null : pick('end', layout === 'plain' && width > 1 ? 1 : null)
  const duration =
    end !== null || mapped.end !== undefined
      ? null
      : pick('duration', layout === 'regions' ? 2 : null)
  const labelAt =
    layout === 'instants' ? (width > 1 ? 1 : null) : layout === 'regions' ? 3 : width > 2 ? 2 : null
  const label = oneClass && mapped.label === undefined ? null : pick('label', labelAt)
  if (start === null && !ambiguous.some((a) => a.startsWith('start')))
    ambiguous.push('no start column')
  const others =
    width - 1 - (label === null ? 0 : 1) - (index === null ? 0 : 1) - (file === null ? 0 : 1)
  const points =
    start !== null &&
    end === null &&
    duration === null &&
    mapped.end === undefined &&
    mapped.duration === undefined &&
    (header ? INSTANT_NAMES.includes(split[start].base) && others <= 1 : layout === 'instants')
  if (
    !points &&
    end === null &&
    duration === null &&
    !ambiguous.some((a) => a.startsWith('end') || a.startsWith('duration'))
  )
    ambiguous.push('no end or duration column')
  const time = (i: number | null): TimeColumn | null =>
    i === null ? null : { index: i, unit: unitOf(i) }
  return {
    start: time(start),
    end: time(end),
    duration: time(duration),
    label,
    file,
    index,
    points,
    ambiguous,
  }
}

/** The mapping that names what `chosen` picked (for the preview's dialog to start from). */
export function mappingOf(chosen: ChosenColumns, columns: readonly string[]): ColumnMapping {
  const name = (i: number | null | undefined) => (i == null ? undefined : columns[i])
  const units = [chosen.start, chosen.end, chosen.duration].filter((c) => c !== null)
  const unit = units.length && units.every((c) => c.unit === units[0].unit) ? units[0].unit : 's'
  const m: ColumnMapping = { unit }
  if (chosen.start) m.start = name(chosen.start.index)
  if (chosen.end) m.end = name(chosen.end.index)
  if (chosen.duration) m.duration = name(chosen.duration.index)
  if (chosen.label !== null) m.label = name(chosen.label)
  if (chosen.file !== null) m.file = name(chosen.file)
  return m
}
