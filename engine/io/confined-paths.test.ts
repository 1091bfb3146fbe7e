/**
 * The renderer reaches only files inside the open project or ones the user picked: `..` and
 * symlinks out of the project are refused, through the service and the /media route; a hostile
 * manifest cannot point label writes outside the project.
 */
import { promises as fs } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeWav, sine } from '../media/audio/testing'
import { confinedPath, isInside, PickedPaths, realPath } from './confined-paths'
import { MANIFEST_FILE } from '../project/manifest'
import { startServer, type RunningServer } from '../server'

let root: string
let project: string
let outside: string
let server: RunningServer
const wav = makeWav({ bits: 16, rate: 8000, channels: [sine(800, 440, 8000)] })

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-paths-'))
  project = path.join(root, 'project')
  outside = path.join(root, 'private')
  await fs.mkdir(outside)
  await fs.writeFile(path.join(outside, 'secret.wav'), wav)
  await fs.writeFile(path.join(outside, 'picked.wav'), wav)
  await fs.writeFile(path.join(outside, 'secret.csv'), 'time,x\n0,1\n')
  server = await startServer({ rendererDir: root })
  expect(await server.service.call('createProject', { dir: project })).toMatchObject({ ok: true })
  await fs.writeFile(path.join(project, 'inside.wav'), wav)
  await fs.symlink(path.join(outside, 'secret.wav'), path.join(project, 'link.wav'))
  await fs.symlink(outside, path.join(project, 'linkdir'))
})
afterAll(async () => {
  await server.close()
  await fs.rm(root, { recursive: true, force: true })
})

const call = (method: string, params: unknown) => server.service.call(method, params)

function status(
  query: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .request(
        { host: '127.0.0.1', port: server.port, method, path: `/media?${query}`, headers },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      .on('error', reject)
      .end()
  })
}

describe('paths.ts', () => {
  it('resolves .. and symlinks before deciding what is inside', async () => {
    const real = realPath(project)
    expect(isInside(real, realPath(path.join(project, 'inside.wav')))).toBe(true)
    expect(isInside(real, realPath(path.join(project, 'link.wav')))).toBe(false)
    expect(isInside(real, realPath(path.join(project, 'linkdir/secret.csv')))).toBe(false)
    expect(isInside(real, realPath(path.join(project, '../private/secret.wav')))).toBe(false)
    expect(isInside('/a/b', '/a/bc')).toBe(false)
    expect(confinedPath(project, 'missing/new.json')).toBe(path.join(project, 'missing/new.json'))
    const picked = new PickedPaths()
    expect(confinedPath(project, '../private/picked.wav', picked)).toBeNull()
    picked.add(path.join(outside, 'picked.wav'))
    expect(confinedPath(project, '../private/picked.wav', picked)).toBe(
      path.join(outside, 'picked.wav'),
    )
  })
})

describe('the renderer reaches the project and picked files only', () => {
  it('serves media added through the picker (inside, or outside and picked)', async () => {
    expect(
      await call('addMedia', { paths: ['inside.wav', path.join(outside, 'picked.wav')] }),
    ).toMatchObject({ ok: true })
    expect(await call('getMediaSource', { media: 'inside.wav' })).toMatchObject({ ok: true })
    expect(await status(`id=inside.wav&token=${server.token}`)).toBe(200)
    expect(
      await status(`id=${encodeURIComponent('../private/picked.wav')}&token=${server.token}`),
    ).toBe(200)
  })

  it('refuses media a manifest names through .. or a symlink out of the project (not picked)', async () => {
    // A manifest edited (or shipped) to point outside: reload it as the user would.
    const file = path.join(project, MANIFEST_FILE)
    const m = JSON.parse(await fs.readFile(file, 'utf8'))
    m.media.push(
      { path: '../private/secret.wav', kind: 'audio', labels: 'labels/secret.labels.json' },
      { path: 'link.wav', kind: 'audio', labels: 'labels/link.labels.json' },
      { path: 'linkdir/secret.csv', kind: 'series', labels: 'labels/csv.labels.json' },
    )
    await fs.writeFile(file, JSON.stringify(m))
    const reloaded = await call('reloadProject', {})
    const problems = Object.fromEntries(
      (reloaded.ok
        ? (reloaded.result as { media: { id: string; problem?: string }[] }).media
        : []
      ).map((m) => [m.id, m.problem]),
    )
    expect(problems['inside.wav']).toBeUndefined()
    expect(problems['link.wav']).toContain('outside the project folder')
    for (const media of ['../private/secret.wav', 'link.wav']) {
      expect(
        await call('getPeaks', { media, start: 0, end: 0.1, pixels: 10, jobId: 'p' }),
      ).toMatchObject({
        ok: false,
        error: {
          code: 'bad-input',
          message: expect.stringContaining('outside the project folder'),
        },
      })
      expect(await call('getMediaSource', { media })).toMatchObject({ ok: false })
      expect(await status(`id=${encodeURIComponent(media)}&token=${server.token}`)).toBe(404)
      expect(await status(`id=${encodeURIComponent(media)}&token=${server.token}`, 'HEAD')).toBe(
        404,
      )
    }
    expect(
      await call('getSeries', {
        media: 'linkdir/secret.csv',
        start: 0,
        end: 1,
        points: 10,
        jobId: 's',
      }),
    ).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('outside the project folder') },
    })
    // Picking the file (Add file) is what allows it.
    expect(await call('addMedia', { paths: [path.join(project, 'link.wav')] })).toMatchObject({
      ok: true,
    })
    expect(await status(`id=link.wav&token=${server.token}`)).toBe(200)
  })

  it('never writes labels where a manifest points outside the project', async () => {
    const file = path.join(project, MANIFEST_FILE)
    const m = JSON.parse(await fs.readFile(file, 'utf8'))
    m.media = [{ path: 'inside.wav', kind: 'audio', labels: '../private/owned.json' }]
    await fs.writeFile(file, JSON.stringify(m))
    expect(await call('reloadProject', {})).toMatchObject({ ok: true })
    expect(
      await call('saveLabels', { media: 'inside.wav', segments: [], baseRevision: 0 }),
    ).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('outside the project folder') },
    })
    await expect(fs.access(path.join(outside, 'owned.json'))).rejects.toThrow()
  })

  it('/media needs the token on GET, HEAD and range requests alike', async () => {
    for (const method of ['GET', 'HEAD'])
      for (const headers of [{}, { Range: 'bytes=0-9' }] as Record<string, string>[]) {
        expect(await status('id=inside.wav', method, headers)).toBe(403)
        expect(await status(`id=inside.wav&token=${'f'.repeat(64)}`, method, headers)).toBe(403)
      }
    expect(
      await status(`id=inside.wav&token=${server.token}`, 'HEAD', { Range: 'bytes=0-9' }),
    ).toBe(206)
    expect(await status(`id=inside.wav&token=${server.token}`, 'POST')).toBe(405)
  })
})
