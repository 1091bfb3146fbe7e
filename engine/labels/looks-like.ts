/**
 * What a file that no label reader takes seems to be, from its first bytes, for the refusal
 * ("looks like a MATLAB MAT-file"), and the list of formats that are read, with their endings.
 */
import { LABEL_FORMAT_FILES, LABEL_FORMATS } from './format-list'

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

/** "Audacity label track (.txt, .labels), …" for a refusal. */
export function formatsRead(): string {
  return LABEL_FORMATS.map((name) => {
    const f = LABEL_FORMAT_FILES[name]
    return f.extensions.length ? `${f.title} (${f.extensions.join(', ')})` : f.title
  }).join(', ')
}
