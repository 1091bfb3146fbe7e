import { execFileSync } from 'node:child_process'
import {
  mkdtempSync,
  writeFileSync,
  openSync,
  ftruncateSync,
  closeSync,
  readFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../../errors'
import { decodeAudio, oggCodec } from './decode'
import { makeWav, sine } from './testing'
import { hasTool } from '../../testing/tools'

const dir = mkdtempSync(join(tmpdir(), 'fw-decode-'))
const put = (name: string, b: Buffer) => {
  const p = join(dir, name)
  writeFileSync(p, b)
  return p
}
const hasSox = hasTool('sox', 'sox', ['--version'], 'apt-get install sox')

describe('decodeAudio: WAV', () => {
  const left = sine(1000, 440, 8000, 0.5)
  const right = sine(1000, 440, 8000, -0.25)
  const cases = [
    { name: 'pcm8', bits: 8, tol: 1 / 128 },
    { name: 'pcm16', bits: 16, tol: 1 / 32768 },
    { name: 'pcm24', bits: 24, tol: 1 / 2 ** 23 },
    { name: 'pcm32', bits: 32, tol: 1 / 2 ** 31 },
    { name: 'float32', bits: 32, code: 3, tol: 1e-7 },
    { name: 'float64', bits: 64, code: 3, tol: 1e-7 },
    { name: 'ext24', bits: 24, code: 0xfffe, sub: 1, tol: 1 / 2 ** 23 },
    { name: 'extfloat', bits: 32, code: 0xfffe, sub: 3, tol: 1e-7 },
  ]
  for (const c of cases) {
    it(`${c.name}: mixes stereo to mono and picks a channel`, async () => {
      const p = put(`${c.name}.wav`, makeWav({ ...c, rate: 8000, channels: [left, right] }))
      const mix = await decodeAudio(p)
      expect(mix.sampleRate).toBe(8000)
      expect(mix.channels).toBe(2)
      expect(mix.samples.length).toBe(1000)
      let err = 0
      for (let i = 0; i < 1000; i++)
        err = Math.max(err, Math.abs(mix.samples[i] - (left[i] + right[i]) / 2))
      expect(err).toBeLessThanOrEqual(c.tol * 1.01 + 1e-7)
      const r = await decodeAudio(p, { channel: 1 })
      expect(r.samples[2]).toBeCloseTo(right[2], c.bits === 8 ? 2 : c.bits === 16 ? 4 : 5)
    })
  }

  it('resamples to the requested rate', async () => {
    const p = put('r.wav', makeWav({ bits: 16, rate: 44100, channels: [sine(44100, 1000, 44100)] }))
    const a = await decodeAudio(p, { sampleRate: 16000 })
    expect(a.samples.length).toBe(16000)
    expect(a.sourceSampleRate).toBe(44100)
    expect(a.samples[4000]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 1000 * 4000) / 16000), 3)
  })
})

