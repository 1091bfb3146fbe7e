import { describe, expect, it, vi } from 'vitest'
import { ipcChannel, requestNames, requestSchemas } from '../engine/api'
import { Service } from '../engine/service'
import { handlers, invoke } from './electron-stand-in'

// The real module needs the Electron binary; the typed stand-in records the handlers.
vi.mock('electron', async () => (await import('./electron-stand-in')).electron)
const { registerIpc } = await import('./ipc')

const ours = 'file:///app/out/renderer/index.html'
registerIpc(new Service(() => {}), (url) => url.split(/[?#]/)[0] === ours)
const call = (method: string, url: string | undefined, params: unknown) =>
  invoke(ipcChannel(method as never), url, params)

describe('IPC handlers', () => {
  it('register one channel per request', () => {
    expect([...handlers.keys()].sort()).toEqual(requestNames.map((n) => ipcChannel(n)).sort())
  })

  it('refuse requests from any frame but our renderer', async () => {
    for (const url of [
      'https://evil.example/',
      'file:///tmp/other.html',
      `${ours}.evil`,
      'file:///app/out/renderer/index.html/../x.html',
      '',
      undefined,
    ])
      expect(await call('getProject', url, {})).toMatchObject({
        ok: false,
        error: { code: 'invalid-request' },
      })
    expect(await call('getProject', `${ours}#x`, {})).toEqual({ ok: true, result: null })
  })

  it('answer malformed arguments with an error envelope, never a throw', async () => {
    const bad = [
      undefined,
      null,
      42,
      'x',
      [],
      { __proto__: { polluted: 1 } },
      JSON.parse('{"__proto__":{"polluted":1}}'),
      { dir: 7 },
      { media: {} },
    ]
    for (const name of requestNames)
      for (const params of bad) {
        const reply = (await call(name, ours, params)) as { ok: boolean; error?: { code: string } }
        // Only a request that takes nothing (and needs no project) may answer.
        if (reply.ok) expect(requestSchemas[name].safeParse({}).success, name).toBe(true)
        else expect(['invalid-request', 'no-project']).toContain(reply.error!.code)
      }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
