import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PickedPaths } from '../engine/io/confined-paths'
import { Project } from '../engine/project/store'
import { electron, schemes } from './electron-stand-in'
import {
  handleMedia,
  MEDIA_SCHEME,
  MEDIA_SCHEME_PRIVILEGES,
  mediaIdFromUrl,
  mediaUrl,
  registerMedia,
} from './media'

let root: string
let project: Project
// 100 bytes that sniff as WAV (engine/media/playback.ts serves only content that is the audio its name claims).
const audio = Buffer.from(Array.from({ length: 100 }, (_, i) => i))
audio.write('RIFF', 0, 'latin1')
audio.write('WAVE', 8, 'latin1')

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-electron-media-'))
  const dir = path.join(root, 'project')
  project = await Project.create(dir)
  project.confine(new PickedPaths())
  await fs.mkdir(path.join(dir, 'rec'))
  await fs.writeFile(path.join(dir, 'rec', 'a b#?.wav'), audio)
  await fs.writeFile(path.join(root, 'picked.wav'), audio)
  await fs.writeFile(path.join(root, 'secret.wav'), audio)
  await fs.writeFile(path.join(dir, 'notes.csv'), 'time,x\n0,1\n')
  await project.addMedia(['rec/a b#?.wav', path.join(root, 'picked.wav'), 'notes.csv'])
})
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

const get = (url: string, init?: RequestInit) => handleMedia(new Request(url, init), () => project)

describe('framewise-media: URLs', () => {
  it('map a media id to one URL segment and back, whatever the id holds', () => {
    for (const id of [
      'rec/a b#?.wav',
      '../picked.wav',
      'Zürich 100%.flac',
      '..',
      'a/../../b.wav',
    ]) {
      const url = mediaUrl(id)
      expect(url.startsWith('framewise-media://project/media?id=')).toBe(true)
      expect(mediaIdFromUrl(url)).toBe(id)
      expect(mediaIdFromUrl(new URL(url).href)).toBe(id)
    }
  })

  it('refuse URLs that are not ours', () => {
    for (const url of [
      'framewise-media://other/media?id=a.wav',
      'framewise-media://project/media',
      'framewise-media://project/media?id=',
      'framewise-media://project/media?id=a.wav&id=b.wav',
      'framewise-media://project/rec/a.wav', // a path, not an id
      'framewise-media://project/other?id=a.wav',
      'file:///etc/passwd',
      'https://project/a.wav',
      'not a url',
    ])
      expect(mediaIdFromUrl(url)).toBeNull()
  })
})

describe('the framewise-media: handler', () => {
  it('streams a project media file whole and in byte ranges', async () => {
    const whole = await get(mediaUrl('rec/a b#?.wav'))
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-type')).toBe('audio/wav')
    expect(whole.headers.get('accept-ranges')).toBe('bytes')
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(audio)

    const part = await get(mediaUrl('rec/a b#?.wav'), { headers: { Range: 'bytes=10-19' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 10-19/100')
    expect(Buffer.from(await part.arrayBuffer())).toEqual(audio.subarray(10, 20))

    const tail = await get(mediaUrl('../picked.wav'), { headers: { Range: 'bytes=-5' } })
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(audio.subarray(95))

    const head = await get(mediaUrl('rec/a b#?.wav'), { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe('100')

    const beyond = await get(mediaUrl('rec/a b#?.wav'), { headers: { Range: 'bytes=100-' } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe('bytes */100')
  })

  it('serves nothing but media files of the open project', async () => {
    // Not in the manifest (traversal to a file that exists), not audio, not ours, no project.
    for (const id of [
      '../secret.wav',
      '../../etc/passwd',
      'rec/../../secret.wav',
      'notes.csv',
      'framewise.json',
    ])
      expect((await get(mediaUrl(id))).status).toBe(404)
    expect((await get('framewise-media://project/rec/a%20b.wav')).status).toBe(400)
    expect((await get('framewise-media://project/media?id=rec%2Fa%20b%23%3F.wav')).status).toBe(200)
    expect((await get(mediaUrl('rec/a b#?.wav'), { method: 'POST', body: 'x' })).status).toBe(405)
    const none = await handleMedia(new Request(mediaUrl('rec/a b#?.wav')), () => {
      throw new Error('no project is open')
    })
    expect(none.status).toBe(404)
  })

  it('refuses a manifest entry that leads outside the project to a file nobody picked', async () => {
    const dir = path.join(root, 'hostile')
    const hostile = await Project.create(dir)
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'framewise.json'), 'utf8'))
    manifest.media.push({
      path: '../secret.wav',
      kind: 'audio',
      labels: 'labels/secret.labels.json',
    })
    await fs.writeFile(path.join(dir, 'framewise.json'), JSON.stringify(manifest))
    const reopened = await Project.open(dir)
    reopened.confine(new PickedPaths())
    const reply = await handleMedia(new Request(mediaUrl('../secret.wav')), () => reopened)
    expect(reply.status).toBe(404)
    expect(hostile.dir).toBe(reopened.dir)
  })
})

describe('the framewise-media: scheme in Electron', () => {
  it('is registered on the protocol module and serves the open project through it', async () => {
    registerMedia(electron.protocol, () => project)
    const handler = schemes.get(MEDIA_SCHEME)!
    const reply = await handler(
      new Request(mediaUrl('rec/a b#?.wav'), { headers: { Range: 'bytes=0-3' } }),
    )
    expect(reply.status).toBe(206)
    expect(Buffer.from(await reply.arrayBuffer())).toEqual(audio.subarray(0, 4))
    expect((await handler(new Request(mediaUrl('../secret.wav')))).status).toBe(404)
  })

  it('streams (Range requests for <audio>) without bypassing the CSP', () => {
    expect(MEDIA_SCHEME_PRIVILEGES.privileges).toEqual({
      standard: true,
      secure: true,
      stream: true,
      supportFetchAPI: true,
    })
    expect('bypassCSP' in MEDIA_SCHEME_PRIVILEGES.privileges).toBe(false)
  })
})
