/**
 * `framewise eval --rate`: a data folder of CSV series without a time column is scored at the
 * rate given, else at the rate the model was trained with; a project refuses the flag (each
 * file keeps its own rate), and the flag must be a positive number.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { syntheticSeries } from '../data/synthetic'
import { evaluateModel } from '../eval/evaluate'
import { Project } from '../project/store'
import { UsageError } from './command'
import { evalCommand } from './eval'
import { trainCommand } from './train'

const dir = mkdtempSync(join(tmpdir(), 'fw-eval-rate-'))
/** A synthetic sensor log with its time column dropped: `ax,ay,az,label` rows at 50 Hz. */
const withoutTime = (seed: number, seconds: number) =>
  syntheticSeries(seed, seconds)
    .csv.split('\n')
    .map((l) => l.slice(l.indexOf(',') + 1))
    .join('\n')

describe('eval --rate', () => {
  it(
    'scores rows without times at the rate given, or at the model’s',
    { timeout: 120_000 },
    async () => {
      const train = join(dir, 'train')
      mkdirSync(train)
      for (let i = 0; i < 2; i++)
        writeFileSync(join(train, `log${i}.csv`), withoutTime(500 + i, 10))
      const model = join(dir, 'model.onnx')
      await trainCommand({
        dir: train,
        out: model,
        rate: 50,
        settings: { epochs: 1, hidden: 4, layers: 1, chunk: 100, threads: 1 },
        ctx: { signal: new AbortController().signal, progress: () => {} },
      })
      const test = join(dir, 'test')
      mkdirSync(test)
      writeFileSync(join(test, 'a.csv'), withoutTime(600, 4))
      // without --rate the folder is read at the model's 50 Hz (it was refused: no time column)
      const atModelRate = await evaluateModel(model, test, { files: 'all' })
      expect(atModelRate.files).toBe(1)
      const atGiven = await evaluateModel(model, test, { files: 'all', seriesRate: 25 })
      expect(atGiven.perFile[0].frames).toBe(atModelRate.perFile[0].frames)
      const r = await evalCommand.run({
        positionals: [model, test],
        values: { rate: '50', files: 'all' },
      })
      expect(r).toMatchObject({ files: 1 })
    },
  )

  it('refuses --rate for a project and a rate that is not a positive number', async () => {
    const project = await Project.create(join(dir, 'proj'), 'p')
    const model = join(dir, 'model.onnx')
    await expect(
      evalCommand.run({ positionals: [model, project.dir], values: { rate: '50' } }),
    ).rejects.toThrow(/--rate is for a data folder/)
    for (const rate of ['0', '-1', 'fast'])
      await expect(
        evalCommand.run({ positionals: [model, dir], values: { rate } }),
      ).rejects.toBeInstanceOf(UsageError)
  })
})
