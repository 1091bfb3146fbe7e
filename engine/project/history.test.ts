import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Service } from '../service'
import { HISTORY_DIR, History } from './history'
import { LOCK_FILE, ProjectLock } from './lock'
import { MANIFEST_FILE } from './manifest'
import { Project } from './store'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-history-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function project(keepVersions?: number): Promise<Project> {
  await fs.writeFile(path.join(dir, 'a.wav'), 'RIFF')
  const p = await Project.create(dir)
  await p.addMedia(['a.wav'])
  if (keepVersions) {
    const file = path.join(dir, MANIFEST_FILE)
    const m = JSON.parse(await fs.readFile(file, 'utf8'))
    await fs.writeFile(file, JSON.stringify({ ...m, keepVersions }))
    return Project.open(dir)
  }
  return p
}

const seg = (end: number) => [{ start: 0, end, label: 'event' }]
const labelFile = () => path.join(dir, 'labels/a.labels.json')

describe('label history', () => {
  it('keeps every file key one folder inside .framewise-history', () => {
    const h = new History('/p')
    for (const rel of ['labels/a.labels.json', '..', '.', '../../etc/x', 'a\\..\\..\\b'])
      expect(path.dirname(h.folder(rel))).toBe(path.join('/p', HISTORY_DIR))
  })

  it('keeps the last N versions, pruned, each one a parseable label file', async () => {
    const p = await project(3)
    for (let r = 0; r < 6; r++) await p.writeLabels('a.wav', seg(r + 1), r)
    const { versions, problem } = await p.labelVersions('a.wav')
    expect(problem).toBeNull()
    expect(versions.map((v) => v.revision)).toEqual([6, 5, 4])
    const folder = path.join(dir, HISTORY_DIR, 'labels~a.labels.json')
    for (const name of await fs.readdir(folder))
      expect(JSON.parse(await fs.readFile(path.join(folder, name), 'utf8')).format).toBe(
        'framewise-labels',
      )
  })

  it('reports a damaged label file by name with its versions, and restores one', async () => {
    const p = await project()
    await p.writeLabels('a.wav', seg(1), 0)
    await p.writeLabels('a.wav', seg(2), 1)
    await fs.writeFile(labelFile(), '{"format": "framewise-lab')
    await expect(p.readLabels('a.wav')).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(
        new RegExp(`^${labelFile()}: not valid JSON.*2 earlier versions are kept`),
      ),
    })
    // The project still opens; the damaged file is flagged.
    const view = await (await Project.open(dir)).view()
    expect(view.media[0]!.problem).toContain(labelFile())
    const { versions, problem } = await p.labelVersions('a.wav')
    expect(problem).toContain('not valid JSON')
    const older = versions.find((v) => v.revision === 1)!
    const restored = await p.restoreLabels('a.wav', older.id)
    expect(restored).toEqual({
      media: 'a.wav',
      tiers: [{ name: 'labels', kind: 'exclusive', segments: seg(1) }],
      segments: seg(1),
      revision: 3,
    })
    expect(await p.readLabels('a.wav')).toEqual(restored)
    // The damaged text itself was kept too: nothing is thrown away.
    const texts = await Promise.all(
      (await p.labelVersions('a.wav')).versions.map((v) =>
        p.history.read('labels/a.labels.json', v.id),
      ),
    )
    expect(texts).toContain('{"format": "framewise-lab')
  })
})

