import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePeaks, peaksCachePath } from '../media/audio/peaks'
import { makeAiff, makeWav } from '../media/audio/testing'
import { gridHops } from './grid'
import { probeDuration } from './probe'
import { Project } from './store'

let dir: string
const peaksDir = () => path.join(dir, 'peaks')

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-probe-'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

/** fLaC + a STREAMINFO block only: the probe never reads past it. */
function flacHeader(rate: number, channels: number, bits: number, samples: number): Buffer {
  const b = Buffer.alloc(42)
  b.write('fLaC', 0, 'latin1')
  b[4] = 0x80 // last metadata block, type 0 (STREAMINFO)
  b.writeUIntBE(34, 5, 3)
  const packed =
    (BigInt(rate) << 44n) |
    (BigInt(channels - 1) << 41n) |
    (BigInt(bits - 1) << 36n) |
    BigInt(samples)
  b.writeBigUInt64BE(packed, 18)
  return b
}

describe('probeDuration', () => {
  it('reads a WAV header (stereo, 24-bit) without decoding', async () => {
    const file = path.join(dir, 'a.wav')
    const n = 22050 * 3 + 7
    await fs.writeFile(
      file,
      makeWav({ bits: 24, rate: 22050, channels: [new Float64Array(n), new Float64Array(n)] }),
    )
    expect(await probeDuration(file, 'audio', peaksDir())).toBeCloseTo(n / 22050, 9)
  })

  it('reads FLAC STREAMINFO (rate 44.1 kHz, 36-bit sample count)', async () => {
    const file = path.join(dir, 'b.flac')
    await fs.writeFile(file, flacHeader(44100, 2, 16, 44100 * 7200 + 441))
    expect(await probeDuration(file, 'audio', peaksDir())).toBeCloseTo(7200.01, 9)
  })

  it('knows an MP3 only once its peaks cache exists, and sees a changed file', async () => {
    const file = path.join(dir, 'c.mp3')
    await fs.writeFile(file, Buffer.from('ID3 not really an mp3'))
    expect(await probeDuration(file, 'audio', peaksDir())).toBeNull()
    await fs.mkdir(peaksDir(), { recursive: true })
    const peaks = { sampleRate: 48000, length: 48000 * 12.5, levels: [] }
    await fs.writeFile(await peaksCachePath(file, peaksDir()), encodePeaks(peaks))
    expect(await probeDuration(file, 'audio', peaksDir())).toBe(12.5)

    const wav = path.join(dir, 'd.wav')
    await fs.writeFile(wav, makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(8000)] }))
    expect(await probeDuration(wav, 'audio', peaksDir())).toBe(1)
    await fs.writeFile(wav, makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(16000)] }))
    await fs.utimes(wav, new Date(), new Date(Date.now() + 5000))
    expect(await probeDuration(wav, 'audio', peaksDir())).toBe(2)
  })

  it('reads a CSV time column from the first and last lines: seconds, ISO dates, long files', async () => {
    const csv = path.join(dir, 'imu.csv')
    const rows = ['Time;ax;ay']
    for (let i = 0; i < 40000; i++) rows.push(`${(i * 0.02).toFixed(2)};${Math.sin(i)};1`) // > one 64 KiB chunk
    await fs.writeFile(csv, rows.join('\r\n') + '\r\n\r\n')
    expect(await probeDuration(csv, 'series', peaksDir())).toBeCloseTo(800, 9)

    const iso = path.join(dir, 'iso.csv')
    await fs.writeFile(
      iso,
      'timestamp,x\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:01Z,2\n2024-01-01T00:00:02Z,3\n',
    )
    expect(await probeDuration(iso, 'series', peaksDir())).toBe(3)
  })

  it('reads a time column named with its unit, past # comments, with any separator', async () => {
    const cases: Array<[string, string, number]> = [
      ['ms.csv', '# logger v2\ntime_ms,x\n0,1\n500,2\n1000,3\n', 1.5],
      ['s.csv', 't (s);x\n0;1\n0.5;2\n1;3\n', 1.5],
      ['bracket.tsv', 'timestamp [ms]\tx\n0\t1\n250\t2\n', 0.5],
      ['space.txt', 'time  x\n0   1\n2   2\n4   3\n', 6],
      ['colon.csv', 'time:x\n0:1\n2:2\n', 4],
      ['iso-first.csv', 'when,x\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:02Z,2\n', 4],
    ]
    for (const [name, text, seconds] of cases) {
      const file = path.join(dir, name)
      await fs.writeFile(file, text)
      expect(await probeDuration(file, 'series', peaksDir()), name).toBeCloseTo(seconds, 9)
    }
    // sample numbers are no time (the series reader places such rows at a rate)
    const samples = path.join(dir, 'samples.csv')
    await fs.writeFile(samples, 'time_samples,x\n0,1\n8000,2\n')
    expect(await probeDuration(samples, 'series', peaksDir())).toBeNull()
  })

  it('says null, never throws, when it cannot tell', async () => {
    const noTime = path.join(dir, 'rows.csv')
    await fs.writeFile(noTime, 'ax,ay\n1,2\n3,4\n')
    const broken = path.join(dir, 'broken.wav')
    await fs.writeFile(broken, Buffer.from('RIFF\0\0\0\0WAVEjunk'))
    for (const [file, kind] of [
      [noTime, 'series'],
      [broken, 'audio'],
      [path.join(dir, 'missing.wav'), 'audio'],
      [dir, 'audio'],
    ] as const)
      expect(await probeDuration(file, kind, peaksDir())).toBeNull()
  })
})

