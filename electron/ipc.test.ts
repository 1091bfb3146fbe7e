import { describe, expect, it, vi } from 'vitest'
import { ipcChannel, requestNames } from '../engine/api'
import { Service } from '../engine/service'

// The real module needs the Electron binary; the handlers are captured from a stand-in ipcMain.
const handlers = new Map<string, (event: unknown, params: unknown) => unknown>()
vi.mock('electron', () => ({ ipcMain: { handle: (channel: string, fn: (e: unknown, p: unknown) => unknown) => handlers.set(channel, fn) } }))
const { registerIpc } = await import('./ipc')

const ours = 'file:///app/out/renderer/index.html'
registerIpc(new Service(() => {}), (url) => url.split(/[?#]/)[0] === ours)
const invoke = (method: string, url: string | undefined, params: unknown) =>
  Promise.resolve(handlers.get(ipcChannel(method as never))!({ senderFrame: url === undefined ? null : { url } }, params))

describe('IPC handlers', () => {
  it('register one channel per request', () => {
    expect([...handlers.keys()].sort()).toEqual(requestNames.map((n) => ipcChannel(n)).sort())
  })

  it('refuse requests from any frame but our renderer', async () => {
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', '', undefined])
      expect(await invoke('getProject', url, {})).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    expect(await invoke('getProject', `${ours}#x`, {})).toEqual({ ok: true, result: null })
  })

  it('answer malformed arguments with an error envelope, never a throw', async () => {
    const bad = [undefined, null, 42, 'x', [], { __proto__: { polluted: 1 } }, JSON.parse('{"__proto__":{"polluted":1}}'), { dir: 7 }, { media: {} }]
    for (const name of requestNames)
      for (const params of bad) {
        const reply = (await invoke(name, ours, params)) as { ok: boolean; error?: { code: string } }
        if (reply.ok) expect(name).toBe('getProject') // the one request that takes nothing and has no effect
        else expect(['invalid-request', 'no-project']).toContain(reply.error!.code)
      }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
