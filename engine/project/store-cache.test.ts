/** Label files are read once per version: view() after the first reads none again until one changes. */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readRegularText } from '../io/input-files'
import { Project } from './store'

vi.mock('../io/input-files', async (original) => {
  const actual = await original<typeof import('../io/input-files')>()
  return { ...actual, readRegularText: vi.fn(actual.readRegularText) }
})
const reads = vi.mocked(readRegularText)
const labelReads = () => reads.mock.calls.filter(([file]) => file.endsWith('.labels.json')).length

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-store-cache-'))
  reads.mockClear()
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('label summaries', () => {
  it('are read once, updated by our own saves, and read again after an outside edit', async () => {
    const p = await Project.create(dir)
    for (const name of ['a.wav', 'b.wav']) await fs.writeFile(path.join(dir, name), 'RIFF')
    await p.addMedia(['a.wav', 'b.wav'])
    const segments = Array.from({ length: 1000 }, (_, i) => ({
      start: i,
      end: i + 0.5,
      label: 'event',
    }))
    await p.writeLabels('a.wav', segments, 0)
    await fs.writeFile(path.join(dir, 'labels', 'b.labels.json'), '{"broken')

    const again = await Project.open(dir)
    const before = labelReads()
    const first = await again.view()
    expect(first.media.map((m) => m.segmentCount)).toEqual([1000, 0])
    expect(first.media[1].problem).toMatch(/b\.labels\.json: not valid JSON/)
    const afterFirst = labelReads()
    expect(afterFirst - before).toBe(2)
    for (let i = 0; i < 5; i++)
      expect((await again.view()).media.map((m) => m.segmentCount)).toEqual([1000, 0])
    expect(labelReads()).toBe(afterFirst) // neither the good nor the damaged file is read again

    // Our own save updates the summary without a read by view().
    const saved = await again.writeLabels('a.wav', segments.slice(0, 10), 1)
    const afterSave = labelReads()
    expect((await again.view()).media[0].segmentCount).toBe(10)
    expect(labelReads()).toBe(afterSave)

    // Another program rewrites a's labels (same size class, new content): seen at the next view.
    const outside = {
      format: 'framewise-labels',
      version: 1,
      media: 'a.wav',
      revision: saved.revision + 1,
      segments: segments.slice(0, 3),
    }
    await fs.writeFile(path.join(dir, 'labels', 'a.labels.json'), JSON.stringify(outside))
    expect((await again.view()).media[0].segmentCount).toBe(3)
    expect(labelReads()).toBe(afterSave + 1)

    // setClasses checks the classes in use from the same summaries, and the damaged file still stops it.
    await expect(
      again.setClasses([{ name: 'event', color: '#000000', hotkey: null, role: 'class' }]),
    ).rejects.toThrow(/b\.labels\.json: not valid JSON/)
    await fs.rm(path.join(dir, 'labels', 'b.labels.json'))
    await expect(
      again.setClasses([{ name: 'other', color: '#000000', hotkey: null, role: 'class' }]),
    ).rejects.toThrow(/class 'event' is still used by the labels of a\.wav/)
    expect(labelReads()).toBe(afterSave + 1)
  })
})
