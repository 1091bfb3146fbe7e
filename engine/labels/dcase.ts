/**
 * DCASE/TUT event lists (the sed_eval / dcase_util layout): one event per tab-separated line,
 * `file onset offset label`, or `file scene onset offset label` (a scene column after the file,
 * an identifier after the label is left out), or `file onset offset` (one class the user names).
 * A line naming only a file (and its scene), or a file with empty event cells, says that
 * recording has no events. An optional header (`filename onset offset event_label`) says where
 * each column is. Every line names its recording, so the list is read per file name.
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { num } from './text'

export interface DcaseReadOptions {
  /** The one class of every event, for a list without a label column. */
  label?: string
}

/** Header names per column; the first cell of a header is one of FILE. */
const FILE = ['filename', 'file', 'audio_filename', 'audio_file', 'file_name']
const HEAD: Record<'scene' | 'onset' | 'offset' | 'label', string[]> = {
  scene: ['scene_label', 'scene'],
  onset: ['onset', 'event_onset'],
  offset: ['offset', 'event_offset'],
  label: ['event_label', 'label', 'event'],
}

/** A cell that names a file: not a number, and ending in an extension (`a001.wav`). */
const FILE_NAME = /^(?![-+\d.eE]+$).*\.[A-Za-z0-9]{2,5}$/
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/

const lines = (text: string) => text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
const isNumber = (c: string | undefined) => c !== undefined && NUMBER.test(c)

/** Column positions a header gives, or null when the line is not a DCASE header. */
function headerOf(line: string): { onset: number; offset: number; label: number } | null {
  const cells = line.split('\t').map((c) => c.trim().toLowerCase())
  if (!FILE.includes(cells[0])) return null
  const at = (names: string[]) => cells.findIndex((c) => names.includes(c))
  const onset = at(HEAD.onset)
  const offset = at(HEAD.offset)
  if (onset < 0 || offset < 0) return null
  return { onset, offset, label: at(HEAD.label) }
}

/** Where onset sits in a headerless line (after the file, or after file and scene); -1: none. */
function onsetOf(cells: readonly string[]): number {
  const order = cells.length >= 5 ? [2, 1] : [1, 2]
  return order.find((i) => isNumber(cells[i]) && isNumber(cells[i + 1])) ?? -1
}

/** True when `text` is a DCASE event list: a header, or lines that start with a file name. */
export function isDcase(text: string): boolean {
  const sample = lines(text)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .slice(0, 20)
  if (sample.length === 0) return false
  if (headerOf(sample[0])) return true
  const cells = sample.map((l) => l.split('\t'))
  return (
    cells.every((c) => FILE_NAME.test(c[0].trim())) &&
    cells.some((c) => c.length >= 3 && onsetOf(c) > 0)
  )
}

/** The events of each file the list names (names as written), files without events included. */
export function readDcaseByFile(
  text: string,
  file: string,
  options: DcaseReadOptions = {},
): Map<string, Segment[]> {
  const out = new Map<string, Segment[]>()
  const all = lines(text)
  const first = all.findIndex((l) => l.trim() !== '' && !l.startsWith('#'))
  const header = first >= 0 ? headerOf(all[first]) : null
  const oneClass = options.label?.trim()
  for (let i = header ? first + 1 : 0; i < all.length; i++) {
    const line = i + 1
    if (all[i].trim() === '' || all[i].startsWith('#')) continue
    const cells = all[i].split('\t')
    while (cells.length > 1 && cells[cells.length - 1].trim() === '') cells.pop()
    const name = cells[0].trim()
    if (name === '') throw new DataError(file, 'no file name in the first column', { line })
    const events = out.get(name) ?? []
    out.set(name, events)
    let onset: number, offset: number, labelAt: number
    if (header) {
      if (cells.length === 1) continue
      ;({ onset, offset, label: labelAt } = header)
    } else {
      // a file alone, or with its scene: a recording without events
      if (cells.length === 1 || (cells.length === 2 && !isNumber(cells[1]))) continue
      onset = onsetOf(cells)
      offset = onset + 1
      labelAt = onset + 2
      if (onset < 0)
        throw new DataError(
          file,
          `expected "file<TAB>onset<TAB>offset<TAB>label" (or a scene column after the file), found ${JSON.stringify(all[i].slice(0, 120))}`,
          { line },
        )
    }
    const start = num(cells[onset], file, line, 'onset')
    const end = num(cells[offset], file, line, 'offset')
    if (end < start) throw new DataError(file, `offset ${end} before onset ${start}`, { line })
    const label = (labelAt >= 0 ? cells[labelAt]?.trim() : '') || oneClass
    if (!label)
      throw new DataError(
        file,
        'no event label: name the one class with the label option (CLI --label NAME)',
        { line },
      )
    events.push({ start, end, label })
  }
  return out
}
