import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { V1_BACKUP } from './labels-store'
import { Project } from './store'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-tiers-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

const labelFile = () => path.join(dir, 'labels/a.labels.json')

async function project(): Promise<Project> {
  const p = await Project.create(dir, 'tiers')
  await fs.writeFile(path.join(dir, 'a.wav'), 'RIFF')
  await p.addMedia([path.join(dir, 'a.wav')])
  await p.setClasses([
    { name: 'background', color: '#000000', hotkey: null, role: 'background' },
    { name: 'song', color: '#ff0000', hotkey: 1, role: 'class' },
    { name: 'call', color: '#00ff00', hotkey: 2, role: 'class' },
  ])
  return p
}

/** A label file as the version before tiers wrote it. */
const V1 =
  JSON.stringify(
    {
      format: 'framewise-labels',
      version: 1,
      media: 'a.wav',
      revision: 3,
      segments: [{ start: 1, end: 2, label: 'song', lowFreq: 500, highFreq: 4000 }],
    },
    null,
    2,
  ) + '\n'

describe('label files with tiers', () => {
  it('opens a version-1 file unchanged as one exclusive tier', async () => {
    const p = await project()
    await fs.mkdir(path.dirname(labelFile()), { recursive: true })
    await fs.writeFile(labelFile(), V1)
    const view = await (await Project.open(dir)).readLabels('a.wav')
    expect(view.revision).toBe(3)
    expect(view.tiers).toEqual([
      {
        name: 'labels',
        kind: 'exclusive',
        segments: [{ start: 1, end: 2, label: 'song', lowFreq: 500, highFreq: 4000 }],
      },
    ])
    expect(view.segments).toEqual(view.tiers[0]!.segments)
    // reading writes nothing
    expect(await fs.readFile(labelFile(), 'utf8')).toBe(V1)
    void p
  })

  it('migrates to version 2 on the first save and keeps the version-1 file beside it, once', async () => {
    await project()
    await fs.mkdir(path.dirname(labelFile()), { recursive: true })
    await fs.writeFile(labelFile(), V1)
    const p = await Project.open(dir)
    const saved = await p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'call' }], 3)
    expect(saved.revision).toBe(4)
    const onDisk = JSON.parse(await fs.readFile(labelFile(), 'utf8'))
    expect(onDisk.version).toBe(2)
    expect(onDisk.segments).toBeUndefined()
    expect(onDisk.tiers).toEqual([
      { name: 'labels', kind: 'exclusive', segments: [{ start: 0, end: 1, label: 'call' }] },
    ])
    expect(await fs.readFile(labelFile() + V1_BACKUP, 'utf8')).toBe(V1)
    await p.writeLabels('a.wav', [], 4)
    // the copy is the version-1 file, not overwritten by later saves
    expect(await fs.readFile(labelFile() + V1_BACKUP, 'utf8')).toBe(V1)
    // and the history holds it too, restorable as one tier
    const versions = await p.labelVersions('a.wav')
    const v1 = versions.versions.find((v) => v.revision === 3)!
    const restored = await p.restoreLabels('a.wav', v1.id)
    expect(restored.tiers[0]!.segments).toEqual([
      { start: 1, end: 2, label: 'song', lowFreq: 500, highFreq: 4000 },
    ])
  })

  it('refuses a file of a newer format in one line and never writes over it, even by force', async () => {
    const p = await project()
    const newer = JSON.stringify({ format: 'framewise-labels', version: 3, revision: 1, lanes: [] })
    await fs.mkdir(path.dirname(labelFile()), { recursive: true })
    await fs.writeFile(labelFile(), newer)
    const message = `${labelFile()}: written by a newer Framewise (format 3; this build reads up to 2); update Framewise to open it`
    await expect(p.readLabels('a.wav')).rejects.toThrow(message)
    await expect(p.readLabels('a.wav')).rejects.toMatchObject({ code: 'bad-input' })
    await expect(p.writeLabels('a.wav', [], 1)).rejects.toThrow(message)
    await expect(p.writeLabels('a.wav', [], 1, true)).rejects.toThrow(message)
    expect(await fs.readFile(labelFile(), 'utf8')).toBe(newer)
  })

  it('keeps several tiers; exclusive ones refuse overlaps, overlapping ones hold them', async () => {
    const p = await project()
    const tiers = [
      {
        name: 'species',
        kind: 'exclusive' as const,
        segments: [{ start: 0, end: 2, label: 'song' }],
      },
      {
        name: 'events',
        kind: 'overlapping' as const,
        segments: [
          { start: 1, end: 3, label: 'call' },
          { start: 0.5, end: 1.5, label: 'song', channel: 2 },
          { start: 2, end: 2, label: 'call' },
        ],
      },
    ]
    const saved = await p.writeLabels('a.wav', tiers, 0)
    expect(saved.tiers.map((t) => t.name)).toEqual(['species', 'events'])
    expect(saved.tiers[1]!.segments.map((s) => s.start)).toEqual([0.5, 1, 2])
    expect(saved.segments).toEqual(tiers[0]!.segments)
    const view = await (await Project.open(dir)).view()
    expect(view.media[0]!.segmentCount).toBe(4)

    const overlapping = [
      {
        name: 'species',
        kind: 'exclusive' as const,
        segments: [
          { start: 0, end: 2, label: 'song' },
          { start: 1, end: 3, label: 'call' },
        ],
      },
    ]
    await expect(p.writeLabels('a.wav', overlapping, 1)).rejects.toThrow(
      `a.wav: in exclusive tier "species", 'song' 0–2 s overlaps 'call' 1–3 s; shorten one, or make the tier overlapping`,
    )
    const twice = [tiers[0]!, { ...tiers[1]!, name: 'species' }]
    await expect(p.writeLabels('a.wav', twice, 1)).rejects.toThrow(
      'a.wav: two tiers are named "species"; give each tier its own name',
    )
    const unknown = [{ ...tiers[1]!, segments: [{ start: 0, end: 1, label: 'frog' }] }]
    await expect(p.writeLabels('a.wav', unknown, 1)).rejects.toThrow(
      `a.wav: unknown label class 'frog' in tier "events"`,
    )
  })

  it('a save of one tier’s segments keeps the other tiers as on disk', async () => {
    const p = await project()
    await p.writeLabels(
      'a.wav',
      [
        { name: 'events', kind: 'overlapping', segments: [{ start: 1, end: 3, label: 'call' }] },
        { name: 'species', kind: 'exclusive', segments: [] },
      ],
      0,
    )
    // the default tier is the first exclusive one
    const a = await p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'song' }], 1)
    expect(a.tiers).toEqual([
      { name: 'events', kind: 'overlapping', segments: [{ start: 1, end: 3, label: 'call' }] },
      { name: 'species', kind: 'exclusive', segments: [{ start: 0, end: 1, label: 'song' }] },
    ])
    const b = await p.writeLabels('a.wav', { segments: [], tier: 'events' }, 2)
    expect(b.tiers[0]!.segments).toEqual([])
    expect(b.tiers[1]!.segments).toHaveLength(1)
    // a tier the file does not have yet is added, exclusive
    const c = await p.writeLabels(
      'a.wav',
      { segments: [{ start: 4, end: 5, label: 'call' }], tier: 'phase' },
      3,
    )
    expect(c.tiers.map((t) => [t.name, t.kind])).toEqual([
      ['events', 'overlapping'],
      ['species', 'exclusive'],
      ['phase', 'exclusive'],
    ])
  })

  it('raises a version-1 manifest to 2 with the first label save, keeping version 1 in the history', async () => {
    await project()
    const manifestFile = path.join(dir, 'framewise.json')
    const v1 = JSON.stringify({
      ...JSON.parse(await fs.readFile(manifestFile, 'utf8')),
      version: 1,
    })
    await fs.writeFile(manifestFile, v1)
    const p = await Project.open(dir)
    // opening writes nothing
    expect(await fs.readFile(manifestFile, 'utf8')).toBe(v1)
    await p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'song' }], 0)
    expect(JSON.parse(await fs.readFile(manifestFile, 'utf8')).version).toBe(2)
    const kept = await Promise.all(
      (await p.history.list('framewise.json')).map((v) => p.history.read('framewise.json', v.id)),
    )
    expect(kept).toContain(v1)
    // a Framewise of before tiers reads manifests up to 1: it refuses this project as newer
    const again = await Project.open(dir)
    expect(again.toJSON().version).toBe(2)
  })
})