describe('decodeAudio: bad WAV files', () => {
  const good = () => makeWav({ bits: 16, rate: 8000, channels: [sine(100, 440, 8000)] })
  const expectDataError = async (p: string, re: RegExp) => {
    const e = await decodeAudio(p).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toMatch(re)
    expect(e.message.startsWith(p)).toBe(true)
  }
  it('refuses a non-RIFF file with a .wav name', () =>
    expectDataError(put('x.wav', Buffer.from('hello world, not audio')), /not a valid WAV/))
  it('says what a file with an audio name is instead, when that can be told', async () => {
    await expectDataError(
      put('labels.wav', Buffer.from('start,end,label\n0,1,a\n')),
      /not a valid WAV file \(unexpected leading bytes\): it looks like a table with columns "start", "end", "label" \(at byte 0\)$/,
    )
    await expectDataError(
      put('notes.xyz', Buffer.from('<?xml version="1.0"?><Sequences/>')),
      /unsupported audio format: it looks like XML with root element <Sequences> \(WAV, AIFF, FLAC, MP3 and OGG are supported\) \(at byte 0\)$/,
    )
  })
  it('refuses a header cut off before the data', () =>
    expectDataError(put('cut.wav', good().subarray(0, 30)), /truncated/))
  it('reads a data chunk that claims more bytes than follow, and says so', async () => {
    const p = put(
      'lie.wav',
      makeWav({ bits: 16, rate: 8000, channels: [sine(100, 1, 8000)], dataSizeField: 10_000 }),
    )
    const a = await decodeAudio(p)
    expect(a.samples.length).toBe(100)
    expect(a.warnings).toEqual([
      'truncated: the data chunk claims 10000 bytes but only 200 follow: read the 0.013 s that are there',
    ])
  })
  it('refuses 0-length data', () =>
    expectDataError(
      put('empty.wav', makeWav({ bits: 16, rate: 8000, channels: [[]] })),
      /data chunk is empty/,
    ))
  it('refuses an unsupported codec by name', () =>
    expectDataError(
      put('adpcm.wav', makeWav({ code: 2, bits: 16, rate: 8000, channels: [sine(10, 1, 8000)] })),
      /unsupported WAV codec 0x0002 \(MS ADPCM\)/,
    ))
  it('refuses an empty file', () => expectDataError(put('zero.wav', Buffer.alloc(0)), /empty file/))
  it('refuses a several-GB WAV before allocating (sparse file)', async () => {
    const p = put(
      'huge.wav',
      makeWav({ bits: 16, rate: 8000, channels: [[0]], dataSizeField: 0xfffffff0 }),
    )
    const fd = openSync(p, 'r+')
    ftruncateSync(fd, 0xfffffff0 + 100) // sparse: no GBs written
    closeSync(fd)
    await expectDataError(p, /too long: 2147483640 samples exceed the limit of 536870912/)
  })
  it('refuses a several-GB compressed file by size (sparse file)', async () => {
    const p = put('huge.mp3', Buffer.from('ID3\x03\0\0\0\0\0\0', 'latin1'))
    const fd = openSync(p, 'r+')
    ftruncateSync(fd, 3 * 2 ** 30)
    closeSync(fd)
    await expectDataError(p, /too large: 3221225472 bytes/)
  })
  it('names a NIST SPHERE file (TIMIT) for what it is, with how to convert it', () =>
    expectDataError(
      put('SA1.WAV', Buffer.from('NIST_1A\n   1024\nsample_rate -i 16000\nend_head\n')),
      /a NIST SPHERE file .*not a RIFF WAV: convert it with sox \(sox -t sph in.WAV out.wav\)/,
    ))
  it('refuses a file with an unknown extension and magic', () =>
    expectDataError(put('a.xyz', Buffer.from('0123456789abcdef')), /unsupported audio format/))
})

