import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readLabelTiers } from '../labels/formats'
import { convertCommand } from './convert'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-convert-tiers-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const TIERS = {
  tiers: [
    {
      name: 'species',
      kind: 'exclusive',
      segments: [
        { start: 0.5, end: 1.25, label: 'song' },
        { start: 1.25, end: 2, label: 'call' },
      ],
    },
    {
      name: 'bells',
      kind: 'overlapping',
      segments: [
        { start: 0.75, end: 0.75, label: 'bell' },
        { start: 1.5, end: 1.5, label: 'bell' },
      ],
    },
  ],
}

describe('convert keeps tiers', () => {
  it('JSON → TextGrid writes every tier; --tier writes one', async () => {
    const input = path.join(dir, 'a.labels.json')
    await fs.writeFile(input, JSON.stringify(TIERS))
    const out = path.join(dir, 'a.TextGrid')
    const all = await convertCommand({ input, to: 'textgrid', out })
    expect(all).toMatchObject({
      segments: 4,
      tiers: [
        { name: 'species', kind: 'exclusive', segments: 2 },
        { name: 'bells', kind: 'overlapping', segments: 2 },
      ],
    })
    expect(await readLabelTiers(out)).toEqual(TIERS.tiers)

    const one = path.join(dir, 'bells.txt')
    await convertCommand({ input, to: 'audacity', out: one, tier: 'bells' })
    expect(await fs.readFile(one, 'utf8')).toBe(
      '0.750000\t0.750000\tbell\n1.500000\t1.500000\tbell\n',
    )
  })
})
