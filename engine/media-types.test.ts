/** The media-types table: lookups by extension, and every audio type is one media.ts can check. */
import { describe, expect, it } from 'vitest'
import { notAudioOf } from './media'
import { audioMime, MEDIA_TYPES, mediaTypeOf } from './media-types'

describe('media types', () => {
  it('reads the kind and MIME type from the extension, in any case', () => {
    expect(audioMime('/a/b/Song.WAV')).toBe('audio/wav')
    expect(audioMime('x.oga')).toBe('audio/ogg')
    expect(audioMime('imu.csv')).toBeNull()
    expect(audioMime('no-extension')).toBeNull()
    expect(audioMime('dir.wav/file')).toBeNull()
    expect(mediaTypeOf('imu.TSV')).toEqual({ kind: 'series' })
    expect(mediaTypeOf('notes.txt')).toBeNull()
  })

  it('gives every audio extension a MIME type whose signature media.ts knows', () => {
    for (const [ext, type] of Object.entries(MEDIA_TYPES)) {
      if (type.kind !== 'audio') continue
      expect(type.mime, ext).toBeTypeOf('string')
      expect(notAudioOf(type.mime!, Buffer.alloc(0)), ext).toBe('is empty')
    }
  })
})
