/**
 * `framewise train --front-end conv` → `predict`: a CRNN trains for a few epochs through the CLI,
 * its batch norms' running statistics are set from the training data (not left at 0 / 1), the
 * exported model carries its conv context and runs in onnxruntime, and predict writes labels.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syntheticAudio } from '../data/synthetic'
import { formatByName } from '../labels/formats'
import { readModelCard } from '../onnx/card'
import { readModel, releaseSessions } from '../onnx/read'
import { runCli } from '../testing/cli'

let root: string
beforeAll(async () => void (root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-crnn-cli-'))))
afterAll(async () => {
  await releaseSessions()
  await fs.rm(root, { recursive: true, force: true })
})

describe('framewise train --front-end conv → predict', () => {
  it('trains a CRNN, exports it with its conv context, and predicts labels', async () => {
    const data = path.join(root, 'data')
    await fs.mkdir(data)
    const audacity = formatByName('audacity')!
    for (let i = 0; i < 5; i++) {
      const a = syntheticAudio(200 + i, 6)
      await fs.writeFile(path.join(data, `r${i}.wav`), a.wav)
      await fs.writeFile(path.join(data, `r${i}.txt`), audacity.write!(a.segments))
    }
    const model = path.join(root, 'crnn.onnx')
    const trained = await runCli([
      'train',
      data,
      '--out',
      model,
      '--front-end',
      'conv',
      '--conv-blocks',
      '2',
      '--conv-channels',
      '4',
      '--epochs',
      '3',
      '--hidden',
      '8',
      '--layers',
      '1',
      '--chunk',
      '200',
      '--threads',
      '2', // data-parallel shards, each with its own batch statistics
    ])
    expect(trained.code, trained.stderr).toBe(0)
    const summary = JSON.parse(trained.stdout)
    expect(summary.epochs).toBe(3)
    expect(summary.best.valMacroF1).toBeGreaterThan(0)
    expect((await readModel(model)).convContext).toBe(2) // 2 blocks of 3×3: 2 frames each side
    const card = await readModelCard(model)
    expect(card?.tagger?.frontEnd?.blocks).toEqual([
      { channels: 4, pool: 2 },
      { channels: 4, pool: 2 },
    ])

    const test = syntheticAudio(299, 6)
    const wav = path.join(root, 'test.wav')
    await fs.writeFile(wav, test.wav)
    const out = path.join(root, 'pred')
    const predicted = await runCli(['predict', model, wav, '--out', out])
    expect(predicted.code, predicted.stderr).toBe(0)
    const written = await fs.readdir(out)
    expect(written.length).toBeGreaterThan(0)
  })
})