describe('external changes', () => {
  it('refuses a save over a label file edited by another program, keeps both on force', async () => {
    const p = await project()
    await p.writeLabels('a.wav', seg(1), 0)
    // Edited outside, revision untouched: the revision check alone would not notice.
    const edited = JSON.parse(await fs.readFile(labelFile(), 'utf8'))
    edited.tiers[0].segments[0].end = 9
    await fs.writeFile(labelFile(), JSON.stringify(edited))
    await expect(p.writeLabels('a.wav', seg(2), 1)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('another program'),
    })
    expect((await p.readLabels('a.wav')).segments).toEqual(seg(9)) // reload
    expect((await p.writeLabels('a.wav', seg(3), 1)).revision).toBe(2) // after reload, saves go on
    await fs.writeFile(labelFile(), JSON.stringify({ ...edited, revision: 7 }))
    expect((await p.writeLabels('a.wav', seg(4), 2, true)).revision).toBe(8) // keep mine
    const versions = await Promise.all(
      (await p.labelVersions('a.wav')).versions.map((v) =>
        p.history.read('labels/a.labels.json', v.id),
      ),
    )
    expect(versions.some((t) => t?.includes('"revision":7'))).toBe(true)
  })

  it('notices an outside edit made while Framewise was not running', async () => {
    const p = await project()
    await p.writeLabels('a.wav', seg(1), 0)
    const edited = JSON.parse(await fs.readFile(labelFile(), 'utf8'))
    edited.tiers[0].segments[0].end = 5
    await fs.writeFile(labelFile(), JSON.stringify(edited)) // same revision
    const restarted = await Project.open(dir)
    await expect(restarted.writeLabels('a.wav', seg(2), 1)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('another program'),
    })
    // An unchanged file after a restart saves as usual.
    const other = await Project.open(dir)
    await other.readLabels('a.wav')
    expect((await other.writeLabels('a.wav', seg(3), 1)).revision).toBe(2)
    expect((await (await Project.open(dir)).writeLabels('a.wav', seg(4), 2)).revision).toBe(3)
  })

  it('refuses to overwrite an externally changed manifest until reload or keep', async () => {
    const p = await project()
    const file = path.join(dir, MANIFEST_FILE)
    const m = JSON.parse(await fs.readFile(file, 'utf8'))
    await fs.writeFile(file, JSON.stringify({ ...m, name: 'renamed outside' }))
    const classes = [...p.classes]
    await expect(p.setClasses(classes)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(file),
    })
    await p.reload()
    expect((await p.view()).name).toBe('renamed outside')
    await p.setClasses(classes)
    await fs.writeFile(file, JSON.stringify({ ...m, name: 'again' }))
    await p.keepManifest()
    expect(JSON.parse(await fs.readFile(file, 'utf8')).name).toBe('renamed outside')
  })

  it('emits externalChange for an edited label file and manifest, not for its own writes', async () => {
    const events: unknown[] = []
    const service = new Service(
      (event, ...args) => void (event === 'externalChange' && events.push(args[0])),
    )
    await fs.writeFile(path.join(dir, 'a.wav'), 'RIFF')
    expect(await service.call('createProject', { dir })).toMatchObject({ ok: true })
    await service.call('addMedia', { paths: ['a.wav'] })
    // Quick saves in a row: the watcher may read the file between two of them; still ours.
    for (let r = 0; r < 30; r++)
      expect(
        await service.call('saveLabels', { media: 'a.wav', segments: seg(r + 1), baseRevision: r }),
      ).toMatchObject({ ok: true })
    await service.call('setClasses', { classes: [...(await Project.open(dir)).classes] })
    await new Promise((r) => setTimeout(r, 300))
    expect(events).toEqual([])
    await fs.writeFile(labelFile(), '{}')
    const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'))
    await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify({ ...m, name: 'x' }))
    for (let i = 0; i < 40 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 50))
    expect(events).toEqual(
      expect.arrayContaining([
        { kind: 'labels', media: 'a.wav', file: labelFile(), deleted: false },
        { kind: 'manifest', media: null, file: path.join(dir, MANIFEST_FILE), deleted: false },
      ]),
    )
    await service.close()
  })
})

describe('temp files of killed writes', () => {
  it('are removed when their process is gone, and only then', async () => {
    const p = await project()
    await fs.mkdir(path.join(dir, 'labels'), { recursive: true })
    const dead = path.join(dir, 'labels', `.a.labels.json.${2 ** 22 + 4321}.0badf00d.tmp`)
    const live = path.join(dir, 'labels', `.a.labels.json.${process.pid}.0badf00d.tmp`)
    await fs.writeFile(dead, '{"torn')
    await fs.writeFile(live, '{"in progress')
    expect(await p.removeStaleTemps()).toBe(1)
    expect((await fs.readdir(path.join(dir, 'labels'))).sort()).toEqual([path.basename(live)])
  })
})

describe('project lock', () => {
  it('refuses a second process, takes over a dead one, and is released on close', async () => {
    const service = new Service(() => {})
    await service.call('createProject', { dir })
    const lockFile = path.join(dir, LOCK_FILE)
    expect(JSON.parse(await fs.readFile(lockFile, 'utf8')).pid).toBe(process.pid)
    await service.close()
    await expect(fs.access(lockFile)).rejects.toThrow()

    // Another live process (our parent) holds it: refused, clearly.
    await fs.writeFile(
      lockFile,
      JSON.stringify({ pid: process.ppid, host: os.hostname(), id: 'x', since: 'then' }),
    )
    const second = await new Service(() => {}).call('openProject', { dir })
    expect(second).toMatchObject({
      ok: false,
      error: { code: 'locked', message: expect.stringContaining(`process ${process.ppid}`) },
    })
    // A dead owner (no such pid) is stale: taken over.
    await fs.writeFile(
      lockFile,
      JSON.stringify({ pid: 2 ** 22 + 1234, host: os.hostname(), id: 'y', since: 'then' }),
    )
    const lock = await ProjectLock.acquire(dir)
    expect(await lock.held()).toBe(true)
    await lock.release()
  })
})
