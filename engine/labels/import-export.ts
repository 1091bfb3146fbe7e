/**
 * Label import/export for the UI, over the data pipeline's formats (labels/formats.ts): read a
 * file into plain segments for the renderer to apply as one undoable edit, and write the saved
 * labels of a media file in a chosen format.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { ApiError, type LabelFormatName, type Segment } from '../api'
import { assertWritable, openRegular } from '../io/input-files'
import { decodeAudio, sniffAudioFormat } from '../media/audio/decode'
import { readWavInfo } from '../media/audio/wav'
import { mediaKindOf } from '../media/kinds'
import { readSeriesCsv } from '../media/series/csv'
import { formatOfPath, LABEL_FORMAT_FILES, WRITABLE_LABEL_FORMATS } from './format-list'
import { formatByName, readLabelTiers, writeLabelTiers, type ReadLabelOptions } from './formats'
import { pickTier, type Tier } from './tiers'

/**
 * Every tier of a label file (format sniffed unless given), each sorted, with all their segments
 * carry (frequency bounds, channels, extra columns: a save keeps them); `segments` are those of
 * the tier `options.tier` names (default: the first exclusive one with labels, else the first
 * exclusive one), and the reader's notes.
 * `media` is the recording they are for: its sample rate and start time are looked up only when
 * the file needs them.
 */
export async function importLabelFile(
  file: string,
  format?: LabelFormatName,
  media?: string,
  options: Omit<ReadLabelOptions, 'note'> = {},
): Promise<{ tiers: Tier[]; segments: Segment[]; notes: string[] }> {
  const notes: string[] = []
  const { tier, ...rest } = options
  const read = await readLabelTiers(file, {
    ...rest,
    ...(format ? { format } : {}),
    ...(media ? { recording: recordingFacts(media) } : {}),
    note: (m) => notes.push(m),
  })
  const tiers = read.map((t) => ({
    ...t,
    segments: [...t.segments].sort((a, b) => a.start - b.start || a.end - b.end),
  }))
  let picked: Tier
  try {
    // a file's first tiers may be empty (an ELAN document's, a TextGrid's): the first labelled one
    picked =
      (tier === undefined && tiers.find((t) => t.kind === 'exclusive' && t.segments.length > 0)) ||
      pickTier(tiers, tier, file)
  } catch (err) {
    throw new ApiError('bad-input', (err as Error).message)
  }
  if (tiers.length > 1)
    notes.push(
      `${file}: ${tiers.length} tiers (${tiers.map((t) => `"${t.name}" ${t.kind}, ${t.segments.length} labelled`).join('; ')}); the labels are those of "${picked.name}"`,
    )
  return { tiers, segments: picked.segments, notes }
}

/** The recording's sample rate (from a WAV/AIFF header, else a decode) and series start date. */
function recordingFacts(media: string) {
  return {
    file: media,
    rate: async () => {
      if (mediaKindOf(media) !== 'audio') return undefined
      const format = await sniffAudioFormat(media)
      if (format === 'wav' || format === 'aiff') {
        const fh = await openRegular(media)
        try {
          return (await readWavInfo(fh, media, (await fh.stat()).size)).sampleRate
        } finally {
          await fh.close()
        }
      }
      return (await decodeAudio(media)).sourceSampleRate
    },
    // a series without dates has no start time to give (whatever else is wrong with it)
    timeOrigin: async () =>
      mediaKindOf(media) === 'series'
        ? (await readSeriesCsv(media).catch(() => null))?.startDate
        : undefined,
  }
}

/** The format named, else the one whose ending `file` has. */
export function exportFormat(file: string, format?: LabelFormatName): LabelFormatName {
  if (format) return format
  const byEnding = formatOfPath(file)
  if (!byEnding)
    throw new ApiError('bad-input', `${file}: name a format (the extension does not say which)`)
  if (!LABEL_FORMAT_FILES[byEnding.name].writable)
    throw new ApiError(
      'bad-input',
      `${file}: Framewise reads ${LABEL_FORMAT_FILES[byEnding.name].title} files but does not write them; choose one of ${WRITABLE_LABEL_FORMATS.join(', ')}`,
    )
  return byEnding.name
}

/**
 * Write `tiers` to `file`: all of them in a format of several tiers (TextGrid, ELAN, JSON) unless
 * `tier` names one, else the segments of tier `tier` (default: the first exclusive one). An
 * existing file is kept unless `overwrite`. Returns the number of segments written.
 */
export async function exportLabelFile(
  file: string,
  tiers: readonly Tier[],
  format: LabelFormatName,
  overwrite: boolean,
  tier?: string,
): Promise<number> {
  if (!formatByName(format)?.write)
    throw new ApiError('bad-input', `${format} is not a label format Framewise writes`)
  const existing = await assertWritable(file)
  if (existing && !overwrite)
    throw new ApiError('conflict', `${file}: already exists; choose another name or overwrite it`)
  const dir = await stat(path.dirname(file)).catch(() => null)
  if (!dir?.isDirectory()) throw new ApiError('bad-input', `${path.dirname(file)}: no such folder`)
  let count: number
  try {
    count =
      formatByName(format)?.writeTiers && tier === undefined
        ? tiers.reduce((n, t) => n + t.segments.length, 0)
        : pickTier(tiers, tier, file).segments.length
  } catch (err) {
    throw new ApiError('bad-input', (err as Error).message)
  }
  await writeLabelTiers(file, tiers, format, tier)
  return count
}
