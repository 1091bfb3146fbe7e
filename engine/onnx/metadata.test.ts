/**
 * Model metadata and cards: the feature count a spec gives, metadata_props and cards that are
 * malformed give errors naming the file and the key, and the background class is resolved.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataError } from '../errors'
import { parseFeatureSpec } from '../features/spec'
import { cardPathOf, readModelCard } from './card'
import { featureCount, META_KEYS, parseMetadataProps } from './metadata'
import { backgroundIndex, postProcessSchema } from './postprocess-settings'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), 'fw-meta-'))))
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('featureCount', () => {
  it('counts base features with Δ and ΔΔ', () => {
    expect(featureCount(parseFeatureSpec({ kind: 'audio' }))).toBe(39) // 13 MFCC × 3
    expect(
      featureCount(
        parseFeatureSpec({
          kind: 'audio',
          features: [{ name: 'logmel' }, { name: 'rms' }],
          deltas: 1,
        }),
      ),
    ).toBe(82)
    expect(
      featureCount(
        parseFeatureSpec({
          kind: 'series',
          channels: ['a', 'b'],
          frameLength: 4,
          stats: ['mean', 'max'],
        }),
      ),
    ).toBe(4)
  })
  it('needs the channels of a series spec that takes every column', () => {
    expect(featureCount(parseFeatureSpec({ kind: 'series' }))).toBeNull()
    expect(featureCount(parseFeatureSpec({ kind: 'series', deltas: 1 }), ['x', 'y', 'z'])).toBe(6)
  })
})

describe('metadata props and cards', () => {
  it('parse errors name the file and the key', () => {
    expect(() => parseMetadataProps('m.onnx', { [META_KEYS.classes]: '["a",' })).toThrow(
      /^m\.onnx: metadata framewise\.classes is not valid JSON/,
    )
    expect(() =>
      parseMetadataProps('m.onnx', { [META_KEYS.features]: '{"kind":"video"}' }),
    ).toThrow(DataError)
    expect(() => parseMetadataProps('m.onnx', { [META_KEYS.output]: 'scores' })).toThrow(
      /framewise\.output/,
    )
    expect(parseMetadataProps('m.onnx', { other: 'x' })).toEqual({})
  })

  it('background: explicit, then a class named background, else class 0; null for none', () => {
    const pp = (o: object) => postProcessSchema.parse(o)
    expect(backgroundIndex(['a', 'b', 'c'], pp({ background: 'b' }))).toBe(1)
    expect(backgroundIndex(['a', 'Background', 'c'], pp({}))).toBe(1)
    expect(backgroundIndex(['noise', 'call'], pp({}))).toBe(0)
    expect(backgroundIndex(['noise', 'call'], pp({ background: null }))).toBeNull()
    expect(() => backgroundIndex(['a'], pp({ background: 'z' }))).toThrow(/not one of/)
    expect(() => pp({ medianFilter: 4 })).toThrow(/odd/)
  })

  it('a JSON file of another kind is no card; a broken card is a DataError', async () => {
    const model = path.join(dir, 'ext.onnx')
    expect(cardPathOf(model)).toBe(path.join(dir, 'ext.json'))
    expect(await readModelCard(model)).toBeNull()
    await writeFile(path.join(dir, 'ext.json'), '{"hello": 1}')
    expect(await readModelCard(model)).toBeNull()
    await writeFile(path.join(dir, 'ext.json'), '{"format": "framewise-model-card", "version": 1}')
    await expect(readModelCard(model)).rejects.toThrow(/ext\.json: invalid model card/)
    await writeFile(path.join(dir, 'ext.json'), '{"format": ')
    await expect(readModelCard(model)).rejects.toThrow(/ext\.json: not valid JSON/)
  })
})
