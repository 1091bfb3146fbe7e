import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { scoreCommand } from './score'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-score-tiers-'))
  await fs.mkdir(path.join(dir, 'pred'))
  await fs.mkdir(path.join(dir, 'ref'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('score against one tier of the references', () => {
  it('--tier picks the reference tier; default the first exclusive one', async () => {
    await fs.writeFile(
      path.join(dir, 'ref/a.labels.json'),
      JSON.stringify({
        tiers: [
          {
            name: 'weather',
            kind: 'overlapping',
            segments: [{ start: 0, end: 3, label: 'wind' }],
          },
          {
            name: 'species',
            kind: 'exclusive',
            segments: [
              { start: 0.5, end: 1.25, label: 'song' },
              { start: 2, end: 2.5, label: 'call' },
            ],
          },
        ],
      }),
    )
    await fs.writeFile(
      path.join(dir, 'pred/a.txt'),
      '0.500000\t1.250000\tsong\n2.000000\t2.500000\tcall\n',
    )
    const o = { predDir: path.join(dir, 'pred'), refDir: path.join(dir, 'ref') }
    const species = (await scoreCommand(o)) as { event: { f1: number } }
    expect(species.event.f1).toBe(1)
    expect(((await scoreCommand({ ...o, tier: 'species' })) as typeof species).event.f1).toBe(1)
    const weather = (await scoreCommand({ ...o, tier: 'weather' })) as typeof species
    expect(weather.event.f1).toBe(0)
  })
})
