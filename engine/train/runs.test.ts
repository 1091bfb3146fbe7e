import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunRecord } from '../project/runs'
import type { Checkpoint } from './epochs'
import { RunStore, dataHash, decodeCheckpoint, encodeCheckpoint, newRunId } from './runs'
import { parseTrainSettings } from './settings'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-runs-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const checkpoint = (): Checkpoint => ({
  epoch: 3,
  params: Float32Array.from([1, -2.5, 3e-7]),
  best: { params: Float32Array.from([0.5, 0.25, -1]), epoch: 2, score: 0.75 },
  optimizer: { t: 42, m: Float64Array.from([1e-300, 2, 3]), v: Float64Array.from([4, 5, 6.5]) },
  history: [
    {
      epoch: 1,
      trainLoss: 1.5,
      valLoss: Number.NaN,
      valAccuracy: 0.5,
      valMacroF1: 0.4,
      seconds: 1,
      framesPerSecond: 100,
    },
  ],
})

describe('checkpoints', () => {
  it('round-trip exactly, NaN included', () => {
    const c = checkpoint()
    const back = decodeCheckpoint(Buffer.from(encodeCheckpoint(c)), 'x')
    expect(Array.from(back.params)).toEqual(Array.from(c.params))
    expect(Array.from(back.best.params)).toEqual(Array.from(c.best.params))
    expect(Array.from(back.optimizer.m)).toEqual(Array.from(c.optimizer.m))
    expect(Array.from(back.optimizer.v)).toEqual(Array.from(c.optimizer.v))
    expect(back.optimizer.t).toBe(42)
    expect(back.best).toMatchObject({ epoch: 2, score: 0.75 })
    expect(back.history[0].valLoss).toBeNaN()
    expect(back.history[0].trainLoss).toBe(1.5)
  })

  it('refuse truncated or foreign files, naming them', () => {
    const bytes = Buffer.from(encodeCheckpoint(checkpoint()))
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1), 'ck.bin')).toThrow(
      /ck.bin: truncated checkpoint/,
    )
    expect(() => decodeCheckpoint(Buffer.from('PK\x03\x04'), 'ck.bin')).toThrow(
      /ck.bin: not a Framewise checkpoint/,
    )
  })
})

describe('RunStore', () => {
  it('writes and lists run records, and keeps checkpoints', async () => {
    const store = new RunStore(dir)
    const id = newRunId(new Date('2026-01-02T03:04:05.678Z'))
    expect(id).toMatch(/^2026-01-02T03-04-05-678-[0-9a-f]{4}$/)
    const record: RunRecord = {
      id,
      status: 'running',
      startedAt: '2026-01-02T03:04:05.678Z',
      finishedAt: null,
      durationSeconds: 0,
      settings: parseTrainSettings({}),
      features: { kind: 'audio' },
      classes: ['bg', 'a'],
      dataHash: 'abc',
      files: { train: ['a.wav'], val: ['b.wav'] },
      classWeights: [1, 1],
      history: [],
      bestEpoch: null,
      model: null,
      error: null,
    }
    await store.write(record)
    await store.writeCheckpoint(id, checkpoint())
    expect((await store.list()).map((r) => r.id)).toEqual([id])
    expect((await store.readCheckpoint(id)).epoch).toBe(3)
    await fs.writeFile(path.join(store.dir(id), 'run.json'), '{oops')
    await expect(store.read(id)).rejects.toThrow(/run.json: cannot read the run record/)
    expect(await store.list()).toEqual([])
  })

  it('hashes data so that any change to features, labels or names changes the hash', () => {
    const seq = () => ({ name: 'a', x: Float32Array.from([1, 2]), labels: Int32Array.from([0, 1]) })
    const base = dataHash([seq()])
    expect(dataHash([seq()])).toBe(base)
    const x = seq()
    x.x[1] = 2.0000002
    expect(dataHash([x])).not.toBe(base)
    const y = seq()
    y.labels[0] = -1
    expect(dataHash([y])).not.toBe(base)
    expect(dataHash([{ ...seq(), name: 'b' }])).not.toBe(base)
  })
})
