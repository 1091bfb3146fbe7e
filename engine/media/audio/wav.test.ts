/**
 * WAV and AIFF as recorders write them: every PCM depth in both byte orders, float, G.711,
 * AIFF/AIFF-C, cut-off and unsized data chunks, RF64 and metadata chunks — each read exactly,
 * by the whole-file reader, the feature workers' slice reader and the header probe alike.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../../errors'
import { probeMedia } from '../../project/probe'
import { hasTool } from '../../testing/tools'
import { readExtended } from './aiff'
import { decodeAudio } from './decode'
import { ALAW, ULAW } from './g711'
import { extended80, makeAiff, makeWav, type AiffSpec, type WavSpec } from './testing'
import { readWav, readWavRangeSync } from './wav'

const dir = mkdtempSync(join(tmpdir(), 'fw-wav-'))
let serial = 0
const put = (name: string, b: Buffer) => {
  const p = join(dir, `${serial++}-${name}`)
  writeFileSync(p, b)
  return p
}
const hasSox = hasTool('sox', 'sox', ['--version'], 'apt-get install sox')

/** Integer sample values k (|k| ≤ 2^(bits−1)) that a double holds exactly. */
function exactInts(bits: number): number[] {
  const max = 2 ** (bits - 1)
  if (bits === 1) return [-1, 0]
  return [-max, -max / 2, 0, 1, max / 2, max - 2 ** Math.max(0, bits - 53)]
}

/** Channel 1 as read whole, as the workers read a slice of it, and the header's duration. */
async function readEveryWay(p: string) {
  const whole = await readWav(p, { channel: 1 })
  const fd = openSync(p, 'r')
  let slice: Float32Array
  try {
    slice = readWavRangeSync(fd, p, whole.info, 1, 1, whole.info.frames).slice()
  } finally {
    closeSync(fd)
  }
  const probe = await probeMedia(p, 'audio', join(dir, 'peaks'))
  return { ...whole, slice, probe }
}

