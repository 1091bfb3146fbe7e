/**
 * Predicting with a multi-label model: each class is thresholded by itself, so the predicted
 * events overlap (an overlapping tier), and every format that holds overlaps writes them all.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TaggerConfig } from '../../models/tagger'
import { parseFeatureSpec } from '../features/spec'
import { formatByName } from '../labels/formats'
import { exportTagger } from '../onnx/export'
import { readModel, releaseSessions } from '../onnx/read'
import { randomParams } from '../onnx/testing'
import { formatPrediction } from './outputs'
import { predictFile } from './predict'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-predict-ml-'))))
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

describe('predict with a multi-label model', () => {
  const config: TaggerConfig = {
    cell: 'gru',
    inputSize: 2,
    hiddenSize: 4,
    numLayers: 1,
    numClasses: 3,
    bidirectional: true,
    dropout: 0,
    head: 'sigmoid',
  }
  const classes = ['bird', 'frog', 'rain']

  async function setUp() {
    const modelPath = path.join(dir, 'ml.onnx')
    await exportTagger(modelPath, {
      config,
      params: randomParams(config, 4),
      spec: parseFeatureSpec({
        kind: 'series',
        channels: ['a', 'b'],
        normalization: { mode: 'per-file' },
      }),
      classes,
      // bird and frog are on at every frame (threshold 0), rain never (no σ reaches 1 here)
      multiLabel: {
        perClass: [
          { threshold: 0, medianFilter: 1, minDuration: 0 },
          { threshold: 0, medianFilter: 3, minDuration: 0 },
          { threshold: 1, medianFilter: 1, minDuration: 0 },
        ],
      },
    })
    const csv = path.join(dir, 'log.csv')
    const rows = Array.from(
      { length: 200 },
      (_, i) => `${(i / 10).toFixed(1)},${Math.sin(i)},${i % 7}`,
    )
    await writeFile(csv, ['time,a,b', ...rows].join('\n') + '\n')
    return { model: await readModel(modelPath), csv }
  }

  it('gives overlapping events of different classes, and JSON, Raven, Audacity and CSV keep them', async () => {
    const { model, csv } = await setUp()
    expect(model.multiLabel?.perClass).toHaveLength(3)
    const p = await predictFile(model, csv)
    expect(p.multiLabel).toBe(true)
    expect(p.segments.map((s) => s.label)).toEqual(['bird', 'frog'])
    const [bird, frog] = p.segments
    expect(bird.start).toBe(frog.start)
    expect(bird.end).toBe(frog.end)
    expect(bird.end - bird.start).toBeGreaterThan(19)
    // each frame's strongest event of the two that are on
    for (let t = 0; t < p.frames; t++) {
      const [pb, pf] = [p.probabilities[t * 3], p.probabilities[t * 3 + 1]]
      expect(p.labels[t]).toBe(pb >= pf ? 0 : 1)
    }
    for (const format of ['json', 'raven', 'audacity', 'csv'] as const) {
      // with row times too: a multi-label CSV is an event table, not one label per row
      const text = formatPrediction(p, format, p.frameTimes)
      const back = formatByName(format)!.read(text, `p.${format}`, {})
      expect(back.map((s) => s.label).sort(), format).toEqual(['bird', 'frog'])
    }
    expect(() => formatPrediction(p, 'textgrid')).toThrow(
      /overlap, which a TextGrid tier cannot hold/,
    )
  })
})
