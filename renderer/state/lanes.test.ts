import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Segment, Tier } from '../../engine/api'
import { EditState } from './edit.svelte'
import { fake } from './fake-api'
import { LabelsState } from './labels.svelte'
import { ViewState } from './view.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const TIERS: Tier[] = [
  { name: 'species', kind: 'exclusive', segments: [{ start: 1, end: 2, label: 'a' }] },
  {
    name: 'events',
    kind: 'overlapping',
    segments: [
      { start: 1, end: 4, label: 'a' },
      { start: 2, end: 3, label: 'b' },
    ],
  },
]

beforeEach(() => {
  fake.reset()
  fake.handle('getLabels', ({ media }) => ({
    media,
    revision: 1,
    tiers: TIERS,
    segments: TIERS[0].segments,
  }))
  fake.handle('saveLabels', ({ media, tiers }) => ({
    media,
    revision: 2,
    tiers: tiers!,
    segments: tiers![0].segments,
  }))
})

/** Labels on the overlapping tier, 10 s shown over 1,000 px (100 px per second). */
async function setup() {
  const labels = new LabelsState(
    () => {},
    () => ['a', 'b'],
  )
  await labels.load('a.wav')
  labels.selectTier(1)
  const view = new ViewState()
  view.reset(10)
  view.width = 1000
  return { labels, view, edit: new EditState(labels, view) }
}

const drag = (edit: EditState, x0: number, x1: number, row = 0) => {
  edit.down(x0, false, row)
  edit.move((x0 + x1) / 2)
  edit.move(x1)
  edit.up(x1)
}

describe('lanes of tiers', () => {
  it('draws an event over others in an overlapping tier, keeping them whole', async () => {
    const { labels, edit } = await setup()
    // row 0 holds [1, 4): a drag there moves it
    drag(edit, 150, 350)
    expect(labels.segments).toEqual([
      { start: 2, end: 3, label: 'b' },
      { start: 3, end: 6, label: 'a' },
    ])
    labels.undo()
    expect(labels.segments).toEqual(TIERS[1].segments)
    // below the rows nothing is hit: a drag there creates
    drag(edit, 150, 350, 2)
    expect(labels.segments).toHaveLength(3)
    expect(labels.segments.filter((s) => s.label === 'a').map((s) => [s.start, s.end])).toEqual([
      [1, 4],
      [1.5, 3.5],
    ])
  })

  it('moves an event of an overlapping tier past its neighbour without clamping; undo', async () => {
    const { labels, edit } = await setup()
    // row 1 holds [2,3) 'b'; grab it at 2.5 s and drop it at 6.5 s, beyond the 'a' event
    drag(edit, 250, 650, 1)
    expect(labels.segments).toEqual([
      { start: 1, end: 4, label: 'a' },
      { start: 6, end: 7, label: 'b' },
    ])
    expect(labels.selected).toBe(1)
    // resize the 'a' event's end through the moved 'b'
    drag(edit, 400, 800, 0)
    expect(labels.segments[0]).toEqual({ start: 1, end: 8, label: 'a' })
    labels.undo()
    labels.undo()
    expect(labels.segments).toEqual(TIERS[1].segments)
  })

  it('keeps the exclusive tier to its no-overlap rule', async () => {
    const { labels, edit } = await setup()
    labels.selectTier(0)
    labels.create(3, 4, 'b')
    // moving [1,2) right stops at [3,4)
    drag(edit, 150, 550)
    expect(labels.segments).toEqual([
      { start: 2, end: 3, label: 'a' },
      { start: 3, end: 4, label: 'b' },
    ])
  })

  it('reorders tiers as one undo step, keeping the selected tier selected', async () => {
    const { labels } = await setup()
    labels.moveTier(1, -1)
    expect(labels.tiers.map((t) => t.name)).toEqual(['events', 'species'])
    expect(labels.tier.name).toBe('events')
    expect(labels.undoName).toBe('Reorder tiers')
    labels.undo()
    expect(labels.tiers.map((t) => t.name)).toEqual(['species', 'events'])
    labels.redo()
    expect(labels.tiers.map((t) => t.name)).toEqual(['events', 'species'])
    labels.moveTier(0, -1) // already first: nothing
    expect(labels.undoName).toBe('Reorder tiers')
    labels.toggleHidden('species')
    expect([...labels.hidden]).toEqual(['species'])
    labels.toggleHidden('species')
    expect(labels.hidden.size).toBe(0)
  })

  it('gives new segments the drawing channel, and a previewed box commits as one step', async () => {
    const { labels, edit } = await setup()
    labels.channel = 1 // the first channel is written as none
    labels.create(8.5, 9, 'b')
    expect(labels.segments.at(-1)).toEqual({ start: 8.5, end: 9, label: 'b' })
    labels.undo()
    labels.channel = 2
    labels.create(5, 6, 'b')
    expect(labels.segments.find((s) => s.start === 5)).toEqual({
      start: 5,
      end: 6,
      label: 'b',
      channel: 2,
    })
    const box: Segment = { start: 7, end: 8, label: 'a', lowFreq: 500, highFreq: 900 }
    edit.showPreview([...labels.segments, box], 3)
    expect(edit.shown).toHaveLength(4)
    expect(labels.segments).toHaveLength(3)
    edit.commit('Add box')
    expect(labels.segments[3]).toEqual(box)
    expect(labels.undoName).toBe('Add box')
    labels.undo()
    expect(labels.segments).toHaveLength(3)
  })
})
