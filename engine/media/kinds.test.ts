/** The media-types table: lookups by extension, and every audio type is one media.ts can check. */
import { describe, expect, it } from 'vitest'
import { notAudioOf } from './playback'
import { audioMime, extensionsOf, MEDIA_TYPES, mediaKindOf, mediaTypeOf } from './kinds'
import { expandInputs } from '../infer/batch'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

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

  it('AIFF (.aif, .aiff, .aifc) plays as audio/aiff when it starts FORM … AIFF or AIFC', () => {
    for (const f of ['a.aif', 'b.AIFF', 'c.aifc']) expect(audioMime(f), f).toBe('audio/aiff')
    const form = (type: string) => Buffer.from(`FORM\0\0\0\x10${type}COMM`, 'latin1')
    expect(notAudioOf('audio/aiff', form('AIFF'))).toBeNull()
    expect(notAudioOf('audio/aiff', form('AIFC'))).toBeNull()
    expect(notAudioOf('audio/aiff', Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'))).toMatch(
      /does not hold AIFF audio \(it does not start with FORM … AIFF \(or AIFC\)\)/,
    )
    expect(notAudioOf('audio/wav', Buffer.from('RIFX\0\0\0\0WAVEfmt ', 'latin1'))).toBeNull()
  })

  it('the files Framewise writes beside recordings are not media, nor is a .txt label track', () => {
    expect(mediaKindOf('rec.labels.csv')).toBeNull()
    expect(mediaKindOf('rec.PROBS.csv')).toBeNull()
    expect(mediaKindOf('rec.txt')).toBeNull()
    expect(mediaKindOf('rec.Wave')).toBe('audio')
    expect(extensionsOf('series')).toEqual(['.csv', '.tsv'])
  })

  it('a folder given to predict yields the same files the one list names (.wave and .oga too)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fw-kinds-'))
    try {
      for (const n of [
        'a.wav',
        'b.WAVE',
        'c.oga',
        'd.flac',
        'e.csv',
        'e.labels.csv',
        'e.probs.csv',
        'notes.txt',
      ])
        writeFileSync(path.join(dir, n), '')
      expect((await expandInputs([dir], 'audio')).map((f) => path.basename(f))).toEqual([
        'a.wav',
        'b.WAVE',
        'c.oga',
        'd.flac',
      ])
      expect((await expandInputs([dir], 'series')).map((f) => path.basename(f))).toEqual(['e.csv'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