describe('gridHops', () => {
  it('is the hop of the project feature settings, else the defaults (10 ms, one row)', () => {
    expect(gridHops({})).toEqual({ audio: 0.01, seriesRows: 1 })
    expect(gridHops({ kind: 'audio', sampleRate: 22050, hopLength: 441 })).toEqual({
      audio: 0.02,
      seriesRows: 1,
    })
    expect(gridHops({ kind: 'series', frameLength: 10, hopLength: 5 })).toEqual({
      audio: 0.01,
      seriesRows: 5,
    })
    expect(gridHops({ kind: 'audio', hopLength: -3 })).toEqual({ audio: 0.01, seriesRows: 1 })
  })
})

describe('the project view', () => {
  it('lists every probed duration unopened, and the feature hop of the project settings', async () => {
    const project = await Project.create(path.join(dir, 'listed'))
    await fs.writeFile(
      path.join(project.dir, 'a.wav'),
      makeWav({ bits: 16, rate: 16000, channels: [new Float64Array(24000)] }),
    )
    await fs.writeFile(path.join(project.dir, 'b.csv'), 'time,x\n0,1\n0.5,2\n1,3\n')
    await fs.writeFile(path.join(project.dir, 'c.mp3'), Buffer.from('ID3 not really an mp3'))
    await project.addMedia(['a.wav', 'b.csv', 'c.mp3'])
    const view = await project.view()
    expect(view.media.map((m) => [m.path, m.duration])).toEqual([
      ['a.wav', 1.5],
      ['b.csv', 1.5],
      ['c.mp3', undefined],
    ])
    expect(view.frameHop).toEqual({ audio: 0.01, seriesRows: 1 })
  })

  it("notes what a recording's header got wrong but was read (a cut-off data chunk, an AIFF)", async () => {
    const project = await Project.create(path.join(dir, 'noted'))
    const cut = makeWav({ bits: 16, rate: 8000, channels: [new Float64Array(8000)] })
    await fs.writeFile(path.join(project.dir, 'cut.wav'), cut.subarray(0, cut.length - 4000))
    await fs.writeFile(
      path.join(project.dir, 'ok.aiff'),
      makeAiff({ bits: 24, rate: 44100, channels: [new Float64Array(441)] }),
    )
    await project.addMedia(['cut.wav', 'ok.aiff'])
    const view = await project.view()
    expect(view.media.map((m) => [m.path, m.kind, m.duration, m.notes, m.problem])).toEqual([
      [
        'cut.wav',
        'audio',
        0.75,
        [
          'truncated: the data chunk claims 16000 bytes but only 12000 follow: read the 0.75 s that are there',
        ],
        undefined,
      ],
      ['ok.aiff', 'audio', 0.01, undefined, undefined],
    ])
  })
})
