import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeFileAtomic } from '../io/atomic-write'
import { FORMAT_VERSION, MANIFEST_FILE } from './manifest'
import { Project } from './store'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-store-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function wav(name: string): Promise<string> {
  const file = path.join(dir, name)
  await fs.writeFile(file, 'RIFF') // content is not read by the store
  return file
}

describe('Project store', () => {
  it('round-trips classes, media and labels through disk', async () => {
    const p = await Project.create(dir, 'birds')
    await p.addMedia([await wav('a.wav'), await wav('b.wav')])
    await p.setClasses([
      { name: 'background', color: '#000000', hotkey: null, role: 'background' },
      { name: 'song', color: '#ff0000', hotkey: 1, role: 'class' },
      { name: 'call', color: '#00ff00', hotkey: 2, role: 'class' },
    ])
    const saved = await p.writeLabels(
      'a.wav',
      [
        { start: 2, end: 3, label: 'call' },
        { start: 0.5, end: 1.25, label: 'song' },
      ],
      0,
    )
    expect(saved.revision).toBe(1)

    const again = await Project.open(dir)
    const view = await again.view()
    expect(view.name).toBe('birds')
    expect(view.classes.map((c) => c.name)).toEqual(['background', 'song', 'call'])
    expect(view.media.map((m) => [m.path, m.segmentCount])).toEqual([
      ['a.wav', 2],
      ['b.wav', 0],
    ])
    const labels = await again.readLabels('a.wav')
    expect(labels.segments).toEqual([
      { start: 0.5, end: 1.25, label: 'song' },
      { start: 2, end: 3, label: 'call' },
    ])
    expect(labels.revision).toBe(1)
    const onDisk = JSON.parse(await fs.readFile(path.join(dir, 'labels/a.labels.json'), 'utf8'))
    expect(onDisk.tiers[0].segments).toHaveLength(2)
  })

  it('stores a file-level clip class, clears it, and old manifests without one still load', async () => {
    const p = await Project.create(dir)
    await p.addMedia([await wav('a.wav'), await wav('b.wav')])
    const before = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')
    expect(before).not.toContain('clipClass')
    await p.setClipClass('a.wav', 'wren')
    const again = await Project.open(dir)
    expect((await again.view()).media.map((m) => m.clipClass)).toEqual(['wren', undefined])
    await again.setClipClass('a.wav', null)
    expect((await (await Project.open(dir)).view()).media[0].clipClass).toBeUndefined()
    await expect(again.setClipClass('nope.wav', 'x')).rejects.toThrow(/not a media file/)
  })

  it('says where each file is in the loop: unlabelled, predicted, labelled, reviewed', async () => {
    const p = await Project.create(dir)
    await p.addMedia([await wav('a.wav'), await wav('b.wav'), await wav('c.wav')])
    const statuses = async (q: Project) => (await q.view()).media.map((m) => m.status)
    expect(await statuses(p)).toEqual(['unlabelled', 'unlabelled', 'unlabelled'])
    // b gets a saved prediction (as engine/project/predictions.ts writes it), a gets labels.
    await fs.mkdir(path.join(dir, 'predictions'), { recursive: true })
    await fs.writeFile(p.predictionPath(p.media[1]), '{}')
    expect(p.predictionPath(p.media[1])).toBe(path.join(dir, 'predictions', 'b.prediction.json'))
    await p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'event' }], 0)
    expect(await statuses(p)).toEqual(['labelled', 'predicted', 'unlabelled'])
    expect((await p.view()).media[1].predicted).toBe(true)
    // Reviewed is the user's word, kept in the manifest, and wins over the rest.
    await p.setReviewed('a.wav', true)
    await p.setReviewed('c.wav', true)
    const again = await Project.open(dir)
    expect(await statuses(again)).toEqual(['reviewed', 'predicted', 'reviewed'])
    await again.setReviewed('c.wav', false)
    expect(await statuses(await Project.open(dir))).toEqual(['reviewed', 'predicted', 'unlabelled'])
    expect(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')).not.toMatch(
      /"reviewed": false/,
    )
    await expect(again.setReviewed('nope.wav', true)).rejects.toThrow(/not a media file/)
  })

  it('gives two media files with the same stem different label files', async () => {
    await fs.mkdir(path.join(dir, 'x'))
    const p = await Project.create(dir)
    await p.addMedia([await wav('rec.wav'), await wav('x/rec.wav')])
    expect(p.media.map((m) => m.labels)).toEqual([
      'labels/rec.labels.json',
      'labels/rec-2.labels.json',
    ])
  })

  it('refuses an unknown label class and a stale revision, keeping what was saved', async () => {
    const p = await Project.create(dir)
    await p.addMedia([await wav('a.wav')])
    await p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'event' }], 0)
    await expect(p.writeLabels('a.wav', [{ start: 0, end: 1, label: 'nope' }], 1)).rejects.toThrow(
      /unknown label class 'nope'/,
    )
    await expect(p.writeLabels('a.wav', [], 0)).rejects.toMatchObject({ code: 'conflict' })
    expect((await p.readLabels('a.wav')).segments).toEqual([{ start: 0, end: 1, label: 'event' }])
  })

  it('serialises concurrent saves in call order', async () => {
    const p = await Project.create(dir)
    await p.addMedia([await wav('a.wav')])
    const saves = Array.from({ length: 20 }, (_, i) =>
      p.writeLabels('a.wav', [{ start: i, end: i + 1, label: 'event' }], i),
    )
    const results = await Promise.all(saves)
    expect(results.map((r) => r.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect((await p.readLabels('a.wav')).segments[0].start).toBe(19)
  })

  it('reports a corrupt manifest clearly and never overwrites it', async () => {
    await Project.create(dir)
    const file = path.join(dir, MANIFEST_FILE)
    await fs.writeFile(file, '{"format": "framewise-project", "version": 1, "name": ')
    await expect(Project.open(dir)).rejects.toThrow(new RegExp(`${MANIFEST_FILE}: not valid JSON`))
    await expect(Project.create(dir)).rejects.toThrow(/already exists/)
    expect(await fs.readFile(file, 'utf8')).toBe(
      '{"format": "framewise-project", "version": 1, "name": ',
    )
  })

  it('refuses a manifest from a newer Framewise', async () => {
    const p = await Project.create(dir)
    const manifest = { ...p.toJSON(), version: FORMAT_VERSION + 1 }
    await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest))
    await expect(Project.open(dir)).rejects.toThrow(
      /newer Framewise \(format version 3; this build reads up to 2\)/,
    )
  })

  it('refuses a framewise.json that links out of the project, quoting nothing of the target', async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-store-outside-'))
    try {
      await fs.writeFile(
        path.join(outside, 'shadow'),
        'root:$6$SECRET\x00\x1b[2J:19000:0:99999:7:::\n',
      )
      await fs.symlink(path.join(outside, 'shadow'), path.join(dir, MANIFEST_FILE))
      const err = await Project.open(dir).catch((e: Error) => e)
      expect((err as Error).message).toBe(
        `${path.join(dir, MANIFEST_FILE)}: links to a file outside the project folder; framewise.json must be a file inside it`,
      )
    } finally {
      await fs.rm(outside, { recursive: true, force: true })
    }
  })

  it('quotes binary bytes of a broken manifest or label file only as escapes', async () => {
    const p = await Project.create(dir)
    await p.addMedia([await wav('a.wav')])
    await fs.mkdir(path.join(dir, 'labels'))
    await fs.writeFile(
      path.join(dir, 'labels', 'a.labels.json'),
      Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x00, 0x07]),
    )
    const problem = (await p.view()).media[0].problem!
    expect(problem).toMatch(/a\.labels\.json: not valid JSON/)
    expect(problem).not.toMatch(/[\p{Cc}\uFFFD]/u)
    await fs.writeFile(
      path.join(dir, MANIFEST_FILE),
      Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x00]),
    )
    const err = (await Project.open(dir).catch((e: Error) => e)) as Error
    expect(err.message).toMatch(/framewise\.json: not valid JSON/)
    expect(err.message).not.toMatch(/[\p{Cc}\uFFFD]/u)
  })

  it('names the file when a folder holds no project', async () => {
    await expect(Project.open(dir)).rejects.toThrow(
      `${path.join(dir, MANIFEST_FILE)}: no Framewise project here`,
    )
  })

  it('refuses media it cannot open', async () => {
    const p = await Project.create(dir)
    await expect(p.addMedia([path.join(dir, 'notes.docx')])).rejects.toThrow(
      /unsupported file type/,
    )
    await expect(p.addMedia([path.join(dir, 'missing.wav')])).rejects.toThrow(
      /missing.wav: no such file/,
    )
    expect(p.media).toEqual([])
  })
})

describe('writeFileAtomic', () => {
  it('replaces the whole file and leaves no temp files', async () => {
    const file = path.join(dir, 'f.json')
    await writeFileAtomic(file, 'old contents that are long')
    await writeFileAtomic(file, 'new')
    expect(await fs.readFile(file, 'utf8')).toBe('new')
    expect(await fs.readdir(dir)).toEqual(['f.json'])
  })

  it('leaves the old file intact when the write fails', async () => {
    const file = path.join(dir, 'f.json')
    await writeFileAtomic(file, 'precious')
    // A value that cannot be written (not a string or bytes) makes the temp-file write fail.
    await expect(writeFileAtomic(file, 42 as unknown as string)).rejects.toThrow()
    expect(await fs.readFile(file, 'utf8')).toBe('precious')
    expect(await fs.readdir(dir)).toEqual(['f.json'])
  })
})
