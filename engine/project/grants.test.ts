/**
 * The user's grants (recordings outside the project they added, folders they granted) survive a
 * restart, live in the user's data folder rather than in any project, and grant nothing a
 * hostile manifest or a symlink names on its own.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeWav, sine } from '../media/audio/testing'
import { userDataDir } from './grants'
import { MANIFEST_FILE } from './manifest'
import { Service } from '../service'
import type { RequestName, Results, Params } from '../api'

let root: string
let project: string
let archive: string
let dataDir: string
const wav = makeWav({ bits: 16, rate: 8000, channels: [sine(800, 440, 8000)] })
const services: Service[] = []
const dataDirBefore = process.env.FRAMEWISE_DATA_DIR

async function call<M extends RequestName>(s: Service, method: M, params: Params<M>) {
  const env = await s.call(method, params)
  if (!env.ok) throw new Error(`${method}: ${env.error.message}`)
  return env.result as Results[M]
}

/** A new engine on the same project (the app restarted). */
async function restart(): Promise<Service> {
  await Promise.all(services.splice(0).map((s) => s.close()))
  const s = new Service(() => {})
  services.push(s)
  await call(s, 'openProject', { dir: project })
  return s
}

function problemOf(view: Results['getProject'], name: string): string | undefined {
  return view?.media.find((m) => m.path.endsWith(name))?.problem
}

beforeAll(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterAll(() => {
  vi.restoreAllMocks()
})
beforeEach(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'fw-grants-')))
  project = path.join(root, 'project')
  archive = path.join(root, 'archive', '2024')
  dataDir = path.join(root, 'appdata')
  process.env.FRAMEWISE_DATA_DIR = dataDir
  await fs.mkdir(path.join(archive, 'deep'), { recursive: true })
  await fs.mkdir(path.join(root, 'private'))
  for (const f of ['a.wav', 'b.wav', 'deep/c.wav']) await fs.writeFile(path.join(archive, f), wav)
  await fs.writeFile(path.join(root, 'private', 'secret.wav'), wav)
  const s = new Service(() => {})
  services.push(s)
  await call(s, 'createProject', { dir: project })
})
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()))
  if (dataDirBefore === undefined) delete process.env.FRAMEWISE_DATA_DIR
  else process.env.FRAMEWISE_DATA_DIR = dataDirBefore
  await fs.rm(root, { recursive: true, force: true })
})

describe('grants survive a restart', () => {
  it('keeps a recording added from outside the project reachable after a restart', async () => {
    await call(services[0], 'addMedia', { paths: [path.join(archive, 'a.wav')] })
    const s = await restart()
    const view = await call(s, 'getProject', {})
    expect(problemOf(view, 'a.wav')).toBeUndefined()
    const source = await s.call('getPeaks', {
      media: view!.media[0].id,
      start: 0,
      end: 0.1,
      pixels: 10,
      jobId: 'p',
    })
    expect(source.ok ? 'ok' : source.error.message).toBe('ok')
  })

  it('keeps a granted folder, and everything below it, reachable after a restart', async () => {
    await call(services[0], 'grantFolder', { dir: path.join(root, 'archive') })
    await writeManifestMedia(['../archive/2024/b.wav', '../archive/2024/deep/c.wav'])
    const s = await restart()
    const view = await call(s, 'getProject', {})
    expect(problemOf(view, 'b.wav')).toBeUndefined()
    expect(problemOf(view, 'c.wav')).toBeUndefined()
    expect(await call(s, 'listGrants', {})).toEqual({
      files: [],
      folders: [path.join(root, 'archive')],
    })
  })
})

/** Point the project's manifest at `paths` (as a project someone else wrote could). */
async function writeManifestMedia(paths: string[]): Promise<void> {
  const file = path.join(project, MANIFEST_FILE)
  const manifest = JSON.parse(await fs.readFile(file, 'utf8'))
  manifest.media = paths.map((p, i) => ({ path: p, kind: 'audio', labels: `m${i}.json` }))
  await fs.writeFile(file, JSON.stringify(manifest))
}

