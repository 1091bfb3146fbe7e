/**
 * `framewise predict` and `framewise info <model.onnx>` through cli.ts's main(): files written,
 * their contents, and exit codes for usage errors (2) and bad input (1).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLabels } from '../labels/formats'
import { releaseSessions } from '../onnx/read'
import { rmsModel, toneWav } from './testing'
import { runCli } from '../testing/cli'

const FIXTURES = path.join(import.meta.dirname, 'fixtures')
let dir: string
let data: string
let model: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fw-cli-'))
  data = path.join(dir, 'data')
  await mkdir(data)
  await writeFile(path.join(data, 'one.wav'), toneWav(3, 1, 2))
  await writeFile(path.join(data, 'two.wav'), toneWav(2, 0.5, 0.8))
  await writeFile(path.join(data, 'notes.md'), 'not audio')
  model = path.join(dir, 'rms.onnx')
  await writeFile(model, rmsModel(0.1))
})
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

const cli = runCli

const rows = (text: string) => text.trimEnd().split('\n')

describe('framewise predict', () => {
  it('labels a folder: Audacity files with the tone segments, probabilities per frame', async () => {
    const out = path.join(dir, 'out1')
    const r = await cli(['predict', model, data, '--out', out, '--probabilities'])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as {
      files: { input: string; frames: number; segments: number }[]
    }
    expect(result.files.map((f) => path.basename(f.input))).toEqual(['one.wav', 'two.wav'])
    expect((await readdir(out)).sort()).toEqual([
      'framewise-manifest.json',
      'one.probs.csv',
      'one.txt',
      'two.probs.csv',
      'two.txt',
    ])
    const [line, ...more] = rows(await readFile(path.join(out, 'one.txt'), 'utf8'))
    expect(more).toEqual([])
    const [start, end, label] = line.split('\t')
    expect(label).toBe('tone')
    expect(Math.abs(Number(start) - 1)).toBeLessThan(0.025)
    expect(Math.abs(Number(end) - 2)).toBeLessThan(0.025)
    // two.wav: 0.3 s tone, kept (min duration 0.1 s).
    expect(rows(await readFile(path.join(out, 'two.txt'), 'utf8'))).toHaveLength(1)
    const probs = rows(await readFile(path.join(out, 'one.probs.csv'), 'utf8'))
    expect(probs[0]).toBe('time,background,tone')
    expect(probs).toHaveLength(result.files[0].frames + 1)
    expect(result.files[0].frames).toBe(301)
    const mid = probs[151].split(',').map(Number) // frame 150 = 1.5 s, inside the tone
    expect(mid[0]).toBeCloseTo(1.5, 9)
    expect(mid[2]).toBeGreaterThan(0.99)
    expect(r.stderr).toMatch(/100% done/)
  })

  it('TextGrid, JSON and Raven formats; --background none also writes background segments', async () => {
    const out = path.join(dir, 'out2')
    expect(
      (
        await cli([
          'predict',
          model,
          path.join(data, 'one.wav'),
          '--out',
          out,
          '--format',
          'textgrid',
        ])
      ).code,
    ).toBe(0)
    const tg = await readFile(path.join(out, 'one.TextGrid'), 'utf8')
    expect(tg).toMatch(/intervals: size = 3/)
    expect(tg).toMatch(/text = "tone"/)
    expect(tg).toMatch(/xmax = 3\.005\n/)
    // Written by engine/labels, so it reads back as labels (what `framewise train` would read).
    const back = await readLabels(path.join(out, 'one.TextGrid'))
    expect(back.map((s) => s.label)).toEqual(['tone'])
    expect(Math.abs(back[0].start - 1)).toBeLessThan(0.025)
    const r = await cli([
      'predict',
      model,
      path.join(data, 'one.wav'),
      '--out',
      out,
      '--format',
      'json',
      '--background',
      'none',
    ])
    expect(r.code).toBe(0)
    const json = JSON.parse(await readFile(path.join(out, 'one.labels.json'), 'utf8')) as {
      segments: { label: string }[]
    }
    expect(json.segments.map((s) => s.label)).toEqual(['background', 'tone', 'background'])
    const raven = ['predict', model, path.join(data, 'two.wav'), '--out', out, '--format', 'raven']
    expect((await cli(raven)).code).toBe(0)
    const sel = await readLabels(path.join(out, 'two.selections.txt'))
    expect(sel.map((s) => s.label)).toEqual(['tone'])
    expect(Math.abs(sel[0].start - 0.5)).toBeLessThan(0.025)
    expect(Math.abs(sel[0].end - 0.8)).toBeLessThan(0.025)
  })

  it('CSV time series with --format csv: one time,label row per frame', async () => {
    const csv = path.join(dir, 'series', 'walk.csv')
    await mkdir(path.dirname(csv))
    const n = 40
    await writeFile(
      csv,
      'time,x,y\n' +
        Array.from({ length: n }, (_, i) => `${i / 10},${i < 20 ? 0 : 1},0`).join('\n') +
        '\n',
    )
    const spec = path.join(dir, 'series.spec.json')
    await writeFile(
      spec,
      JSON.stringify({ kind: 'series', channels: ['x', 'y'], normalization: { mode: 'none' } }),
    )
    // The external LSTM takes 40 features: a 2-channel spec is refused before running.
    const lstm = path.join(FIXTURES, 'tagger_A_lstm.onnx')
    const bad = await cli([
      'predict',
      lstm,
      csv,
      '--out',
      path.join(dir, 'o'),
      '--spec',
      spec,
      '--classes',
      'a,b,c,d',
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      `framewise: ${lstm}: the model takes 40 features per frame but the FeatureSpec gives 2`,
    )
    // A 40-channel series for it works, with per-frame rows.
    const wide = path.join(dir, 'series', 'wide.csv')
    const head = ['time', ...Array.from({ length: 40 }, (_, i) => `c${i}`)].join(',')
    await writeFile(
      wide,
      head +
        '\n' +
        Array.from({ length: n }, (_, t) =>
          [t / 10, ...Array.from({ length: 40 }, (_, i) => Math.sin(t + i))].join(','),
        ).join('\n') +
        '\n',
    )
    await writeFile(
      spec,
      JSON.stringify({ kind: 'series', channels: Array.from({ length: 40 }, (_, i) => `c${i}`) }),
    )
    const out = path.join(dir, 'out3')
    const ok = await cli([
      'predict',
      lstm,
      wide,
      '--out',
      out,
      '--spec',
      spec,
      '--classes',
      'bg,a,b,c',
      '--format',
      'csv',
    ])
    expect(ok.code).toBe(0)
    const lines = rows(await readFile(path.join(out, 'wide.labels.csv'), 'utf8'))
    expect(lines[0]).toBe('time,label')
    expect(lines).toHaveLength(n + 1)
    expect(lines[5].split(',')[0]).toBe('0.4')
    for (const l of lines.slice(1)) expect(['bg', 'a', 'b', 'c']).toContain(l.split(',')[1])
  })

  it('exit codes: usage 2, bad model or input 1 with the file named', async () => {
    expect((await cli(['predict', model, data])).code).toBe(2)
    expect((await cli(['predict', model, data, '--out', dir, '--format', 'midi'])).code).toBe(2)
    expect((await cli(['predict', model, data, '--out', dir, '--median', '4'])).code).toBe(2)
    const garbage = path.join(dir, 'garbage.onnx')
    await writeFile(garbage, 'nope'.repeat(100))
    const r = await cli(['predict', garbage, data, '--out', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(
        `^framewise: ${garbage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an ONNX model`,
      ),
    )
    const noSpec = await cli([
      'predict',
      path.join(FIXTURES, 'tagger_A_gru.onnx'),
      data,
      '--out',
      dir,
    ])
    expect(noSpec.code).toBe(1)
    expect(noSpec.stderr).toMatch(/carries no FeatureSpec .*--spec/)
    const missing = await cli(['predict', model, path.join(dir, 'nothing.wav'), '--out', dir])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/nothing\.wav: no such file/)
    // An audio model given a folder of CSV files.
    const wrongKind = await cli(['predict', model, path.join(dir, 'series'), '--out', dir])
    expect(wrongKind.code).toBe(1)
    expect(wrongKind.stderr).toMatch(/series: contains no audio/)
  })
})

describe('framewise info <model.onnx>', () => {
  it('prints inputs, outputs and metadata', async () => {
    const r = await cli(['info', path.join(FIXTURES, 'tagger_A_lstm.onnx')])
    expect(r.code).toBe(0)
    const info = JSON.parse(r.stdout) as {
      inputs: unknown[]
      outputs: unknown[]
      opset: number
      card: unknown
    }
    expect(info.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['batch', 'time', 40] }])
    expect(info.outputs).toEqual([{ name: 'logits', type: 'float32', shape: ['batch', 'time', 4] }])
    expect(info.card).toBeNull()
    const own = JSON.parse((await cli(['info', model])).stdout) as {
      framewise: { classes: string[]; output: string }
    }
    expect(own.framewise.classes).toEqual(['background', 'tone'])
    expect(own.framewise.output).toBe('logits')
  })
})
