/**
 * A plain data folder as a dataset, without a project:
 *   <stem>.wav|flac|mp3|ogg  with labels in <stem>.txt (Audacity), <stem>.labels.csv,
 *                            <stem>.TextGrid, <stem>.labels.json or a Raven <stem>.*selections.txt
 *   <stem>.csv               a time series whose `label` column labels every row
 * Audio classes are the labels found plus 'background' for unlabelled frames; series classes
 * are the labels found. Files without labels are listed as skipped.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { DataError } from '../errors'
import { readLabels } from '../labels/formats'
import { readSeriesCsv, TIME_COLUMNS } from '../media/series/csv'
import type { ClassMap, DataFile } from './dataset'
import { mediaKindOf } from '../media/kinds'

export const BACKGROUND = 'background'

export interface DataFolder {
  kind: 'audio' | 'series'
  files: DataFile[]
  classes: ClassMap
  /** Numeric channels of the series files (the same in every file). */
  channels: string[] | null
  /** Media files without labels. */
  skipped: string[]
  /** What the CSV reader skipped in the series files (columns of text), one line each. */
  warnings: string[]
}

export interface DataFolderOptions {
  /** Rows per second of the series files that have no time column (`--rate`). */
  seriesRate?: number
  /** The tier of label files holding several (TextGrid, ELAN, JSON) to learn (`--tier`). */
  tier?: string
  /**
   * Also read the subfolders (any depth), naming files by their '/'-separated path under `dir`:
   * for a split by folder (`--group-by folder`, data/groups.ts).
   */
  recursive?: boolean
}

/** The label file of an audio file, if any (first match in the documented order). */
function labelFileOf(stem: string, names: Set<string>): string | undefined {
  const candidates = [
    `${stem}.txt`,
    `${stem}.labels.csv`,
    `${stem}.TextGrid`,
    `${stem}.textgrid`,
    `${stem}.labels.json`,
  ]
  const direct = candidates.find((c) => names.has(c))
  if (direct) return direct
  return [...names].find((n) => n.startsWith(`${stem}.`) && /selections?\.txt$/i.test(n))
}

export async function scanDataFolder(
  dir: string,
  options: DataFolderOptions = {},
): Promise<DataFolder> {
  const entries = await (
    options.recursive
      ? fs
          .readdir(dir, { recursive: true })
          .then((names) => names.map((n) => n.split(path.sep).join('/')))
      : fs.readdir(dir)
  ).catch((err: Error) => {
    throw new DataError(dir, `cannot read the folder (${err.message})`)
  })
  const names = new Set(entries)
  const audio = entries.filter((n) => mediaKindOf(n) === 'audio').sort()
  const series = entries.filter((n) => mediaKindOf(n) === 'series').sort()
  if (audio.length && series.length)
    throw new DataError(dir, 'the folder mixes audio and CSV time series; a model takes one kind')
  const files: DataFile[] = []
  const skipped: string[] = []
  const warnings: string[] = []
  const labels = new Set<string>()
  let channels: string[] | null = null

  if (audio.length) {
    for (const name of audio) {
      const stem = name.slice(0, -path.extname(name).length)
      const labelFile = labelFileOf(stem, names)
      if (!labelFile) {
        skipped.push(name)
        continue
      }
      const segments = await readLabels(path.join(dir, labelFile), { tier: options.tier })
      segments.forEach((s) => labels.add(s.label))
      files.push({ name, path: path.join(dir, name), labels: { kind: 'segments', segments } })
    }
    labels.delete(BACKGROUND)
    const classNames = [BACKGROUND, ...[...labels].sort()]
    if (files.length === 0)
      throw new DataError(
        dir,
        'no audio file has a label file next to it (<stem>.txt, .labels.csv, .TextGrid, .labels.json or a Raven selection table)',
      )
    return {
      kind: 'audio',
      files,
      classes: { names: classNames, background: BACKGROUND, ignore: [] },
      channels: null,
      skipped,
      warnings,
    }
  }

  for (const name of series) {
    const file = path.join(dir, name)
    const data = await readSeriesCsv(file, { sampleRate: options.seriesRate })
    warnings.push(...data.warnings)
    if (!data.labels) {
      skipped.push(name)
      continue
    }
    const these = data.channels.filter((c) => !TIME_COLUMNS.includes(c.toLowerCase()))
    if (channels && channels.join(',') !== these.join(','))
      throw new DataError(
        file,
        `has channels ${these.join(', ')}; the other files have ${channels.join(', ')}`,
      )
    channels = these
    data.labels.forEach((l) => labels.add(l))
    files.push({
      name,
      path: file,
      labels: { kind: 'rows', labels: data.labels },
      seriesRate: options.seriesRate,
    })
  }
  if (files.length === 0)
    throw new DataError(
      dir,
      'no labelled files: audio with label files, or CSV files with a label column',
    )
  return {
    kind: 'series',
    files,
    classes: { names: [...labels].sort(), background: null, ignore: [] },
    channels,
    skipped,
    warnings,
  }
}
