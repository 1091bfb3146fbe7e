/** The browser-mode `/media` route: token, open project's media only, byte ranges. */
import { promises as fs } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRange } from './media/playback'
import { startServer, type RunningServer } from './server'

let server: RunningServer
let root: string
const audio = Buffer.from('RIFF\x5c\0\0\0WAVE' + 'x'.repeat(88), 'latin1')
/** Picked files named as audio whose content is something else. */
const impostors: Record<string, Buffer> = {
  'passwd.wav': Buffer.from('root:x:0:0:root:/root:/bin/bash\n'),
  'wav-named.mp3': audio,
  'avi.wav': Buffer.from('RIFF\x5c\0\0\0AVI LIST', 'latin1'),
  'empty.flac': Buffer.alloc(0),
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-media-'))
  await fs.mkdir(path.join(root, 'renderer'))
  await fs.writeFile(path.join(root, 'renderer/index.html'), '<!doctype html><title>t</title>')
  await fs.writeFile(path.join(root, 'a.wav'), audio)
  await fs.writeFile(path.join(root, 'secret.wav'), audio)
  for (const [name, bytes] of Object.entries(impostors))
    await fs.writeFile(path.join(root, name), bytes)
  server = await startServer({ rendererDir: path.join(root, 'renderer') })
  const created = await server.service.call('createProject', { dir: path.join(root, 'project') })
  expect(created.ok).toBe(true)
  const paths = ['a.wav', ...Object.keys(impostors)].map((name) => path.join(root, name))
  expect(await server.service.call('addMedia', { paths })).toMatchObject({ ok: true })
})
afterAll(async () => {
  await server.close()
  await fs.rm(root, { recursive: true, force: true })
})

function get(
  query: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/media?${query}`,
          headers: { Host: `127.0.0.1:${server.port}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              headers: res.headers,
            }),
          )
        },
      )
      .on('error', reject)
  })
}

describe('/media', () => {
  it('serves project audio with the token, whole or by range', async () => {
    const src = await server.service.call('getMediaSource', { media: '../a.wav' })
    if (!src.ok) throw new Error(src.error.message)
    const url = (src.result as { url: string }).url
    const query = url.slice(url.indexOf('?') + 1)
    const whole = await get(query)
    expect(whole.status).toBe(200)
    expect(whole.headers['content-type']).toBe('audio/wav')
    expect(whole.body.equals(audio)).toBe(true)
    const part = await get(query, { Range: 'bytes=4-9' })
    expect(part.status).toBe(206)
    expect(part.headers['content-range']).toBe(`bytes 4-9/${audio.length}`)
    expect(part.body).toEqual(audio.subarray(4, 10))
    expect((await get(query, { Range: 'bytes=500-' })).status).toBe(416)
  })

  it('refuses without the token, with a wrong one, and for files that are not project media', async () => {
    const id = encodeURIComponent('../a.wav')
    expect((await get(`id=${id}`)).status).toBe(403)
    expect((await get(`id=${id}&token=${'0'.repeat(64)}`)).status).toBe(403)
    for (const other of [
      '../secret.wav',
      path.join(root, 'secret.wav'),
      'framewise.json',
      '../renderer/index.html',
    ])
      expect((await get(`id=${encodeURIComponent(other)}&token=${server.token}`)).status).toBe(404)
    const foreignHost = await new Promise<number>((resolve) =>
      http.get(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/media?id=${id}&token=${server.token}`,
          headers: { Host: 'evil.test' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      ),
    )
    expect(foreignHost).toBe(403)
  })
})

describe('/media sniffs content', () => {
  it('refuses a picked file whose bytes are not the audio its extension claims, saying why', async () => {
    for (const name of Object.keys(impostors)) {
      const id = `../${name}`
      const reply = await get(`id=${encodeURIComponent(id)}&token=${server.token}`)
      expect(reply.status, name).toBe(415)
      expect(reply.body.toString(), name).toMatch(
        name === 'empty.flac' ? /is empty/ : /does not hold (WAV|MP3) audio/,
      )
      expect(reply.body.toString()).not.toContain('root:x')
    }
  })
})

describe('parseRange', () => {
  it.each([
    [undefined, null],
    ['bytes=0-9', [0, 9]],
    ['bytes=5-', [5, 99]],
    ['bytes=-10', [90, 99]],
    ['bytes=90-500', [90, 99]],
    ['bytes=100-', 'invalid'],
    ['bytes=9-3', 'invalid'],
    ['bytes=0-1,4-5', 'invalid'],
    ['items=0-1', 'invalid'],
    ['bytes=-', 'invalid'],
  ] as const)('%s → %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected)
  })
})