describe('grants give nothing the user did not grant', () => {
  it('still refuses a manifest entry outside the grants after a restart', async () => {
    await call(services[0], 'addMedia', { paths: [path.join(archive, 'a.wav')] })
    await writeManifestMedia(['../archive/2024/a.wav', '../private/secret.wav'])
    const s = await restart()
    const view = await call(s, 'getProject', {})
    expect(problemOf(view, 'a.wav')).toBeUndefined()
    expect(problemOf(view, 'secret.wav')).toMatch(/secret\.wav: outside the project folder/)
    const secret = view!.media.find((m) => m.path.endsWith('secret.wav'))!
    const res = await s.call('getPeaks', {
      media: secret.id,
      start: 0,
      end: 0.1,
      pixels: 10,
      jobId: 'p',
    })
    expect(res.ok ? 'served' : res.error.message).toMatch(/outside the project folder/)
  })

  it('refuses a symlink inside a granted folder that leads out of it', async () => {
    await fs.symlink(path.join(root, 'private', 'secret.wav'), path.join(archive, 'link.wav'))
    await fs.symlink(path.join(root, 'private'), path.join(archive, 'linkdir'))
    await call(services[0], 'grantFolder', { dir: archive })
    await writeManifestMedia([
      '../archive/2024/a.wav',
      '../archive/2024/link.wav',
      '../archive/2024/linkdir/secret.wav',
    ])
    const s = await restart()
    const view = await call(s, 'getProject', {})
    expect(problemOf(view, 'a.wav')).toBeUndefined()
    expect(problemOf(view, 'link.wav')).toMatch(/outside the project folder/)
    expect(problemOf(view, 'linkdir/secret.wav')).toMatch(/outside the project folder/)
  })

  it('takes a grant back at once when revoked, and after a restart', async () => {
    await call(services[0], 'addMedia', { paths: [path.join(archive, 'a.wav')] })
    await call(services[0], 'grantFolder', { dir: path.join(archive, 'deep') })
    await writeManifestMedia(['../archive/2024/a.wav', '../archive/2024/deep/c.wav'])
    const s = await restart()
    expect(await call(s, 'revokeGrant', { path: path.join(archive, 'a.wav') })).toEqual({
      files: [],
      folders: [path.join(archive, 'deep')],
    })
    await call(s, 'revokeGrant', { path: path.join(archive, 'deep') })
    const view = await call(s, 'getProject', {})
    expect(problemOf(view, 'a.wav')).toMatch(/outside the project folder/)
    expect(problemOf(view, 'c.wav')).toMatch(/outside the project folder/)
    const res = await s.call('revokeGrant', { path: path.join(archive, 'a.wav') })
    expect(res.ok ? 'revoked' : res.error.message).toMatch(/a\.wav: not granted/)
    const again = await restart()
    expect(await call(again, 'listGrants', {})).toEqual({ files: [], folders: [] })
  })

  it("does not carry one project's grants to another", async () => {
    await call(services[0], 'addMedia', { paths: [path.join(archive, 'a.wav')] })
    const other = path.join(root, 'other')
    await call(services[0], 'createProject', { dir: other })
    await fs.writeFile(
      path.join(other, MANIFEST_FILE),
      await fs.readFile(path.join(project, MANIFEST_FILE)),
    )
    const view = await call(services[0], 'openProject', { dir: other })
    expect(problemOf(view, 'a.wav')).toMatch(/outside the project folder/)
  })
})

describe('the grants file', () => {
  it('lives in the user data folder, not the project, and is written atomically', async () => {
    await call(services[0], 'addMedia', { paths: [path.join(archive, 'a.wav')] })
    const file = path.join(dataDir, 'grants.json')
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({
      version: 1,
      projects: { [project]: { files: [path.join(archive, 'a.wav')], folders: [] } },
    })
    // No temp file left behind (recent.json, the recent-projects list, lives there too).
    expect((await fs.readdir(dataDir)).filter((f) => f !== 'recent.json')).toEqual(['grants.json'])
    expect(JSON.stringify(await listTree(project))).not.toContain('grant')
  })

  it('reports a damaged grants file in one line, treats it as empty and keeps it', async () => {
    await fs.mkdir(dataDir, { recursive: true })
    const file = path.join(dataDir, 'grants.json')
    await fs.writeFile(file, '{"version": 1, "projects": {')
    const warn = vi.mocked(console.warn)
    warn.mockClear()
    const s = await restart()
    const grants = await call(s, 'listGrants', {})
    expect(grants.files).toEqual([])
    expect(grants.problem).toBe(
      `${file}: not valid JSON; ignored, so recordings outside your projects must be added (or their folders granted) again`,
    )
    expect(warn).toHaveBeenCalledWith(grants.problem)
    await call(s, 'addMedia', { paths: [path.join(archive, 'a.wav')] })
    expect(await fs.readFile(file + '.corrupt', 'utf8')).toBe('{"version": 1, "projects": {')
    expect((await call(await restart(), 'listGrants', {})).files).toEqual([
      path.join(archive, 'a.wav'),
    ])
  })

  it('is found under the platform app data folder unless FRAMEWISE_DATA_DIR is set', () => {
    const home = '/home/u'
    expect(userDataDir({}, 'linux', home)).toBe('/home/u/.config/framewise')
    expect(userDataDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', home)).toBe('/x/cfg/framewise')
    expect(userDataDir({}, 'darwin', home)).toBe('/home/u/Library/Application Support/framewise')
    expect(userDataDir({ APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32', home)).toMatch(
      /Roaming.framewise$/,
    )
    expect(userDataDir({ FRAMEWISE_DATA_DIR: '/t/data' }, 'linux', home)).toBe('/t/data')
  })
})

async function listTree(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { recursive: true })).map(String)
}
