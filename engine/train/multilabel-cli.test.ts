/**
 * `framewise train --head sigmoid` → `predict` on recordings where two sources overlap: the
 * model is multi-label (metadata and card), and the prediction written as a Raven table holds
 * overlapping events of both classes that match the reference (event-based F1); `eval` scores
 * them with the segment- and event-based metrics.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Rng } from '../../models/rng'
import { eventBasedMetrics } from '../eval/polyphonic'
import { formatByName } from '../labels/formats'
import type { Segment } from '../labels/segments'
import { makeWav } from '../media/audio/testing'
import { readModelCard } from '../onnx/card'
import { releaseSessions } from '../onnx/read'
import { runCli } from '../testing/cli'

const RATE = 16000
let root: string
beforeAll(async () => void (root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-ml-cli-'))))
afterAll(async () => {
  await releaseSessions()
  await fs.rm(root, { recursive: true, force: true })
})

/** `seconds` of a 600 Hz 'low' source and a 2.5 kHz 'high' one, each on and off by itself. */
function recording(seed: number, seconds = 10): { wav: Buffer; segments: Segment[] } {
  const rng = new Rng(seed)
  const n = seconds * RATE
  const x = new Float64Array(n).map(() => 0.01 * rng.normal())
  const segments: Segment[] = []
  for (const [label, freq] of [
    ['low', 600],
    ['high', 2500],
  ] as const) {
    let t = 0.3 + rng.uniform()
    while (t < seconds - 1) {
      const dur = 0.6 + 1.2 * rng.uniform()
      const [i0, i1] = [Math.round(t * RATE), Math.round((t + dur) * RATE)]
      for (let i = i0; i < i1; i++) {
        const env = Math.min(1, (i - i0) / 160, (i1 - i) / 160)
        x[i] += 0.3 * env * Math.sin((2 * Math.PI * freq * i) / RATE)
      }
      segments.push({ start: i0 / RATE, end: i1 / RATE, label })
      t += dur + 0.3 + 1.2 * rng.uniform()
    }
  }
  return { wav: makeWav({ bits: 16, rate: RATE, channels: [x] }), segments }
}

describe('framewise train --head sigmoid → predict', () => {
  it('learns overlapping sources and writes their overlapping events', async () => {
    const train = path.join(root, 'train')
    await fs.mkdir(train)
    const raven = formatByName('raven')!
    for (let i = 0; i < 6; i++) {
      const r = recording(10 + i)
      await fs.writeFile(path.join(train, `r${i}.wav`), r.wav)
      await fs.writeFile(path.join(train, `r${i}.selections.txt`), raven.write!(r.segments))
    }
    const test = recording(99)
    const testWav = path.join(root, 'test.wav')
    await fs.writeFile(testWav, test.wav)
    const overlapping = (s: Segment[]) =>
      s.some((a) => s.some((b) => a.label !== b.label && a.start < b.end && b.start < a.end))
    expect(overlapping(test.segments)).toBe(true)

    const model = path.join(root, 'ml.onnx')
    const trained = await runCli([
      'train',
      train,
      '--out',
      model,
      '--head',
      'sigmoid',
      '--epochs',
      '12',
      '--hidden',
      '16',
      '--layers',
      '1',
      '--threads',
      '1',
      '--val',
      '0.34',
    ])
    expect(trained.code, trained.stderr).toBe(0)
    const card = await readModelCard(model)
    expect(card?.tagger?.head).toBe('sigmoid')
    expect(card?.classes).toEqual(['high', 'low'])
    expect(card?.multiLabel?.thresholds).toBe('validation')

    const out = path.join(root, 'pred')
    const predicted = await runCli(['predict', model, testWav, '--out', out, '--format', 'raven'])
    expect(predicted.code, predicted.stderr).toBe(0)
    const written = (await fs.readdir(out)).find((f) => f.endsWith('.selections.txt'))!
    const events = raven.read(await fs.readFile(path.join(out, written), 'utf8'), written, {})
    expect(new Set(events.map((e) => e.label))).toEqual(new Set(['high', 'low']))
    expect(overlapping(events)).toBe(true)
    const m = eventBasedMetrics(test.segments, events, { offset: false })
    console.log(
      `multi-label CLI: ${events.length} events predicted for ${test.segments.length}, onset F1 ${m.micro.f1.toFixed(3)}`,
    )
    expect(m.micro.f1).toBeGreaterThan(0.6)

    // eval scores the overlapping events with the polyphonic metrics too
    const held = path.join(root, 'held')
    await fs.mkdir(held)
    await fs.copyFile(testWav, path.join(held, 'test.wav'))
    await fs.writeFile(path.join(held, 'test.selections.txt'), raven.write!(test.segments))
    const scored = await runCli(['eval', model, held, '--files', 'all'])
    expect(scored.code, scored.stderr).toBe(0)
    const report = JSON.parse(scored.stdout) as {
      polyphonic: { segment: { micro: { f1: number } }; event: { micro: { f1: number } } }
    }
    console.log(
      `multi-label eval: segment F1 ${report.polyphonic.segment.micro.f1.toFixed(3)}, event F1 ${report.polyphonic.event.micro.f1.toFixed(3)}`,
    )
    expect(report.polyphonic.segment.micro.f1).toBeGreaterThan(0.8)
  }, 240_000)
})