describe.skipIf(!hasSox)('decodeAudio: FLAC and OGG via audio-decode', () => {
  const expectDataError = async (p: string, re: RegExp) => {
    const e = await decodeAudio(p).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toMatch(re)
    expect(e.message.startsWith(p)).toBe(true)
  }
  for (const ext of ['flac', 'ogg']) {
    it(`${ext}: decodes a 440 Hz tone at the right rate and length`, async () => {
      const p = join(dir, `tone.${ext}`)
      execFileSync('sox', [
        '-n',
        '-r',
        '22050',
        '-c',
        '2',
        p,
        'synth',
        '0.5',
        'sine',
        '440',
        'vol',
        '0.5',
      ])
      const a = await decodeAudio(p)
      expect(a.format).toBe(ext)
      expect(a.sampleRate).toBe(22050)
      expect(a.channels).toBe(2)
      expect(Math.abs(a.samples.length - 11025)).toBeLessThan(ext === 'ogg' ? 1100 : 1)
      let peak = 0
      for (let i = 2000; i < 9000; i++) peak = Math.max(peak, Math.abs(a.samples[i]))
      expect(peak).toBeGreaterThan(0.45)
      expect(peak).toBeLessThan(0.55)
    })
  }
  it('routes Ogg Opus to the Opus decoder and Ogg Vorbis to Vorbis', async () => {
    expect(await oggCodec(join(dir, 'tone.ogg'))).toBe('oga')
    const fake = join(dir, 'fake.opus.ogg')
    writeFileSync(
      fake,
      Buffer.concat([
        Buffer.from('OggS', 'latin1'),
        Buffer.alloc(24),
        Buffer.from('OpusHead', 'latin1'),
      ]),
    )
    expect(await oggCodec(fake)).toBe('opus')
    await expect(decodeAudio(fake)).rejects.toBeInstanceOf(DataError)
  })
  it('a long FLAC with tags after its frames decodes to its exact sample count', async () => {
    // 31 minutes at 22.05 kHz: the last frame holds 41013000 mod 4096 = 3848 samples, which an
    // ID3v1 or APE tag after it used to cost (1859.83 s instead of 1860).
    const plain = join(dir, 'long.flac')
    execFileSync('sox', [
      '-D',
      '-n',
      '-r',
      '22050',
      '-b',
      '16',
      '-c',
      '1',
      plain,
      'trim',
      '0',
      '1860',
    ])
    const frames = readFileSync(plain)
    const id3v1 = Buffer.concat([Buffer.from('TAG', 'latin1'), Buffer.alloc(125)])
    const apeFooter = Buffer.alloc(32)
    apeFooter.write('APETAGEX', 0, 'latin1')
    apeFooter.writeUInt32LE(2000, 8)
    apeFooter.writeUInt32LE(32 + 10, 12) // items (10 bytes) + this footer
    const ape = Buffer.concat([Buffer.alloc(10, 0x41), apeFooter])
    for (const [name, tail] of [
      ['id3v1', id3v1],
      ['ape+id3v1', Buffer.concat([ape, id3v1])],
    ] as const) {
      const p = put(`long-${name}.flac`, Buffer.concat([frames, tail]))
      const a = await decodeAudio(p)
      expect(a.samples.length, name).toBe(22050 * 1860)
      expect(a.warnings).toEqual([])
    }
  }, 60_000)
  it('a FLAC frame header at the edge of a 256 kB block of bytes loses no frame', async () => {
    const p = join(dir, 'edge.flac')
    execFileSync('sox', [
      '-D',
      '-n',
      '-r',
      '22050',
      '-b',
      '16',
      '-c',
      '1',
      p,
      'synth',
      '60',
      'sine',
      '440',
    ])
    const b = readFileSync(p)
    const reference = await decodeAudio(p)
    // Frame headers: sync 0xFFF8/9, block size and rate codes sox uses (4096, 22.05 kHz: no
    // extra bytes), a UTF-8 frame number, then a CRC-8 (polynomial 0x07) of the header.
    const crc8 = (x: Buffer) => {
      let c = 0
      for (const byte of x) {
        c ^= byte
        for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 7) & 0xff : (c << 1) & 0xff
      }
      return c
    }
    const isHeader = (q: number) => {
      if (b[q] !== 0xff || (b[q + 1] & 0xfe) !== 0xf8) return false
      const c = b[q + 4]
      const n = 5 + (c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3)
      return crc8(b.subarray(q, q + n)) === b[q + n]
    }
    const edge = 1 << 18
    let h = edge - 8
    while (!isHeader(h)) h--
    // A PADDING block after STREAMINFO moves that header to start 3 bytes before the edge.
    const pad = edge - 3 - h - 4
    const streaminfo = Buffer.from(b.subarray(4, 42))
    const last = streaminfo[0] & 0x80
    streaminfo[0] &= 0x7f
    const padding = Buffer.alloc(4 + pad)
    padding.writeUInt32BE(pad, 0)
    padding[0] = last | 1
    const moved = Buffer.concat([b.subarray(0, 4), streaminfo, padding, b.subarray(42)])
    expect(moved[edge - 3]).toBe(0xff)
    const a = await decodeAudio(put('edge-moved.flac', moved))
    expect(a.samples.length).toBe(22050 * 60)
    expect(reference.samples.length).toBe(22050 * 60)
    let differ = 0
    for (let i = 0; i < a.samples.length; i++) if (a.samples[i] !== reference.samples[i]) differ++
    expect(differ).toBe(0)
  })
  it('warns when the decoded length differs from STREAMINFO', async () => {
    const p = join(dir, 'short.flac')
    execFileSync('sox', ['-n', '-r', '8000', '-b', '16', '-c', '1', p, 'trim', '0', '1'])
    const b = readFileSync(p)
    b.writeUInt32BE(8000 + 80, 22) // STREAMINFO's total samples (low 32 bits)
    const a = await decodeAudio(put('lying.flac', b))
    expect(a.samples.length).toBe(8000)
    expect(a.warnings).toEqual([
      'STREAMINFO says 8080 samples (1.01 s) but 8000 (1 s) could be decoded',
    ])
  })
  it('refuses a FLAC whose STREAMINFO contradicts its frames, or that has none (as libFLAC does)', async () => {
    const p = join(dir, 'mono16.flac')
    execFileSync('sox', [
      '-n',
      '-r',
      '8000',
      '-b',
      '16',
      '-c',
      '1',
      p,
      'synth',
      '0.2',
      'sine',
      '440',
    ])
    const b = readFileSync(p)
    expect((await decodeAudio(p)).samples.length).toBe(1600)
    // STREAMINFO byte 20: 3 bits channels-1, then the top bit of bits-1; byte 21: its low 4 bits
    const deeper = Buffer.from(b)
    deeper[20] |= 1 // bits − 1 = 23 = 0b1_0111
    deeper[21] = (deeper[21] & 0x0f) | 0x70
    await expectDataError(
      put('deeper.flac', deeper),
      /: STREAMINFO says 24-bit samples, its frames 16-bit \(the FLAC header is damaged\): re-encode it with flac$/,
    )
    const wider = Buffer.from(b)
    wider[20] = (wider[20] & 0xf1) | (4 << 1)
    await expectDataError(put('wider.flac', wider), /STREAMINFO says 5 channels, its frames 1 /)
    const noInfo = Buffer.from(b)
    noInfo[4] = (noInfo[4] & 0x80) | 4 // the first block becomes a VORBIS_COMMENT
    await expectDataError(put('noinfo.flac', noInfo), /no STREAMINFO block after "fLaC"/)
  })
  it('refuses a FLAC stream that starts at a frame (no "fLaC", no STREAMINFO), never taking it for MP3', async () => {
    const b = readFileSync(join(dir, 'mono16.flac'))
    let at = 4
    for (let last = false; !last; at += 4 + b.readUIntBE(at + 1, 3)) last = (b[at] & 0x80) !== 0
    expect(b[at]).toBe(0xff)
    await expectDataError(put('headless.flac', b.subarray(at)), /without its "fLaC" header/)
    await expectDataError(put('headless.mp3', b.subarray(at)), /without its "fLaC" header/)
  })
  it('reports a corrupt FLAC body as a DataError', async () => {
    const p = join(dir, 'bad.flac')
    writeFileSync(p, Buffer.concat([Buffer.from('fLaC', 'latin1'), Buffer.alloc(200, 7)]))
    const e = await decodeAudio(p).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
  })
})

