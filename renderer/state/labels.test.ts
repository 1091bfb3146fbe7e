import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Segment } from '../../engine/api'
import { fake } from './fake-api'
import { LabelsState } from './labels.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const ON_DISK: Segment[] = [{ start: 4, end: 5, label: 'run' }]

beforeEach(() => {
  fake.reset()
  fake.handle('getLabels', ({ media }) => ({ media, revision: 3, segments: ON_DISK }))
  fake.handle('saveLabels', ({ media, segments }) => ({
    media,
    revision: 4,
    segments: segments as Segment[],
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
      { media: 'a.wav', segments: labels.segments, baseRevision: 3, force: false },
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
})
