/**
 * Label import/export for the UI, over the data pipeline's formats (labels/formats.ts): read a
 * file into plain segments for the renderer to apply as one undoable edit, and write the saved
 * labels of a media file in a chosen format.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { ApiError, type LabelFormatName, type Segment } from '../api'
import { assertWritable } from '../io/input-files'
import { formatOfPath } from './format-list'
import { formatByName, readLabels, writeLabels } from './formats'

/** Segments of a label file (format sniffed unless given), reduced to start/end/label, sorted. */
export async function importLabelFile(file: string, format?: LabelFormatName): Promise<Segment[]> {
  const read = await readLabels(file, format ? { format } : {})
  return read
    .map((s) => ({ start: s.start, end: s.end, label: s.label }))
    .sort((a, b) => a.start - b.start || a.end - b.end)
}

/** The format named, else the one whose ending `file` has. */
export function exportFormat(file: string, format?: LabelFormatName): LabelFormatName {
  if (format) return format
  const byEnding = formatOfPath(file)
  if (!byEnding)
    throw new ApiError('bad-input', `${file}: name a format (the extension does not say which)`)
  return byEnding.name
}

/** Write `segments` to `file`; an existing file is kept unless `overwrite`. */
export async function exportLabelFile(
  file: string,
  segments: readonly Segment[],
  format: LabelFormatName,
  overwrite: boolean,
): Promise<void> {
  if (!formatByName(format)) throw new ApiError('bad-input', `unknown label format ${format}`)
  const existing = await assertWritable(file)
  if (existing && !overwrite)
    throw new ApiError('conflict', `${file}: already exists; choose another name or overwrite it`)
  const dir = await stat(path.dirname(file)).catch(() => null)
  if (!dir?.isDirectory()) throw new ApiError('bad-input', `${path.dirname(file)}: no such folder`)
  await writeLabels(file, segments, format)
}
