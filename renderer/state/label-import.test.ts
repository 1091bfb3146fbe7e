import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Tier, LabelClass, LabelsView, ProjectView, Segment } from '../../engine/api'
import { fake } from './fake-api'
import { importLabelsInto } from './label-import'
import { LabelsState } from './labels.svelte'
import { ProjectState } from './project.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const OLD: Segment[] = [{ start: 4, end: 5, label: 'tone' }]
const CLASSES: LabelClass[] = [{ name: 'tone', color: '#e6550d', hotkey: 1, role: 'class' }]

function projectView(classes: LabelClass[]): ProjectView {
  return {
    dir: '/p',
    name: 'p',
    classes,
    media: ['a.wav', 'b.wav'].map((id) => ({
      id,
      path: id,
      kind: 'audio' as const,
      segmentCount: 1,
      status: 'labelled' as const,
    })),
    frameHop: { audio: 0.01, seriesRows: 1 },
  }
}

let project: ProjectState
let labels: LabelsState
beforeEach(async () => {
  fake.reset()
  fake.handle('getLabels', ({ media }) => ({ media, revision: 3, segments: OLD }) as LabelsView)
  fake.handle(
    'saveLabels',
    ({ media, segments, baseRevision }) =>
      ({ media, revision: baseRevision + 1, segments: segments as Segment[] }) as LabelsView,
  )
  fake.handle('setClasses', ({ classes }) => projectView(classes as LabelClass[]))
  project = new ProjectState()
  project.view = projectView(CLASSES)
  labels = new LabelsState(
    (media, count) => project.setSegmentCount(media, count),
    () => project.classes.map((c) => c.name),
  )
  await labels.load('a.wav')
})

describe('importing labels into the open project', () => {
  it("replaces one file's labels as one undo step, adding the classes it brings first", async () => {
    const read: Segment[] = [{ start: 1, end: 2, label: 'AMRO' }]
    fake.handle('importLabels', () => ({
      file: '/t.csv',
      tiers: [{ name: 'labels', kind: 'overlapping', segments: read }],
      segments: read,
      unknownClasses: ['AMRO'],
      notes: ['an index column was left out'],
    }))
    const out = await importLabelsInto(project, labels, '/t.csv', { mapping: { label: 'name' } })
    expect(fake.paramsOf('importLabels')).toEqual([
      { media: 'a.wav', path: '/t.csv', mapping: { label: 'name' } },
    ])
    expect(project.classes.map((c) => c.name)).toEqual(['tone', 'AMRO'])
    expect(labels.segments).toEqual(read)
    expect(out).toMatchObject({ count: 1, recordings: null, addedClasses: ['AMRO'] })
    expect(out.notes).toEqual(['an index column was left out'])
    labels.undo()
    expect(labels.segments).toEqual(OLD)
  })

  it('labels every recording a table names, and the current one is one undo step', async () => {
    const mine: Segment[] = [{ start: 0.5, end: 1, label: 'tone' }]
    fake.handle('importLabels', () => ({
      file: '/r.txt',
      tiers: [{ name: 'labels', kind: 'overlapping', segments: mine }],
      segments: mine,
      unknownClasses: [],
      notes: [],
      recordings: [
        { media: 'a.wav', segments: mine },
        { media: 'b.wav', segments: [...mine, ...mine] },
      ],
      missing: ['c.wav'],
    }))
    fake.handle('importLabelsToProject', () => ({
      file: '/r.txt',
      saved: [
        { media: 'a.wav', count: 1, revision: 7 },
        { media: 'b.wav', count: 2, revision: 1 },
      ],
      missing: ['c.wav'],
      notes: ['x.wav: 2 recordings have this name'],
    }))
    const out = await importLabelsInto(project, labels, '/r.txt', { labelColumn: 'Species' })
    // the table is read once for the project with the same choices, and nothing more is saved
    expect(fake.paramsOf('importLabelsToProject')).toEqual([
      { path: '/r.txt', labelColumn: 'Species', tier: 'labels' },
    ])
    expect(fake.paramsOf('saveLabels')).toEqual([])
    expect(out.recordings).toEqual([
      { media: 'a.wav', count: 1 },
      { media: 'b.wav', count: 2 },
    ])
    expect(out.missing).toEqual(['c.wav'])
    expect(out.notes).toEqual(['x.wav: 2 recordings have this name'])
    expect(project.view!.media.map((m) => m.segmentCount)).toEqual([1, 2])
    expect(labels.segments).toEqual(mine)
    expect(labels.status).toBe('saved')
    // undo saves the earlier labels over the engine's save, at the revision it made
    labels.undo()
    await labels.flush()
    expect(labels.segments).toEqual(OLD)
    expect(fake.paramsOf('saveLabels')).toEqual([
      {
        media: 'a.wav',
        tiers: [{ name: 'labels', kind: 'exclusive', segments: OLD }],
        baseRevision: 7,
        force: false,
      },
    ])
  })

  it('a file of several tiers gives every tier, by name, as one undo step', async () => {
    const tiers: Tier[] = [
      { name: 'labels', kind: 'exclusive', segments: [{ start: 0, end: 1, label: 'tone' }] },
      { name: 'bells', kind: 'overlapping', segments: [{ start: 2, end: 2, label: 'bell' }] },
    ]
    fake.handle('importLabels', () => ({
      file: '/a.TextGrid',
      tiers,
      segments: tiers[0]!.segments,
      unknownClasses: [],
      notes: [],
    }))
    const out = await importLabelsInto(project, labels, '/a.TextGrid')
    // 'bell' is in no tier the file had: it becomes a class first
    expect(out.addedClasses).toEqual(['bell'])
    expect(project.classes.map((c) => c.name)).toEqual(['tone', 'bell'])
    expect(labels.tiers).toEqual(tiers)
    expect(labels.tier.name).toBe('labels')
    labels.undo()
    expect(labels.tiers).toEqual([{ name: 'labels', kind: 'exclusive', segments: OLD }])
  })
})
