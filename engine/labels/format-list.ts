/**
 * The label formats Framewise reads and writes, as data: names, the file endings that say a file
 * is in that format, and the ending Framewise gives a file it names itself. The one list: the API
 * contract (no Node APIs here: the sandboxed preload bundles the contract), the readers and
 * writers (formats.ts), import/export, `predict` and `score` all derive from it.
 */
export const LABEL_FORMATS = [
  'audacity',
  'raven',
  'textgrid',
  'csv',
  'json',
  'eaf',
  'labelstudio',
  'boris',
  'timit',
  'dcase',
  'audioset',
] as const
export type LabelFormatName = (typeof LABEL_FORMATS)[number]

export interface LabelFormatFile {
  /** What the format is called where a user reads it (refusals, help). */
  title: string
  /** Framewise writes it too (export, convert --to, predict --format); else it is read only. */
  writable: boolean
  /** Endings that say a file is in this format, matched case-insensitively. */
  extensions: readonly string[]
  /**
   * The ending of a file Framewise names (predict's outputs beside a recording): never a bare
   * `.csv`/`.json`, which would collide with a CSV recording or a model card of the same stem.
   */
  suffix: string
}

export const LABEL_FORMAT_FILES: Record<LabelFormatName, LabelFormatFile> = {
  // plain `.txt` is Audacity's ending; a Raven table ending in .txt is recognised by its header
  audacity: {
    title: 'Audacity label track',
    writable: true,
    extensions: ['.txt', '.labels'],
    suffix: '.txt',
  },
  raven: {
    title: 'Raven selection table',
    writable: true,
    extensions: ['.selections.txt'],
    suffix: '.selections.txt',
  },
  textgrid: {
    title: 'Praat TextGrid',
    writable: true,
    extensions: ['.textgrid'],
    suffix: '.TextGrid',
  },
  csv: {
    title: 'CSV label table',
    writable: true,
    extensions: ['.labels.csv', '.csv'],
    suffix: '.labels.csv',
  },
  json: {
    title: 'Framewise JSON',
    writable: true,
    extensions: ['.labels.json', '.json'],
    suffix: '.labels.json',
  },
  eaf: { title: 'ELAN .eaf', writable: true, extensions: ['.eaf'], suffix: '.eaf' },
  // Label Studio and BORIS exports carry no ending of their own (.json, .tsv): known by content
  labelstudio: {
    title: 'Label Studio JSON export',
    writable: false,
    extensions: [],
    suffix: '.labelstudio.json',
  },
  boris: { title: 'BORIS events export', writable: false, extensions: [], suffix: '.boris.tsv' },
  timit: {
    title: 'TIMIT-style sample index (.phn, .wrd)',
    writable: false,
    extensions: ['.phn', '.wrd'],
    suffix: '.phn',
  },
  // tables over several recordings, known by content (.txt, .tsv, .csv)
  dcase: {
    title: 'DCASE/TUT event list (file, onset, offset, label)',
    writable: false,
    extensions: [],
    suffix: '.dcase.txt',
  },
  audioset: {
    title: 'AudioSet strong labels (.tsv)',
    writable: false,
    extensions: [],
    suffix: '.audioset.tsv',
  },
}

/** The formats Framewise writes (export, convert --to, predict --format). */
export const WRITABLE_LABEL_FORMATS = LABEL_FORMATS.filter(
  (name) => LABEL_FORMAT_FILES[name].writable,
)

export function isWritableLabelFormat(name: string): name is LabelFormatName {
  return isLabelFormat(name) && LABEL_FORMAT_FILES[name].writable
}

/** Every ending any format has, longest first (so `.selections.txt` wins over `.txt`). */
const ENDINGS = LABEL_FORMATS.flatMap((name) =>
  LABEL_FORMAT_FILES[name].extensions.map((ending) => ({ name, ending })),
).sort((a, b) => b.ending.length - a.ending.length)

/** The format whose ending `file` has (the longest that matches), and that ending; null for none. */
export function formatOfPath(file: string): { name: LabelFormatName; ending: string } | null {
  const lower = file.toLowerCase()
  return ENDINGS.find((e) => lower.endsWith(e.ending)) ?? null
}

export function isLabelFormat(name: string): name is LabelFormatName {
  return (LABEL_FORMATS as readonly string[]).includes(name)
}
