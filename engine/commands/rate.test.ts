/**
 * `--rate` of the commands that read CSV series (features, train on a data folder, predict):
 * rows of files without a time column are placed at the rate given, a model trained so keeps
 * the rate, and a file without one and no rate is refused saying where to give it.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { syntheticSeries } from '../data/synthetic'
import { predictToFiles } from '../infer/batch'
import { readModel } from '../onnx/read'
import { UsageError } from './command'
import { features, featuresCommand } from './features'
import { trainCommand } from './train'

const dir = mkdtempSync(join(tmpdir(), 'fw-rate-'))
/** A synthetic sensor log with its time column dropped: `ax,ay,az,label` rows at 50 Hz. */
const withoutTime = (seed: number, seconds: number) =>
  syntheticSeries(seed, seconds)
    .csv.split('\n')
    .map((l) => l.slice(l.indexOf(',') + 1))
    .join('\n')

describe('--rate', () => {
  const log = join(dir, 'log.csv')
  writeFileSync(log, '# logger\nvalue,value2,note\n1,2,a\n3,4,b\n5,6,c\n7,8,d\n')

  it('features: the rows are placed at the rate; text columns are warned about', async () => {
    const warnings: string[] = []
    const r = (await featuresCommand({
      file: log,
      rate: 4,
      onWarning: (w) => warnings.push(w),
    })) as {
      frames: number
      duration: number
      warnings: string[]
    }
    expect(r.frames).toBe(4)
    expect(r.duration).toBe(0.75)
    expect(warnings).toEqual([
      `${log}: skipped columns of text, not numbers: "note" ("a" on line 3)`,
    ])
    expect(r.warnings).toEqual(warnings)
  })

  it('features: without a rate, the refusal says where to give it', async () => {
    await expect(featuresCommand({ file: log })).rejects.toThrow(
      `${log}: no time column: give the rate with --rate or in the import dialog`,
    )
  })

  it('the flag must be a positive number', async () => {
    for (const rate of ['0', '-1', 'fast'])
      await expect(features.run({ positionals: [log], values: { rate } })).rejects.toBeInstanceOf(
        UsageError,
      )
  })

  it(
    'train on a data folder keeps the rate in the model; predict uses it, or --rate over it',
    { timeout: 120_000 },
    async () => {
      const train = join(dir, 'train')
      mkdirSync(train)
      for (let i = 0; i < 3; i++)
        writeFileSync(join(train, `log${i}.csv`), withoutTime(300 + i, 20))
      const model = join(dir, 'model.onnx')
      const noRate = trainCommand({
        dir: train,
        out: model,
        settings: { epochs: 1, hidden: 4, layers: 1, chunk: 100, threads: 1 },
        ctx: { signal: new AbortController().signal, progress: () => {} },
      })
      await expect(noRate).rejects.toThrow(/no time column: give the rate with --rate/)
      const summary = await trainCommand({
        dir: train,
        out: model,
        rate: 50,
        settings: { epochs: 1, hidden: 4, layers: 1, chunk: 100, threads: 1 },
        ctx: { signal: new AbortController().signal, progress: () => {} },
      })
      expect(summary.classes).toEqual(['rest', 'run', 'walk'])
      const spec = (await readModel(model)).spec
      expect(spec.kind === 'series' && spec.sampleRate).toBe(50)

      const test = join(dir, 'test.csv')
      writeFileSync(test, withoutTime(400, 4))
      const rowTimes = (out: string) =>
        readFileSync(join(out, 'test.labels.csv'), 'utf8')
          .trim()
          .split('\n')
          .slice(1, 4)
          .map((l) => Number(l.split(',')[0]))
      await predictToFiles(model, [test], { out: join(dir, 'p1'), format: 'csv' })
      expect(rowTimes(join(dir, 'p1'))).toEqual([0, 0.02, 0.04])
      await predictToFiles(model, [test], { out: join(dir, 'p2'), format: 'csv', seriesRate: 25 })
      expect(rowTimes(join(dir, 'p2'))).toEqual([0, 0.04, 0.08])
    },
  )
})
