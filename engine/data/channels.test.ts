/**
 * The `channels` training setting on a stereo recording whose events are on channel 2 only
 * (labelled channel 2), plus one unlabelled-channel event on both: which sequences are made,
 * which annotations count on each, the features of the channel asked for, and the split.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Segment } from '../api'
import { parseFeatureSpec } from '../features/spec'
import { makeWav } from '../media/audio/testing'
import { parseTrainSettings } from '../train/settings'
import { assembleDataset, onChannel, type ClassMap, type DataFile } from './dataset'

const RATE = 16000
const SECONDS = 2
const classes: ClassMap = {
  names: ['background', 'tone', 'click'],
  background: 'background',
  ignore: [],
}
const SEGMENTS: Segment[] = [
  { start: 0.5, end: 1.0, label: 'tone', channel: 2 },
  { start: 1.4, end: 1.7, label: 'click' },
]
const spec = parseFeatureSpec({ kind: 'audio', normalization: { mode: 'none' } })
let dir: string
let files: DataFile[]

/** Channel 1: quiet noise throughout; channel 2: the same plus a loud 1 kHz tone at 0.5–1.0 s. */
function stereo(seed: number): Buffer {
  let x = seed
  const noise = () => ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.01
  const n = RATE * SECONDS
  const left = new Float64Array(n)
  const right = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    left[i] = noise()
    const t = i / RATE
    right[i] = noise() + (t >= 0.5 && t < 1.0 ? 0.5 * Math.sin(2 * Math.PI * 1000 * t) : 0)
  }
  return makeWav({ bits: 16, rate: RATE, channels: [left, right] })
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-channels-'))
  files = []
  for (const name of ['a.wav', 'b.wav']) {
    await fs.writeFile(path.join(dir, name), stereo(name.length + name.charCodeAt(0)))
    files.push({
      name,
      path: path.join(dir, name),
      labels: { kind: 'segments', segments: SEGMENTS },
    })
  }
})
afterAll(() => fs.rm(dir, { recursive: true, force: true }))

const opts = { seed: 1, valFraction: 0 }
/** Frames labelled `label` in a sequence, as fractions of a second (frame centres). */
const framesOf = (labels: Int32Array, label: string) =>
  Array.from(labels).filter((y) => y === classes.names.indexOf(label)).length
/** Mean of a sequence's first feature over frames [t0, t1). */
const meanFeature = (x: Float32Array, F: number, t0: number, t1: number) => {
  let s = 0
  for (let t = t0; t < t1; t++) s += x[t * F]
  return s / (t1 - t0)
}

describe('training channels', () => {
  it('is a setting: mix, each, or a 1-based channel; absent by default', () => {
    expect(parseTrainSettings({}).channels).toBeUndefined()
    expect(parseTrainSettings({ channels: 'each' }).channels).toBe('each')
    expect(parseTrainSettings({ channels: 2 }).channels).toBe(2)
    expect(() => parseTrainSettings({ channels: 0 })).toThrow()
    expect(() => parseTrainSettings({ channels: 'left' })).toThrow()
  })

  it('keeps unlabelled-channel annotations on every channel, labelled ones on theirs', () => {
    expect(onChannel(SEGMENTS, 1).map((s) => s.label)).toEqual(['click'])
    expect(onChannel(SEGMENTS, 2).map((s) => s.label)).toEqual(['tone', 'click'])
    expect(onChannel(SEGMENTS, 'mix')).toEqual(SEGMENTS)
  })

  it("'each' makes a sequence per channel, channel 2's events on channel 2 only", async () => {
    const {
      data,
      spec: out,
      files: split,
    } = await assembleDataset([files[0]], spec, classes, {
      ...opts,
      channels: 'each',
    })
    expect(data.train.map((s) => s.name)).toEqual(['a.wav (channel 1)', 'a.wav (channel 2)'])
    const [one, two] = data.train
    expect(framesOf(one.labels, 'tone')).toBe(0)
    expect(framesOf(two.labels, 'tone')).toBeGreaterThan(40) // 0.5 s at the 10 ms hop
    expect(framesOf(one.labels, 'click')).toBe(framesOf(two.labels, 'click'))
    expect(framesOf(one.labels, 'click')).toBeGreaterThan(20)
    // the features are each channel's own: the tone's frames are far louder on channel 2
    const F = data.F
    const frame = (t: number) => Math.round(t / 0.01)
    const louder =
      meanFeature(two.x, F, frame(0.6), frame(0.9)) - meanFeature(one.x, F, frame(0.6), frame(0.9))
    expect(louder).toBeGreaterThan(2)
    expect(
      Math.abs(
        meanFeature(two.x, F, frame(1.2), frame(1.9)) -
          meanFeature(one.x, F, frame(1.2), frame(1.9)),
      ),
    ).toBeLessThan(1)
    expect(out.kind === 'audio' && out.channel).toBe('mix')
    expect(split.train).toEqual(['a.wav'])
  })

  it('a chosen channel: its annotations and features, and the model reads that channel', async () => {
    const two = await assembleDataset([files[0]], spec, classes, { ...opts, channels: 2 })
    const one = await assembleDataset([files[0]], spec, classes, { ...opts, channels: 1 })
    expect(two.data.train).toHaveLength(1)
    expect(framesOf(two.data.train[0].labels, 'tone')).toBeGreaterThan(40)
    expect(framesOf(one.data.train[0].labels, 'tone')).toBe(0)
    expect(two.spec.kind === 'audio' && two.spec.channel).toBe(1)
    expect(one.spec.kind === 'audio' && one.spec.channel).toBe(0)
  })

  it('the mix keeps every annotation; a channel the file lacks is refused by name', async () => {
    const mix = await assembleDataset([files[0]], spec, classes, { ...opts, channels: 'mix' })
    expect(framesOf(mix.data.train[0].labels, 'tone')).toBeGreaterThan(40)
    await expect(
      assembleDataset([files[0]], spec, classes, { ...opts, channels: 3 }),
    ).rejects.toThrow(
      /a\.wav: has 2 channels, and training was asked for channel 3; choose a channel from 1 to 2/,
    )
  })

  it("keeps a file's channels on one side of the split, and multi-hot targets per channel", async () => {
    const { data, files: split } = await assembleDataset(files, spec, classes, {
      seed: 3,
      valFraction: 0.5,
      channels: 'each',
      multiLabel: true,
    })
    expect(data.train).toHaveLength(2)
    expect(data.val).toHaveLength(2)
    const file = (n: string) => n.replace(/ \(channel \d\)$/, '')
    expect(new Set(data.train.map((s) => file(s.name)))).toEqual(new Set(split.train))
    expect(new Set(data.val.map((s) => file(s.name)))).toEqual(new Set(split.val))
    // multi-hot classes: tone, click (no background); channel 1's tone column is empty
    const tone = data.classes.indexOf('tone')
    const C = data.classes.length
    const ch1 = data.train.find((s) => s.name.endsWith('(channel 1)'))!
    const ch2 = data.train.find((s) => s.name.endsWith('(channel 2)'))!
    const on = (s: typeof ch1) => {
      let n = 0
      for (let t = 0; t < s.labels.length; t++) n += s.targets![t * C + tone]
      return n
    }
    expect(on(ch1)).toBe(0)
    expect(on(ch2)).toBeGreaterThan(40)
  })
})
