/**
 * The command-line pipeline end to end on generated data: `framewise train` → `predict` →
 * `eval`, for audio (tone / chirp / noise events with Audacity label files) and for a
 * multichannel CSV with regimes in a label column. Each must reach macro-F1 ≥ 0.9 on files it
 * never saw.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeAudacity } from './labels/audacity'
import { syntheticAudio, syntheticSeries } from './data/synthetic'

let root: string
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-cli-pipeline-'))
})
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

function framewise(...args: string[]): { code: number; json: any; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'engine/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  })
  let json: unknown = null
  try {
    json = JSON.parse(r.stdout)
  } catch {
    // not JSON: left null, the assertions below say what was expected
  }
  return { code: r.status ?? -1, json, stderr: r.stderr }
}

describe('framewise train → predict → eval', () => {
  it('audio events in a data folder', async () => {
    const train = path.join(root, 'audio-train')
    const test = path.join(root, 'audio-test')
    await fs.mkdir(train)
    await fs.mkdir(test)
    for (let i = 0; i < 10; i++) {
      const a = syntheticAudio(1000 + i, 12)
      const dir = i < 8 ? train : test
      await fs.writeFile(path.join(dir, `rec${i}.wav`), a.wav)
      await fs.writeFile(path.join(dir, `rec${i}.txt`), writeAudacity(a.segments))
    }
    const model = path.join(root, 'audio.onnx')
    const t = framewise(
      'train',
      train,
      '--out',
      model,
      '--hidden',
      '24',
      '--layers',
      '1',
      '--epochs',
      '10',
      '--chunk',
      '200',
      '--batch',
      '8',
      '--lr',
      '0.01',
      '--threads',
      '1',
    )
    expect(t.code, t.stderr).toBe(0)
    expect(t.json.classes).toEqual(['background', 'chirp', 'noise', 'tone'])
    expect(t.json.files.val.length).toBe(2)

    const out = path.join(root, 'audio-pred')
    const p = framewise('predict', model, test, '--out', out, '--format', 'audacity')
    expect(p.code, p.stderr).toBe(0)
    const predicted = await fs.readFile(path.join(out, 'rec8.txt'), 'utf8')
    expect(predicted.split('\n').filter(Boolean).length).toBeGreaterThan(3)

    const e = framewise('eval', model, test)
    expect(e.code, e.stderr).toBe(0)
    expect(e.json.files).toBe(2)
    expect(e.json.frame.macroF1).toBeGreaterThanOrEqual(0.9)
    expect(e.json.event.f1).toBeGreaterThanOrEqual(0.8)

    // the card carries the training labels' transitions and ships Viterbi on (median filter off)
    const card = JSON.parse(await fs.readFile(model.replace(/\.onnx$/, '.json'), 'utf8'))
    expect(card.postprocess).toMatchObject({
      medianFilter: 1,
      viterbi: { enabled: true, weight: 1 },
    })
    expect(card.transitions.matrix).toHaveLength(4)
    for (const row of card.transitions.matrix)
      expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9)
    // the argmax (--no-viterbi) scores too; both decodings are good on this task
    const off = framewise('eval', model, test, '--no-viterbi')
    expect(off.code, off.stderr).toBe(0)
    expect(off.json.frame.macroF1).toBeGreaterThanOrEqual(0.85)
  })

  it('sensor regimes in CSV files with a label column', async () => {
    const train = path.join(root, 'csv-train')
    const test = path.join(root, 'csv-test')
    await fs.mkdir(train)
    await fs.mkdir(test)
    for (let i = 0; i < 6; i++)
      await fs.writeFile(
        path.join(i < 5 ? train : test, `log${i}.csv`),
        syntheticSeries(2000 + i, 90).csv,
      )
    const spec = path.join(root, 'series-spec.json')
    // The default normalisation for series (global, from the training files) is what is tested.
    await fs.writeFile(
      spec,
      JSON.stringify({ kind: 'series', frameLength: 10, hopLength: 5, stats: ['mean', 'std'] }),
    )
    const model = path.join(root, 'series.onnx')
    const t = framewise(
      'train',
      train,
      '--out',
      model,
      '--features',
      spec,
      '--hidden',
      '16',
      '--layers',
      '1',
      '--epochs',
      '12',
      '--chunk',
      '150',
      '--lr',
      '0.01',
      '--threads',
      '1',
    )
    expect(t.code, t.stderr).toBe(0)
    expect(t.json.classes).toEqual(['rest', 'run', 'walk'])

    const e = framewise('eval', model, test)
    expect(e.code, e.stderr).toBe(0)
    expect(e.json.frame.macroF1).toBeGreaterThanOrEqual(0.9)

    const out = path.join(root, 'csv-pred')
    const p = framewise(
      'predict',
      model,
      path.join(test, 'log5.csv'),
      '--out',
      out,
      '--format',
      'csv',
    )
    expect(p.code, p.stderr).toBe(0)
    const rows = (await fs.readFile(path.join(out, 'log5.labels.csv'), 'utf8')).trim().split('\n')
    expect(rows[0]).toBe('time,label')
    expect(rows.length - 1).toBe(90 * 50) // one label per input row, not per frame
  })

  it('output recurrence: train --output-recurrence --beam 3, then predict and eval decode it', async () => {
    const train = path.join(root, 'or-train')
    const test = path.join(root, 'or-test')
    await fs.mkdir(train)
    await fs.mkdir(test)
    for (let i = 0; i < 6; i++)
      await fs.writeFile(
        path.join(i < 5 ? train : test, `log${i}.csv`),
        syntheticSeries(2000 + i, 90).csv,
      )
    const spec = path.join(root, 'or-spec.json')
    await fs.writeFile(
      spec,
      JSON.stringify({ kind: 'series', frameLength: 10, hopLength: 5, stats: ['mean', 'std'] }),
    )
    const model = path.join(root, 'or.onnx')
    const t = framewise(
      'train',
      train,
      '--out',
      model,
      '--features',
      spec,
      '--hidden',
      '16',
      '--layers',
      '1',
      '--epochs',
      '12',
      '--chunk',
      '150',
      '--lr',
      '0.01',
      '--threads',
      '1',
      '--output-recurrence',
      '--beam',
      '3',
    )
    expect(t.code, t.stderr).toBe(0)
    const info = framewise('info', model)
    expect(info.code, info.stderr).toBe(0)
    expect(info.json.framewise.decoder).toEqual({
      kind: 'output-recurrence',
      decode: 'beam',
      beam: 3,
    })
    expect(info.json.inputs.map((i: { name: string }) => i.name)).toEqual([
      'features',
      'previous_labels',
      'h0_l0',
    ])
    const e = framewise('eval', model, test)
    expect(e.code, e.stderr).toBe(0)
    expect(e.json.frame.accuracy).toBeGreaterThanOrEqual(0.8)
    const out = path.join(root, 'or-pred')
    const p = framewise('predict', model, test, '--out', out, '--format', 'csv')
    expect(p.code, p.stderr).toBe(0)
    // --beam without --output-recurrence is a usage error
    expect(framewise('train', train, '--out', model, '--beam', '3').code).toBe(2)
  })

  it('fails clearly on bad input and usage', async () => {
    const empty = path.join(root, 'empty')
    await fs.mkdir(empty)
    const r = framewise('train', empty, '--out', path.join(root, 'x.onnx'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(`^framewise: ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    )
    expect(framewise('train', empty).code).toBe(2)
    expect(framewise('train', empty, '--out', 'x.onnx', '--hidden', 'lots').code).toBe(2)
  })
})
