import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MEDIA_SCHEME } from './media'

// Hardening asserted from what ships (electron-vite's out/, built before the unit tests in
// `npm test`), not from the sources: a bundler or a refactor cannot drop it unnoticed.
const read = (file: string) => {
  if (!existsSync(file))
    throw new Error(`${file}: missing; build first with \`npx electron-vite build\``)
  return readFileSync(file, 'utf8')
}
const main = read('out/main/main.js')
const preload = read('out/preload/preload.cjs')
const html = read('out/renderer/index.html')

describe('the built main process', () => {
  it('creates its one window with isolation, the sandbox, no Node and web security', () => {
    const prefs = main.match(/webPreferences:\s*\{([^}]*)\}/g) ?? []
    expect(prefs).toHaveLength(1)
    const p = prefs[0]
    for (const on of ['contextIsolation', 'sandbox', 'webSecurity'])
      expect(p).toMatch(new RegExp(`\\b${on}:\\s*true\\b`))
    expect(p).toMatch(/\bnodeIntegration:\s*false\b/)
    for (const off of [
      'nodeIntegrationInWorker',
      'nodeIntegrationInSubFrames',
      'allowRunningInsecureContent',
      'experimentalFeatures',
      'enableBlinkFeatures',
      'webviewTag',
    ])
      expect(p).not.toContain(off)
    expect(p).toMatch(/preload:.*preload\.cjs/)
  })

  it('enables the sandbox everywhere, denies navigation, new windows, webviews and permissions, and runs once', () => {
    expect(main).toContain('app.enableSandbox()')
    expect(main).toContain('setWindowOpenHandler(() => ({ action: "deny" }))')
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview'])
      expect(main).toContain(`"${event}"`)
    expect(main).toMatch(/setPermissionRequestHandler\(\(_, __, callback\) => callback\(false\)\)/)
    expect(main).toMatch(/setPermissionCheckHandler\(\(\) => false\)/)
    expect(main).toContain('app.requestSingleInstanceLock()')
    expect(main).not.toMatch(/shell\.openExternal|openDevTools/)
  })
})

describe('the built preload', () => {
  it('exposes the API, the dialogs and the menu commands, never ipcRenderer itself', () => {
    const exposed = [...preload.matchAll(/exposeInMainWorld\("(\w+)",\s*([^)\n]*)/g)].map((m) => [
      m[1],
      m[2],
    ])
    expect(exposed.map(([name]) => name)).toEqual([
      'framewise',
      'framewiseDialogs',
      'framewiseMenu',
    ])
    for (const [, value] of exposed)
      expect(value).not.toMatch(/^ipcRenderer\b|electron\.ipcRenderer\s*$/)
  })
})

describe('the built page', () => {
  const csp = html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)?.[1] ?? ''
  const policy = Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  )

  it('carries a strict CSP: nothing by default, scripts only from the app, no eval or inline script', () => {
    expect(policy['default-src']).toEqual(["'none'"])
    expect(policy['script-src']).toEqual(["'self'"])
    expect(policy['base-uri']).toEqual(["'none'"])
    expect(policy['form-action']).toEqual(["'none'"])
    expect(policy['connect-src']).toEqual(["'self'"])
    expect(policy['media-src']).toEqual(["'self'", 'blob:', `${MEDIA_SCHEME}:`])
    expect(csp).not.toMatch(/unsafe-eval|\*|https?:/)
    // Every script of the page is a file (script-src 'self' would block an inline one anyway).
    for (const tag of html.match(/<script\b[^>]*>/g) ?? [])
      expect(tag).toMatch(/\bsrc="\.?\/assets\//)
  })
})
