/**
 * The one list of media types Framewise reads: each file extension, the kind of media it holds
 * (an audio recording or a time series) and, for audio, the MIME type it is played as. Lists of
 * extensions elsewhere derive from this table.
 */

export type MediaKind = 'audio' | 'series'

export interface MediaType {
  kind: MediaKind
  /** MIME type for playback (audio only). */
  mime?: string
}

/** Lower-case extension, dot included → its media type. */
export const MEDIA_TYPES: Readonly<Record<string, MediaType>> = {
  '.wav': { kind: 'audio', mime: 'audio/wav' },
  '.wave': { kind: 'audio', mime: 'audio/wav' },
  '.aif': { kind: 'audio', mime: 'audio/aiff' },
  '.aiff': { kind: 'audio', mime: 'audio/aiff' },
  '.aifc': { kind: 'audio', mime: 'audio/aiff' },
  '.flac': { kind: 'audio', mime: 'audio/flac' },
  '.mp3': { kind: 'audio', mime: 'audio/mpeg' },
  '.ogg': { kind: 'audio', mime: 'audio/ogg' },
  '.oga': { kind: 'audio', mime: 'audio/ogg' },
  '.csv': { kind: 'series' },
  '.tsv': { kind: 'series' },
}

/**
 * Files Framewise writes beside recordings (predicted label tables, probabilities): CSV, but
 * never media. A plain `.txt` is not a series either: it is an Audacity label track.
 */
const NOT_MEDIA = /\.(labels|probs)\.csv$/i

/** The media type of `file` from its extension (any case), or null when it is none we read. */
export function mediaTypeOf(file: string): MediaType | null {
  const dot = file.lastIndexOf('.')
  if (dot < 0 || NOT_MEDIA.test(file)) return null
  return MEDIA_TYPES[file.slice(dot).toLowerCase()] ?? null
}

/** 'audio' or 'series' for a media file, from its extension; null for anything else. */
export function mediaKindOf(file: string): MediaKind | null {
  return mediaTypeOf(file)?.kind ?? null
}

/** The extensions of one kind, e.g. for a message listing what a folder may hold. */
export function extensionsOf(kind: MediaKind): string[] {
  return Object.keys(MEDIA_TYPES).filter((ext) => MEDIA_TYPES[ext].kind === kind)
}

/** MIME type of an audio file from its extension, or null when it is not one we play. */
export function audioMime(file: string): string | null {
  return mediaTypeOf(file)?.mime ?? null
}
