/** `framewise info` on a recording: format, length, metadata and warnings, as JSON. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { makeAiff, makeWav } from '../media/audio/testing'
import { info } from './info'

const dir = mkdtempSync(join(tmpdir(), 'fw-info-'))
const run = (file: string) => info.run({ positionals: [file], values: {} })

describe('framewise info <recording>', () => {
  it('a cut-off RIFX WAV with GUANO metadata: its format, what was read and why', async () => {
    const guano = 'GUANO|Version: 1.0\nSpecies Manual ID: EPTFUS\nLength: 0.01\n'
    const b = makeWav({
      bits: 24,
      rate: 250000,
      bigEndian: true,
      channels: [new Float64Array(2500)],
      chunks: [{ id: 'guan', body: Buffer.from(guano, 'utf8') }],
    })
    const file = join(dir, 'bat.wav')
    writeFileSync(file, b.subarray(0, b.length - 3 * 1250))
    expect(await run(file)).toEqual({
      file,
      format: 'wav',
      encoding: 'pcm',
      bitsPerSample: 24,
      validBits: 24,
      byteOrder: 'big-endian',
      sampleRate: 250000,
      channels: 1,
      frames: 1250,
      duration: 0.005,
      metadata: {
        'GUANO.GUANO|Version': '1.0',
        'GUANO.Species Manual ID': 'EPTFUS',
        'GUANO.Length': '0.01',
      },
      warnings: [
        'truncated: the data chunk claims 7500 bytes but only 3750 follow: read the 0.005 s that are there',
      ],
    })
  })

  it('an AIFF-C µ-law file', async () => {
    const file = join(dir, 'call.aifc')
    writeFileSync(
      file,
      makeAiff({ bits: 16, compression: 'ulaw', rate: 8000, channels: [[0xff, 0x80]] }),
    )
    expect(await run(file)).toMatchObject({
      format: 'aiff',
      encoding: 'ulaw',
      bitsPerSample: 8,
      sampleRate: 8000,
      frames: 2,
      warnings: [],
    })
  })

  it('a file that is not audio: one line naming it', async () => {
    const file = join(dir, 'fake.wav')
    writeFileSync(file, 'not a wav at all')
    const e = (await run(file).catch((x: unknown) => x)) as Error
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toBe(`${file}: not a valid WAV file (unexpected leading bytes) (at byte 0)`)
  })
})
