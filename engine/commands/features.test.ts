import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeWav, sine } from '../media/audio/testing'
import { DataError } from '../errors'
import { loadFeatureSpec } from '../features/spec-file'
import { featuresCommand } from './features'

const dir = mkdtempSync(join(tmpdir(), 'fw-featcmd-'))
const wav = join(dir, 'tone.wav')
writeFileSync(wav, makeWav({ bits: 16, rate: 16000, channels: [sine(16000, 440, 16000)] }))

describe('featuresCommand', () => {
  it('summarises 1 s of audio with the mfcc preset: 101 frames × 39 dims', async () => {
    const r = (await featuresCommand({ file: wav })) as {
      frames: number
      dims: number
      features: Array<{ name: string; mean: number; std: number }>
    }
    expect(r.frames).toBe(101)
    expect(r.dims).toBe(39)
    expect(r.features[0].name).toBe('mfcc0')
    expect(Math.abs(r.features[0].mean)).toBeLessThan(1e-4) // per-file CMVN
    expect(r.features[0].std).toBeCloseTo(1, 3)
  })
  it('writes time,<names> CSV with frame-centre times', async () => {
    const out = join(dir, 'f.csv')
    await featuresCommand({ file: wav, preset: 'logmel', out })
    const rows = readFileSync(out, 'utf8').trim().split('\n')
    expect(rows[0].split(',')).toHaveLength(41)
    expect(rows[0].startsWith('time,logmel0,logmel1')).toBe(true)
    expect(rows).toHaveLength(102)
    expect(rows[51].split(',')[0]).toBe('0.5')
  })
  it('reads a spec file and reports its problems as DataErrors', async () => {
    const spec = join(dir, 'spec.json')
    writeFileSync(
      spec,
      JSON.stringify({
        kind: 'audio',
        features: [{ name: 'rms' }, { name: 'zcr' }],
        deltas: 0,
        normalization: { mode: 'none' },
      }),
    )
    const r = (await featuresCommand({ file: wav, specPath: spec })) as {
      dims: number
      features: Array<{ mean: number }>
    }
    expect(r.dims).toBe(2)
    expect(r.features[0].mean).toBeGreaterThan(0.3) // rms of a 0.5 sine ≈ 0.354, lower at the padded edges
    writeFileSync(spec, JSON.stringify({ kind: 'audio', frameLength: 300 }))
    await expect(loadFeatureSpec(spec)).rejects.toThrow(
      /spec.json: invalid FeatureSpec: frameLength: frameLength must be a power of two/,
    )
    writeFileSync(spec, '{oops')
    await expect(loadFeatureSpec(spec)).rejects.toThrow(DataError)
  })
  it('uses the raw preset for CSV series', async () => {
    const csv = join(dir, 's.csv')
    writeFileSync(csv, 'time,x,y\n0,1,2\n0.5,3,4\n1,5,6\n')
    const r = (await featuresCommand({ file: csv })) as {
      kind: string
      frames: number
      dims: number
    }
    expect(r).toMatchObject({ kind: 'series', frames: 3, dims: 2 })
  })
})
