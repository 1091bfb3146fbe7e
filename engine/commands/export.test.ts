/**
 * `framewise export`: a copy of the model and card, or with --with-features one that takes
 * samples (its card says so); a missing --out or a name not ending in .onnx is a usage error.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TaggerConfig } from '../../models/params'
import { parseFeatureSpec } from '../features/spec'
import { readModelCard } from '../onnx/card'
import { exportTagger } from '../onnx/export'
import { randomParams } from '../onnx/testing'
import { UsageError } from './command'
import { exportCommand } from './export'

let dir: string
let model: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-export-cmd-'))
  model = path.join(dir, 'm.onnx')
  const config: TaggerConfig = {
    cell: 'lstm',
    inputSize: 39,
    hiddenSize: 4,
    numLayers: 1,
    numClasses: 2,
    bidirectional: false,
    dropout: 0,
  }
  const spec = parseFeatureSpec({ kind: 'audio' })
  await exportTagger(model, { config, params: randomParams(config), spec, classes: ['x', 'y'] })
})
afterAll(async () => fs.rm(dir, { recursive: true, force: true }))

describe('framewise export', () => {
  it('copies the model and card, or writes one that takes samples with --with-features', async () => {
    const copy = path.join(dir, 'copy.onnx')
    await exportCommand.run({ positionals: [model], values: { out: copy } })
    expect(await fs.readFile(copy)).toEqual(await fs.readFile(model))
    expect((await readModelCard(copy))?.input).toBeUndefined()
    const raw = path.join(dir, 'raw.onnx')
    await exportCommand.run({ positionals: [model], values: { out: raw, 'with-features': true } })
    const card = await readModelCard(raw)
    expect(card?.input).toMatchObject({ name: 'samples', sampleRate: 16000 })
    expect(card?.classes).toEqual(['x', 'y'])
  })

  it('needs --out FILE.onnx', async () => {
    await expect(exportCommand.run({ positionals: [model], values: {} })).rejects.toThrow(
      UsageError,
    )
    await expect(
      exportCommand.run({ positionals: [model], values: { out: path.join(dir, 'a.bin') } }),
    ).rejects.toThrow(/must end in .onnx/)
  })
})