const hasLame = hasTool('lame', 'lame', ['--version'], 'apt-get install lame')

describe.skipIf(!hasLame)('decodeAudio: MP3 encoder padding', () => {
  // A 10 ms 1 kHz burst at sample 4000 of 1 s of silence; after decoding it must still start there.
  const x = new Float64Array(16000)
  for (let i = 4000; i < 4160; i++) x[i] = 0.8 * Math.sin((2 * Math.PI * 1000 * (i - 4000)) / 16000)
  const wav = put('burst.wav', makeWav({ bits: 16, rate: 16000, channels: [x] }))
  const onset = (s: Float32Array) => s.findIndex((v) => Math.abs(v) > 0.05)
  it('with a LAME header (decoder trims): onset stays at 4000 ± 2 and length ≈ 16000', async () => {
    const p = join(dir, 'tagged.mp3')
    execFileSync('lame', ['--quiet', '-b', '64', wav, p])
    const a = await decodeAudio(p)
    expect(Math.abs(onset(a.samples) - 4001)).toBeLessThanOrEqual(2)
    expect(Math.abs(a.samples.length - 16000)).toBeLessThanOrEqual(1152)
  })
  it('without a header: we drop 1105 samples, onset at 4000 ± 2', async () => {
    const p = join(dir, 'untagged.mp3')
    execFileSync('lame', ['--quiet', '-t', '-b', '64', wav, p])
    const a = await decodeAudio(p)
    expect(Math.abs(onset(a.samples) - 4001)).toBeLessThanOrEqual(2)
  })
})
