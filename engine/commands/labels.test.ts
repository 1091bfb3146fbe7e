import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { convertCommand } from './convert'
import { readLabels } from '../labels/formats'
import { labelStem, scoreCommand } from './score'

const dir = mkdtempSync(join(tmpdir(), 'fw-labelcmd-'))

describe('convertCommand', () => {
  it('converts Audacity to TextGrid and back, warning about what a tier cannot hold', async () => {
    const src = join(dir, 'a.txt')
    writeFileSync(src, '0\t1\tx\n0.5\t2\ty\n3\t3\tp\n')
    const r = (await convertCommand({
      input: src,
      to: 'textgrid',
      out: join(dir, 'a.TextGrid'),
    })) as { segments: number; warnings: string[] }
    expect(r.segments).toBe(3)
    expect(r.warnings).toHaveLength(2)
    expect(readFileSync(join(dir, 'a.TextGrid'), 'utf8')).toContain('name = "labels"')
    await convertCommand({ input: join(dir, 'a.TextGrid'), to: 'json', out: join(dir, 'a.json') })
    expect(await readLabels(join(dir, 'a.json'))).toEqual([
      { start: 0, end: 0.5, label: 'x' },
      { start: 0.5, end: 2, label: 'y' },
    ])
  })
  it('refuses to overwrite its input', async () => {
    const src = join(dir, 'same.csv')
    writeFileSync(src, '0,1,a\n')
    await expect(convertCommand({ input: src, to: 'csv', out: src })).rejects.toThrow(DataError)
  })
})

describe('scoreCommand', () => {
  it('pairs by stem across formats and pools frames and events', async () => {
    const pred = join(dir, 'pred')
    const ref = join(dir, 'ref')
    mkdirSync(pred)
    mkdirSync(ref)
    // file 1: reference a [0, 1); prediction a [0.1, 1) → 10 of 100 a-frames missed, event matched
    writeFileSync(
      join(ref, 'one.TextGrid'),
      `"ooTextFile"\n"TextGrid"\n0 1 <exists> 1\n"IntervalTier" "w" 0 1 1\n0 1 "a"\n`,
    )
    writeFileSync(join(pred, 'one.txt'), '0.1\t1\ta\n')
    // file 2: reference b [0, 0.5); prediction none → one missed event
    writeFileSync(join(ref, 'two.csv'), 'start,end,label\n0,0.5,b\n')
    writeFileSync(join(pred, 'two.json'), '[]')
    writeFileSync(join(pred, 'two.probs.csv'), 'time,a,b\n')
    writeFileSync(join(pred, 'extra.txt'), '0\t1\ta\n')
    expect(labelStem('x.selections.txt')).toBe('x')
    const r = (await scoreCommand({ predDir: pred, refDir: ref })) as {
      pairs: number
      classes: string[]
      unpaired: { predictions: string[] }
      frame: { accuracy: number; confusion: number[][]; frames: number }
      event: { tp: number; fn: number; fp: number; f1: number }
    }
    expect(r.pairs).toBe(2)
    expect(r.unpaired.predictions).toEqual(['extra'])
    expect(r.classes).toEqual(['background', 'a', 'b'])
    // grid of 10 ms: file one has centres 0 … 1.0 (101 frames), file two 0 … 0.5 (51)
    expect(r.frame.frames).toBe(152)
    expect(r.frame.confusion).toEqual([
      [1 + 1, 0, 0],
      [10, 90, 0],
      [50, 0, 0],
    ])
    expect(r.frame.accuracy).toBeCloseTo(92 / 152, 12)
    expect([r.event.tp, r.event.fp, r.event.fn]).toEqual([1, 0, 1])
    expect(r.event.f1).toBeCloseTo(2 / 3, 12)
  })
  it('compares per-row CSV labels row by row', async () => {
    const pred = join(dir, 'rp')
    const ref = join(dir, 'rr')
    mkdirSync(pred)
    mkdirSync(ref)
    writeFileSync(join(ref, 's.csv'), 'time,x,label\n0,1,rest\n1,1,walk\n2,1,walk\n3,1,rest\n')
    writeFileSync(join(pred, 's.csv'), 'time,label\n0,rest\n1,walk\n2,rest\n3,rest\n')
    const r = (await scoreCommand({
      predDir: pred,
      refDir: ref,
      background: 'rest',
      collar: 0.5,
    })) as { frame: { accuracy: number }; event: { tp: number } }
    expect(r.frame.accuracy).toBe(0.75)
    expect(r.event.tp).toBe(1)
  })
  it('a bad reference file fails with its name and line', async () => {
    const pred = join(dir, 'bp')
    const ref = join(dir, 'br')
    mkdirSync(pred)
    mkdirSync(ref)
    writeFileSync(join(ref, 'z.csv'), 'time,label\n0,a\n1,\n')
    writeFileSync(join(pred, 'z.csv'), 'time,label\n0,a\n1,a\n')
    await expect(scoreCommand({ predDir: pred, refDir: ref })).rejects.toThrow(
      `${join(ref, 'z.csv')}:3: empty cell in label column "label"`,
    )
  })
})
