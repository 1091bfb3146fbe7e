import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Segment, Tier } from '../../engine/api'
import { fake } from './fake-api'
import { LabelsState } from './labels.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const ON_DISK: Segment[] = [{ start: 4, end: 5, label: 'run' }]

beforeEach(() => {
  fake.reset()
  fake.handle('getLabels', ({ media }) => ({
    media,
    revision: 3,
    tiers: [{ name: 'labels', kind: 'exclusive', segments: ON_DISK }],
    segments: ON_DISK,
  }))
  fake.handle('saveLabels', ({ media, tiers }) => ({
    media,
    revision: 4,
    tiers: tiers!,
    segments: tiers![0].segments,
  }))
})

describe('the labels of a file', () => {
  it('undoes and redoes an edit, and saves the state it ends in', async () => {
    const saved: [string, number][] = []
    const labels = new LabelsState(
      (media, count) => saved.push([media, count]),
      () => ['walk', 'run'],
    )
    await labels.load('a.wav')
    expect(labels.segments).toEqual(ON_DISK)

    labels.create(1, 2)
    expect(labels.segments).toEqual([{ start: 1, end: 2, label: 'walk' }, ...ON_DISK])
    expect(labels.selected).toBe(0)
    labels.setClass(0, 'run')
    expect(labels.undoName).toBe('Change class')

    labels.undo()
    expect(labels.segments[0].label).toBe('walk')
    expect([labels.undoName, labels.redoName]).toEqual(['Add segment', 'Change class'])
    labels.undo()
    expect(labels.segments).toEqual(ON_DISK)
    expect(labels.selected).toBeNull()
    expect([labels.undoName, labels.redoName]).toEqual([null, 'Add segment'])

    labels.redo()
    labels.redo()
    expect(labels.segments).toEqual([{ start: 1, end: 2, label: 'run' }, ...ON_DISK])
    expect(labels.selected).toBe(0)
    expect([labels.undoName, labels.redoName]).toEqual(['Change class', null])
    expect(labels.status).toBe('unsaved')

    await labels.flush()
    expect(fake.paramsOf('saveLabels')).toEqual([
      { media: 'a.wav', tiers: labels.tiers, baseRevision: 3, force: false },
    ])
    expect(labels.status).toBe('saved')
    expect(saved).toEqual([['a.wav', 2]])
  })

  it('forgets what redo would repeat once a new edit is made', async () => {
    const labels = new LabelsState(undefined, () => ['walk'])
    await labels.load('a.wav')
    labels.create(1, 2)
    labels.undo()
    labels.create(2, 3)
    labels.redo()
    expect(labels.segments).toEqual([{ start: 2, end: 3, label: 'walk' }, ...ON_DISK])
    expect(labels.redoName).toBeNull()
    await labels.flush()
  })

  it('edits the selected tier; tier adds and renames are undone like edits and saved with all tiers', async () => {
    const TWO: Tier[] = [
      { name: 'species', kind: 'exclusive', segments: ON_DISK },
      { name: 'events', kind: 'overlapping', segments: [{ start: 0, end: 3, label: 'walk' }] },
    ]
    fake.handle('getLabels', ({ media }) => ({ media, revision: 3, tiers: TWO, segments: ON_DISK }))
    const labels = new LabelsState(undefined, () => ['walk', 'run'])
    await labels.load('a.wav')
    expect([labels.tier.name, labels.segments]).toEqual(['species', ON_DISK])

    // an overlapping tier keeps what a new event overlaps; an exclusive one is painted over
    labels.selectTier(1)
    labels.create(1, 2, 'run')
    expect(labels.segments).toEqual([
      { start: 0, end: 3, label: 'walk' },
      { start: 1, end: 2, label: 'run' },
    ])
    expect(labels.selected).toBe(1)
    labels.selectTier(0)
    labels.create(4.5, 6, 'walk')
    expect(labels.segments).toEqual([
      { start: 4, end: 4.5, label: 'run' },
      { start: 4.5, end: 6, label: 'walk' },
    ])

    labels.addTier('events', 'overlapping')
    expect(labels.tiers.map((t) => [t.name, t.kind])).toEqual([
      ['species', 'exclusive'],
      ['events', 'overlapping'],
      ['events 2', 'overlapping'],
    ])
    expect([labels.tierIndex, labels.segments]).toEqual([2, []])
    labels.renameTier(2, 'call type')
    labels.renameTier(2, 'species')
    expect(labels.error).toBe(
      'There is a tier named "species" already; give this one another name.',
    )
    expect(labels.tiers.map((t) => t.name)).toEqual(['species', 'events', 'call type'])

    // undo walks back through tier edits and segment edits alike, showing the tier it changes
    labels.undo()
    expect(labels.tiers[2]!.name).toBe('events 2')
    labels.undo()
    expect(labels.tiers).toHaveLength(2)
    labels.undo()
    expect([labels.tier.name, labels.segments]).toEqual(['species', ON_DISK])
    labels.undo()
    expect([labels.tier.name, labels.segments]).toEqual(['events', TWO[1]!.segments])
    labels.redo()
    labels.redo()
    labels.redo()
    labels.redo()
    await labels.flush()
    const sent = fake.paramsOf('saveLabels').at(-1)!
    expect(sent.segments).toBeUndefined()
    expect(sent.tiers!.map((t) => [t.name, t.segments.length])).toEqual([
      ['species', 2],
      ['events', 2],
      ['call type', 0],
    ])

    // the next file opens on the tier of the same name
    fake.handle('getLabels', ({ media }) => ({
      media,
      revision: 1,
      tiers: [{ ...TWO[1]!, segments: [] }, TWO[0]!],
      segments: ON_DISK,
    }))
    labels.selectTier(1)
    await labels.load('b.wav')
    expect(labels.tier.name).toBe('events')
    expect(labels.tierIndex).toBe(0)
  })
})
