/** The data commands through the real CLI (`tsx engine/cli.ts`): exit codes, stdout JSON, stderr. */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeWav, sine } from '../media/audio/testing'

const dir = mkdtempSync(join(tmpdir(), 'fw-cli-data-'))
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'engine/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('framewise features | convert | score', () => {
  it('features: a 40 s WAV through the worker pool → CSV; JSON summary on stdout', () => {
    const wav = join(dir, 'long.wav')
    writeFileSync(wav, makeWav({ bits: 16, rate: 16000, channels: [sine(16000 * 40, 300, 16000)] }))
    const out = join(dir, 'long.csv')
    const r = cli('features', wav, '--preset', 'mfcc', '--out', out)
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ frames: 4001, dims: 39, out })
    expect(readFileSync(out, 'utf8').split('\n')[1].startsWith('0,')).toBe(true)
  })
  it('features: bad input exits 1 with one framewise: <file>: <problem> line; usage errors exit 2', () => {
    const bad = join(dir, 'bad.wav')
    writeFileSync(bad, 'RIFF....WAVEjunk')
    const r = cli('features', bad)
    expect(r.code).toBe(1)
    expect(r.err.trim()).toMatch(new RegExp(`^framewise: ${bad}: `))
    expect(cli('features', bad, '--preset', 'nope').code).toBe(2)
  })
  it('convert: Audacity → Raven; a missing --to is a usage error', () => {
    const src = join(dir, 'l.txt')
    writeFileSync(src, '0\t1\tbird\n')
    const out = join(dir, 'l.selections.txt')
    const r = cli('convert', src, '--to', 'raven', '--out', out)
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ segments: 1, labels: ['bird'] })
    expect(readFileSync(out, 'utf8')).toContain('Begin Time (s)')
    expect(cli('convert', src, '--out', out).code).toBe(2)
  })
  it('score: prints pooled metrics as JSON', () => {
    const p = join(dir, 'p')
    const q = join(dir, 'q')
    mkdirSync(p)
    mkdirSync(q)
    writeFileSync(join(p, 'a.txt'), '0\t1\tx\n')
    writeFileSync(join(q, 'a.json'), '[{"start":0.1,"end":1,"label":"x"}]')
    const r = cli('score', p, q, '--collar', '0.2')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.event.f1).toBe(1)
    expect(j.frame.confusion).toEqual([
      [1, 10],
      [0, 90],
    ])
  })
})
