/**
 * Validation by group end to end: `framewise train --group-by folder` on a data folder with one
 * subfolder per site, and a project trained with `groupBy: 'manifest'`, keep every site on one
 * side and say so (CLI summary, run record); one site only is refused before any training.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDIO_CLASSES, syntheticAudio } from '../data/synthetic'
import { formatByName } from '../labels/formats'
import { releaseSessions } from '../onnx/read'
import { Project } from '../project/store'
import { RunRecords } from '../project/runs'
import { runCli } from '../testing/cli'
import { trainProject } from './project'

let root: string
beforeAll(async () => void (root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-groups-'))))
afterAll(async () => {
  await releaseSessions()
  await fs.rm(root, { recursive: true, force: true })
})

const small = [
  '--hidden',
  '8',
  '--layers',
  '1',
  '--epochs',
  '2',
  '--threads',
  '1',
  '--chunk',
  '100',
]
const siteOf = (f: string) => f.split('/')[0]

/** `sites` subfolders of `dir`, two labelled recordings in each (Audacity label files). */
async function siteFolder(dir: string, sites: string[]): Promise<void> {
  const audacity = formatByName('audacity')!
  let seed = 40
  for (const site of sites)
    for (const k of [0, 1]) {
      const a = syntheticAudio(seed++, 4)
      await fs.mkdir(path.join(dir, site), { recursive: true })
      await fs.writeFile(path.join(dir, site, `r${k}.wav`), a.wav)
      await fs.writeFile(path.join(dir, site, `r${k}.txt`), audacity.write!(a.segments))
    }
}

describe('validation by group', () => {
  it('framewise train --group-by folder keeps each site on one side and says which', async () => {
    const data = path.join(root, 'sites')
    await siteFolder(data, ['north', 'south', 'east', 'west'])
    const run = (seed: string) =>
      runCli([
        'train',
        data,
        '--out',
        path.join(root, `m${seed}.onnx`),
        '--group-by',
        'folder',
        '--seed',
        seed,
        ...small,
      ])
    const trained = await run('3')
    expect(trained.code, trained.stderr).toBe(0)
    const summary = JSON.parse(trained.stdout)
    const { train, val, groups } = summary.files
    expect(train.length + val.length).toBe(8)
    expect(val.length).toBeGreaterThan(0)
    const trainSites = new Set(train.map(siteOf))
    expect(val.every((f: string) => !trainSites.has(siteOf(f)))).toBe(true)
    expect(groups.by).toBe('folder')
    expect(groups.val).toEqual([...new Set(val.map(siteOf))].sort())
    expect(groups.train).toEqual([...trainSites].sort())
    // the same seed, the same split
    const again = JSON.parse((await run('3')).stdout)
    expect(again.files.groups).toEqual(groups)
  })

  it('refuses a folder of one site in one line, before training', async () => {
    const data = path.join(root, 'one-site')
    await siteFolder(data, ['north'])
    const r = await runCli([
      'train',
      data,
      '--out',
      path.join(root, 'one.onnx'),
      '--group-by',
      'folder',
      ...small,
    ])
    expect(r.code).not.toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines.filter((l) => l.includes('one group'))).toHaveLength(1)
    expect(r.stderr).not.toMatch(/features of|epoch/) // refused before features and training
    expect(lines.at(-1)).toMatch(
      /one-site: --group-by folder puts all 2 labelled files in one group \("north"\)/,
    )
    await expect(fs.access(path.join(root, 'one.onnx'))).rejects.toThrow()
  })

  it('a project run split by the manifest groups records them', async () => {
    const dir = path.join(root, 'project')
    await fs.mkdir(dir)
    const project = await Project.create(dir)
    await project.setClasses([
      { name: 'background', color: '#999999', hotkey: null, role: 'background' },
      ...AUDIO_CLASSES.map((name, i) => ({
        name,
        color: '#ff0000',
        hotkey: i + 1,
        role: 'class' as const,
      })),
    ])
    const sites = ['a', 'a', 'b', 'b', 'c', 'c']
    for (let i = 0; i < sites.length; i++) {
      const s = syntheticAudio(70 + i, 4)
      await fs.writeFile(path.join(dir, `r${i}.wav`), s.wav)
      await project.addMedia([`r${i}.wav`])
      await project.writeLabels(`r${i}.wav`, s.segments, 0)
      await project.setGroup(`r${i}.wav`, sites[i])
    }
    const reopened = await Project.open(dir) // the groups are in framewise.json
    const ctx = { signal: new AbortController().signal, progress: () => {} }
    const run = await trainProject(reopened, ctx, {
      settings: { hidden: 8, layers: 1, epochs: 1, chunk: 100, threads: 1, groupBy: 'manifest' },
    })
    const group = (f: string) => sites[Number(/r(\d)/.exec(f)![1])]
    const record = await new RunRecords(dir).read(run.id)
    expect(record.files.groups?.by).toBe('manifest')
    expect(record.files.groups?.val).toEqual([...new Set(record.files.val.map(group))].sort())
    const valGroups = new Set(record.files.groups!.val)
    expect(record.files.train.every((f) => !valGroups.has(group(f)))).toBe(true)
    expect(record.settings.groupBy).toBe('manifest')
  })
})
