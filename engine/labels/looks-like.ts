/**
 * What a file that no label reader takes seems to be, from its first bytes, for the refusal
 * ("looks like a MATLAB MAT-file"), and the list of formats that are read, with their endings.
 */
import { LABEL_FORMAT_FILES, LABEL_FORMATS, type LabelFormatName } from './format-list'

/** A short description of what `text` looks like, or null when nothing stands out. */
export function looksLike(text: string): string | null {
  const head = text.slice(0, 4096)
  if (head.startsWith('MATLAB')) return 'a MATLAB MAT-file (binary)'
  if (/^RIFF|^RF64|^FORM|^fLaC|^OggS|^ID3/.test(head)) return 'an audio file, not labels'
  if (/^PK\u0003\u0004/.test(head)) return 'a ZIP archive (a spreadsheet?): export it as CSV or TSV'
  if (/[\u0000-\u0008\u000e-\u001f]|\uFFFD/.test(head.slice(0, 512))) return 'a binary file'
  const xml =
    /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z_][\w.:-]*)/.exec(
      head,
    )
  if (xml) return `XML with root element <${xml[3]}>`
  if (/^\s*[[{]/.test(head))
    return 'JSON that is neither Framewise labels nor a Label Studio export'
  const first = head.split(/\r\n|\n|\r/).find((l) => l.trim() !== '' && !l.startsWith('#'))
  if (first) {
    const sep = ['\t', ',', ';', '|'].find((s) => first.includes(s))
    if (sep)
      return `a table with columns ${first
        .split(sep)
        .slice(0, 8)
        .map((c) => JSON.stringify(c.trim()))
        .join(', ')}`
  }
  return null
}

/**
 * What `text` looks like when it is certainly not in format `name` (the one its file's ending
 * names), or null when it may be: binary files are no text format, XML only ELAN's, JSON only
 * Framewise's (an array of segments, or an object with `tiers` or `segments`) or Label Studio's.
 * Without this, a renamed MAT-file read as a CSV table with columns "MATLAB", "5.0", ….
 */
export function notInFormat(name: LabelFormatName, text: string): string | null {
  const seems = foreign(text)
  if (seems === null) return null
  if (seems.startsWith('XML')) return name === 'eaf' ? null : seems
  if (seems.startsWith('JSON')) {
    if (name === 'labelstudio') return null
    if (name !== 'json') return seems
    return isFramewiseJson(text) ? null : seems
  }
  return seems
}

/**
 * What `text` looks like when it is certainly no plain text table, else null. Undecodable bytes
 * alone (U+FFFD) are not enough: a Latin-1 table with "é" decodes so, and its reader copes.
 */
export function foreign(text: string): string | null {
  const seems = looksLike(text)
  if (seems === null || seems.startsWith('a table')) return null
  if (seems === 'a binary file' && !/[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 512)))
    return null
  return seems
}

/** True when `text` parses to Framewise's JSON shape (its schema then says what is wrong). */
function isFramewiseJson(text: string): boolean {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return true // broken JSON: the reader names where
  }
  const isObject = (x: unknown): x is object => x !== null && typeof x === 'object'
  if (Array.isArray(raw)) return raw.length === 0 || (isObject(raw[0]) && 'start' in raw[0])
  return isObject(raw) && ('tiers' in raw || 'segments' in raw)
}

/** "Audacity label track (.txt, .labels), …" for a refusal. */
export function formatsRead(): string {
  return LABEL_FORMATS.map((name) => {
    const f = LABEL_FORMAT_FILES[name]
    return f.extensions.length ? `${f.title} (${f.extensions.join(', ')})` : f.title
  }).join(', ')
}
