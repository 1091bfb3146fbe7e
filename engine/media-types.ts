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
  '.flac': { kind: 'audio', mime: 'audio/flac' },
  '.mp3': { kind: 'audio', mime: 'audio/mpeg' },
  '.ogg': { kind: 'audio', mime: 'audio/ogg' },
  '.oga': { kind: 'audio', mime: 'audio/ogg' },
  '.csv': { kind: 'series' },
  '.tsv': { kind: 'series' },
}

/** The media type of `file` from its extension (any case), or null when it is none we read. */
export function mediaTypeOf(file: string): MediaType | null {
  const dot = file.lastIndexOf('.')
  return dot < 0 ? null : (MEDIA_TYPES[file.slice(dot).toLowerCase()] ?? null)
}

/** MIME type of an audio file from its extension, or null when it is not one we play. */
export function audioMime(file: string): string | null {
  return mediaTypeOf(file)?.mime ?? null
}