describe('WAV PCM of every depth, both byte orders', () => {
  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'RIFX' : 'RIFF'}: 1–64 bits read exactly as k / 2^(bits−1)`, async () => {
      for (let bits = 1; bits <= 64; bits++) {
        const ks = exactInts(bits)
        const max = 2 ** (bits - 1)
        const values = ks.map((k) => k / max)
        const spec: WavSpec = {
          code: 1,
          bits,
          rate: 8000,
          bigEndian,
          channels: [values.map(() => 0), values],
        }
        const { samples, info, slice, probe } = await readEveryWay(put('pcm.wav', makeWav(spec)))
        const want = Float32Array.from(values)
        expect([bits, info.bitsPerSample, info.validBits]).toEqual([
          bits,
          Math.ceil(bits / 8) * 8,
          bits,
        ])
        expect(info.bigEndian).toBe(bigEndian)
        expect(info.unsigned).toBe(bits <= 8)
        expect(Array.from(samples), `${bits} bits`).toEqual(Array.from(want))
        expect(Array.from(slice), `${bits} bits, slice`).toEqual(Array.from(want.subarray(1)))
        expect(probe).toEqual({ duration: values.length / 8000, warnings: [] })
      }
    })
  }

  it('8-bit PCM is unsigned: bytes 0, 128, 255 are −1, 0, 127/128', async () => {
    const b = makeWav({ bits: 8, rate: 8000, channels: [[-1, 0, 127 / 128]] })
    expect(Array.from(b.subarray(b.length - 4, b.length - 1))).toEqual([0, 128, 255]) // then a pad byte
    const a = await decodeAudio(put('u8.wav', b))
    expect(Array.from(a.samples)).toEqual([-1, 0, 127 / 128])
  })

  it('extensible 20 valid bits in 24: left-justified, read as k / 2^19', async () => {
    const ks = [-(2 ** 19), -3, 0, 5, 2 ** 19 - 1]
    const values = ks.map((k) => k / 2 ** 19)
    const spec: WavSpec = {
      code: 0xfffe,
      sub: 1,
      bits: 24,
      validBits: 20,
      rate: 8000,
      channels: [values],
    }
    const b = makeWav(spec)
    // The low 4 bits of every 24-bit container are zero: 5 · 16 = 0x50.
    expect(b.readIntLE(b.length - 1 - 6, 3)).toBe(5 * 16) // (the chunk ends in a pad byte)
    const { samples, info } = await readWav(put('v20.wav', b))
    expect([info.bitsPerSample, info.validBits]).toEqual([24, 20])
    expect(Array.from(samples)).toEqual(values)
  })

  it('refuses a block alignment that does not fit the channels and sample size', async () => {
    const b = makeWav({ bits: 24, rate: 8000, channels: [[0], [0], [0]] })
    b.writeUInt16LE(4, 12 + 8 + 12) // fmt body starts at 20: block align at +12
    const e = await decodeAudio(put('odd.wav', b)).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toMatch(/3 × 24-bit samples is 9 bytes, but the block alignment says 4/)
  })
})

describe('WAV IEEE float and G.711', () => {
  for (const bigEndian of [false, true]) {
    for (const bits of [32, 64]) {
      it(`float${bits} ${bigEndian ? 'big' : 'little'}-endian`, async () => {
        const values = [0.1, -1, 1, 0, -0.333, 1e-30]
        const a = await decodeAudio(
          put('f.wav', makeWav({ code: 3, bits, rate: 16000, bigEndian, channels: [values] })),
        )
        expect(Array.from(a.samples)).toEqual(Array.from(Float32Array.from(values)))
      })
    }
  }

  it('µ-law and A-law decode through the G.711 tables (exact values)', async () => {
    expect(
      [ULAW[0x00], ULAW[0x7f], ULAW[0x80], ULAW[0xff], ULAW[0x70]].map((v) => v * 32768),
    ).toEqual([-32124, 0, 32124, 0, -120])
    expect(
      [ALAW[0xd5], ALAW[0x55], ALAW[0x2a], ALAW[0xaa], ALAW[0x00]].map((v) => v * 32768),
    ).toEqual([8, -8, -32256, 32256, -5504])
    const codes = Array.from({ length: 256 }, (_, i) => i)
    for (const [code, table] of [
      [7, ULAW],
      [6, ALAW],
    ] as const) {
      const spec: WavSpec = {
        code,
        bits: 8,
        rate: 8000,
        bigEndian: code === 6,
        channels: [codes, codes],
      }
      const { samples, slice, info } = await readEveryWay(put('g711.wav', makeWav(spec)))
      expect(info.encoding).toBe(code === 7 ? 'ulaw' : 'alaw')
      expect(Array.from(samples)).toEqual(Array.from(table))
      expect(Array.from(slice)).toEqual(Array.from(table.subarray(1)))
    }
  })

  it.skipIf(!hasSox)('µ-law and A-law agree with sox on all 256 codes', async () => {
    const codes = Array.from({ length: 256 }, (_, i) => i)
    for (const code of [6, 7]) {
      const p = put('g711-sox.wav', makeWav({ code, bits: 8, rate: 8000, channels: [codes] }))
      const raw = execFileSync('sox', [p, '-t', 'raw', '-e', 'signed', '-b', '16', '-L', '-'])
      const sox = Array.from({ length: 256 }, (_, i) => raw.readInt16LE(2 * i) / 32768)
      expect(Array.from((await decodeAudio(p)).samples)).toEqual(sox)
    }
  })
})

describe('AIFF and AIFF-C', () => {
  it('reads the 80-bit extended sample rate', () => {
    for (const rate of [8000, 11025, 22050, 44100, 48000, 96000, 192000, 250000])
      expect(readExtended(extended80(rate), 0)).toBe(rate)
    // 44100 as Apple writes it: 400E AC44 0000 0000 0000.
    expect(extended80(44100).toString('hex')).toBe('400eac44000000000000')
  })

  const cases: {
    name: string
    spec: Omit<AiffSpec, 'channels' | 'rate'>
    ks: number[]
    div: number
  }[] = [
    { name: 'AIFF 16-bit', spec: { bits: 16 }, ks: [-32768, -1, 0, 1, 32767], div: 2 ** 15 },
    { name: 'AIFF 8-bit (signed)', spec: { bits: 8 }, ks: [-128, -1, 0, 1, 127], div: 2 ** 7 },
    { name: 'AIFF 12-bit', spec: { bits: 12 }, ks: [-2048, -1, 0, 1, 2047], div: 2 ** 11 },
    {
      name: 'AIFF 24-bit',
      spec: { bits: 24 },
      ks: [-(2 ** 23), -1, 0, 1, 2 ** 23 - 1],
      div: 2 ** 23,
    },
    {
      name: 'AIFF 32-bit',
      spec: { bits: 32 },
      ks: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1],
      div: 2 ** 31,
    },
    {
      name: 'AIFF-C NONE',
      spec: { bits: 16, compression: 'NONE' },
      ks: [-32768, 3, 32767],
      div: 2 ** 15,
    },
    {
      name: 'AIFF-C sowt',
      spec: { bits: 16, compression: 'sowt' },
      ks: [-32768, 3, 32767],
      div: 2 ** 15,
    },
    {
      name: 'AIFF-C sowt 24',
      spec: { bits: 24, compression: 'sowt' },
      ks: [-(2 ** 23), 3],
      div: 2 ** 23,
    },
    { name: 'AIFF-C raw', spec: { bits: 8, compression: 'raw ' }, ks: [-128, 0, 127], div: 2 ** 7 },
  ]
  for (const c of cases) {
    it(`${c.name}: values k / 2^(bits−1), header duration agrees`, async () => {
      const values = c.ks.map((k) => k / c.div)
      const b = makeAiff({ ...c.spec, rate: 22050, channels: [values.map(() => 0), values] })
      const { samples, slice, probe, info } = await readEveryWay(put('a.aiff', b))
      expect(info.container).toBe('aiff')
      const want = Array.from(Float32Array.from(values))
      expect(Array.from(samples)).toEqual(want)
      expect(Array.from(slice)).toEqual(want.slice(1))
      expect(probe).toEqual({ duration: values.length / 22050, warnings: [] })
    })
  }

  it('AIFF-C fl32, fl64, ulaw and alaw', async () => {
    const values = [0.1, -1, 0.5, 0]
    for (const compression of ['fl32', 'fl64'] as const) {
      const a = await decodeAudio(
        put(
          'f.aifc',
          makeAiff({
            bits: compression === 'fl32' ? 32 : 64,
            compression,
            rate: 8000,
            channels: [values],
          }),
        ),
      )
      expect([a.format, a.sourceSampleRate]).toEqual(['aiff', 8000])
      expect(Array.from(a.samples)).toEqual(Array.from(Float32Array.from(values)))
    }
    const codes = [0, 0x55, 0x80, 0xff]
    for (const [compression, table] of [
      ['ulaw', ULAW],
      ['alaw', ALAW],
    ] as const) {
      // AIFF-C's COMM gives 16 bits (the decoded size) for G.711; the data is one byte a sample.
      const a = await decodeAudio(
        put('g.aifc', makeAiff({ bits: 16, compression, rate: 8000, channels: [codes] })),
      )
      expect(Array.from(a.samples)).toEqual(codes.map((c) => table[c]))
    }
  })

  it('refuses a compressed AIFF-C by its compression type', async () => {
    const p = put(
      'ima.aifc',
      makeAiff({ bits: 16, compression: 'ima4', rate: 8000, channels: [[0]] }),
    )
    const e = await decodeAudio(p).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toMatch(/unsupported AIFF-C compression 'ima4'/)
  })

  it.skipIf(!hasSox)(
    'reads AIFF and AIFF-C files that sox writes exactly as sox reads them',
    async () => {
      for (const [ext, args] of [
        ['aiff', ['-b', '16']],
        ['aiff', ['-b', '24']],
        ['aifc', ['-b', '16']],
      ] as const) {
        const p = join(dir, `sox-${serial++}.${ext}`)
        execFileSync('sox', [
          '-n',
          '-r',
          '44100',
          '-c',
          '2',
          ...args,
          p,
          'synth',
          '0.2',
          'sine',
          '440',
          'sine',
          '660',
        ])
        const raw = execFileSync('sox', [
          p,
          '-t',
          'raw',
          '-e',
          'floating-point',
          '-b',
          '32',
          '-L',
          '-',
        ])
        const sox = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4)
        const { samples, info } = await readWav(p, { channel: 1 })
        expect([info.sampleRate, info.channels, info.frames]).toEqual([44100, 2, 8820])
        expect(Array.from(samples)).toEqual(Array.from(sox.filter((_, i) => i % 2 === 1)))
      }
    },
  )
})

describe('data chunks a recorder did not finish: read what is there and warn', () => {
  const tone = Array.from({ length: 100 }, (_, i) => (i - 50) / 64)
  const good = () => makeWav({ bits: 16, rate: 8000, channels: [tone] })

  it('a data chunk that claims more than the file holds', async () => {
    const b = makeWav({ bits: 16, rate: 8000, channels: [tone], dataSizeField: 10_000 })
    const p = put('cut.wav', b.subarray(0, b.length - 41)) // 79.5 frames left: 79 read
    const a = await decodeAudio(p)
    expect(Array.from(a.samples)).toEqual(tone.slice(0, 79))
    const warning =
      'truncated: the data chunk claims 10000 bytes but only 159 follow: read the 0.01 s that are there'
    expect(a.warnings).toEqual([warning])
    expect(await probeMedia(p, 'audio', dir)).toEqual({ duration: 79 / 8000, warnings: [warning] })
  })

  for (const [field, said] of [
    [0, "the data chunk's size is 0"],
    [0xffffffff, "the data chunk's size is unset (0xFFFFFFFF"],
  ] as const) {
    it(`a data size of 0x${field.toString(16)}: read to the end of the file`, async () => {
      const p = put(
        'unsized.wav',
        makeWav({ bits: 16, rate: 8000, channels: [tone], dataSizeField: field }),
      )
      const a = await decodeAudio(p)
      expect(Array.from(a.samples)).toEqual(tone)
      expect(a.warnings).toHaveLength(1)
      expect(a.warnings[0]).toContain(said)
      expect(a.warnings[0]).toMatch(/read the 0\.013 s that are there$/)
      expect((await probeMedia(p, 'audio', dir)).duration).toBe(100 / 8000)
    })
  }

  it('a well-formed file has no warnings', async () => {
    expect((await decodeAudio(put('ok.wav', good()))).warnings).toEqual([])
  })

  it('an AIFF cut off inside SSND, and one whose COMM frame count is 0', async () => {
    const b = makeAiff({ bits: 16, rate: 8000, channels: [tone] })
    const cut = await decodeAudio(put('cut.aiff', b.subarray(0, b.length - 100)))
    expect(Array.from(cut.samples)).toEqual(tone.slice(0, 50))
    expect(cut.warnings).toEqual([
      'truncated: the SSND chunk claims 200 bytes of samples but only 100 follow: read the 0.006 s that are there',
    ])
    const zero = await decodeAudio(
      put('zero.aiff', makeAiff({ bits: 16, rate: 8000, channels: [tone], commFrames: 0 })),
    )
    expect(Array.from(zero.samples)).toEqual(tone)
    expect(zero.warnings[0]).toMatch(/frame count is 0 .*: read the 0\.013 s/)
  })
})

describe('RF64', () => {
  it('reads the sizes from ds64 (data and RIFF size fields 0xFFFFFFFF)', async () => {
    const values = [0.5, -0.25, 0.125]
    const b = makeWav({ bits: 24, rate: 48000, rf64: true, channels: [values, values] })
    expect(b.toString('latin1', 0, 4)).toBe('RF64')
    const { samples, slice, probe } = await readEveryWay(put('rf.wav', b))
    expect(Array.from(samples)).toEqual(values)
    expect(Array.from(slice)).toEqual(values.slice(1))
    expect(probe).toEqual({ duration: 3 / 48000, warnings: [] })
  })

  it('a data size over 4 GB in ds64 is taken whole (sparse file, refused only for its length)', async () => {
    const b = makeWav({ bits: 16, rate: 8000, rf64: true, channels: [[0]] })
    const dataSize = 2 ** 32 + 2
    b.writeBigUInt64LE(BigInt(dataSize), 12 + 8 + 8) // ds64 body at 20: RIFF size, then data size
    const p = put('big-rf64.wav', b)
    const fd = openSync(p, 'r+')
    ftruncateSync(fd, b.length - 2 + dataSize) // sparse: nothing written
    closeSync(fd)
    const e = await decodeAudio(p).catch((x) => x)
    expect(e).toBeInstanceOf(DataError)
    expect(e.message).toMatch(/too long: 2147483649 samples/)
  })
})

describe('metadata chunks', () => {
  const info = (pairs: [string, string][]) =>
    Buffer.concat([
      Buffer.from('INFO', 'latin1'),
      ...pairs.map(([id, text]) => {
        const t = Buffer.from(`${text}\0`, 'utf8')
        const h = Buffer.alloc(8)
        h.write(id, 0, 'latin1')
        h.writeUInt32LE(t.length, 4)
        return Buffer.concat([h, t, t.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)])
      }),
    ])

  it('LIST/INFO, bext, iXML and GUANO (before and after the data)', async () => {
    const bext = Buffer.alloc(602)
    bext.write('Dawn chorus, hedge 3', 0, 'utf8')
    bext.write('Zoom F3', 256, 'latin1')
    bext.write('ZF3-000123', 288, 'latin1')
    bext.write('2024-05-01', 320, 'latin1')
    bext.write('04:30:00', 330, 'latin1')
    const ref = 2 ** 32 * 3 + 777 // beyond 32 bits
    bext.writeUInt32LE(ref % 2 ** 32, 338)
    bext.writeUInt32LE(Math.floor(ref / 2 ** 32), 342)
    const guano = [
      'GUANO|Version: 1.0',
      'Make: Wildlife Acoustics, Inc.',
      'Species Auto ID: MYOLUC',
      'Loc Position: 42.44 -76.5',
      'WA|Kaleidoscope|Version: 5.4.0',
      'Note: first line\\nsecond line',
    ].join('\n')
    const p = put(
      'meta.wav',
      makeWav({
        bits: 16,
        rate: 8000,
        channels: [[0, 0.5]],
        chunks: [
          { id: 'bext', body: bext },
          { id: 'iXML', body: Buffer.from('<BWFXML><PROJECT>Owls</PROJECT></BWFXML>', 'utf8') },
          { id: 'guan', body: Buffer.from(guano, 'utf8') },
        ],
        chunksAfter: [
          {
            id: 'LIST',
            body: info([
              ['INAM', 'Nightjar'],
              ['ICMT', 'Wind 3 — gusts'],
              ['ISFT', 'x'],
            ]),
          },
        ],
      }),
    )
    const a = await decodeAudio(p)
    expect(Array.from(a.samples)).toEqual([0, 0.5])
    expect(a.metadata).toEqual({
      'bext.Description': 'Dawn chorus, hedge 3',
      'bext.Originator': 'Zoom F3',
      'bext.OriginatorReference': 'ZF3-000123',
      'bext.OriginationDate': '2024-05-01',
      'bext.OriginationTime': '04:30:00',
      'bext.TimeReference': String(ref),
      iXML: '<BWFXML><PROJECT>Owls</PROJECT></BWFXML>',
      'GUANO.GUANO|Version': '1.0',
      'GUANO.Make': 'Wildlife Acoustics, Inc.',
      'GUANO.Species Auto ID': 'MYOLUC',
      'GUANO.Loc Position': '42.44 -76.5',
      'GUANO.WA|Kaleidoscope|Version': '5.4.0',
      'GUANO.Note': 'first line\nsecond line',
      'INFO.INAM': 'Nightjar',
      'INFO.ICMT': 'Wind 3 — gusts',
      'INFO.ISFT': 'x',
    })
  })

  it("AIFF's NAME and ANNO chunks", async () => {
    const a = await decodeAudio(
      put(
        'm.aiff',
        makeAiff({
          bits: 16,
          rate: 8000,
          channels: [[0]],
          chunks: [
            { id: 'NAME', body: Buffer.from('Pond at night', 'latin1') },
            { id: 'ANNO', body: Buffer.from('hydrophone B', 'latin1') },
          ],
        }),
      ),
    )
    expect(a.metadata).toEqual({ 'AIFF.NAME': 'Pond at night', 'AIFF.ANNO': 'hydrophone B' })
  })
})
