/**
 * The Electron main process: one hardened window, the menu, and the engine's service over IPC.
 * `--project DIR` opens a project at start.
 */
import { app, BrowserWindow, Menu, protocol, session } from 'electron'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { IPC_EVENT_CHANNEL } from '../engine/api'
import { Service } from '../engine/service'
import { registerDialogs } from './dialogs'
import { registerIpc } from './ipc'
import { handleMedia, MEDIA_SCHEME, mediaUrl } from './media'
import { menuTemplate } from './menu-template'

const here = path.dirname(fileURLToPath(import.meta.url))
const rendererIndex = path.join(here, '../renderer/index.html')
const rendererUrl = pathToFileURL(rendererIndex).href

let window: BrowserWindow | null = null
const service = new Service((event, ...args) => window?.webContents.send(IPC_EVENT_CHANNEL, event, args), { mediaUrl })

// Playback streams from our own scheme (electron/media.ts). It must be registered before ready;
// `stream` lets <audio> seek with Range requests. It does not bypass the CSP: index.html names it
// in media-src.
protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
])

/** `--project DIR`, or a framewise.json the OS opened us with (file association). */
function projectArg(argv: string[]): string | undefined {
  const i = argv.indexOf('--project')
  if (i >= 0) return argv[i + 1]
  const manifest = argv.slice(1).find((a) => path.basename(a) === 'framewise.json')
  return manifest ? path.dirname(manifest) : argv.find((a) => a.startsWith('--project='))?.slice('--project='.length)
}

/** Files handed to us by macOS before the app was ready (file association). */
let openedFile: string | undefined
app.on('open-file', (event, file) => {
  event.preventDefault()
  if (path.basename(file) !== 'framewise.json') return
  if (!app.isReady()) openedFile = file
  else void service.call('openProject', { dir: path.dirname(file) })
})

async function createWindow(): Promise<void> {
  window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Framewise',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // Middle-click would open links in a new window outside the navigation handlers.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  window.once('ready-to-show', () => window?.show())
  window.on('closed', () => (window = null))
  await window.loadURL(rendererUrl)
}

app.enableSandbox()

app.on('web-contents-created', (_, contents) => {
  // No navigation away from the app, no new windows, and no handing URLs to the OS (the app
  // has no external links, so shell.openExternal is never needed).
  contents.on('will-navigate', (event, url) => {
    if (url !== rendererUrl) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (url !== rendererUrl) event.preventDefault()
  })
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-attach-webview', (event) => event.preventDefault())
})

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_, __, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  registerIpc(service, (url) => url.split(/[?#]/)[0] === rendererUrl)
  registerDialogs(() => window, (url) => url.split(/[?#]/)[0] === rendererUrl)
  protocol.handle(MEDIA_SCHEME, (request) => handleMedia(request, () => service.project))
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux')))
  const project = openedFile ? path.dirname(openedFile) : projectArg(process.argv)
  if (project) {
    const opened = await service.call('openProject', { dir: project })
    if (!opened.ok) console.error(`framewise: ${opened.error.message}`)
  }
  await createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Before exiting, close the service: it cancels jobs and releases the project lock.
let closed = false
app.on('will-quit', (event) => {
  if (closed) return
  event.preventDefault()
  void service.close().finally(() => {
    closed = true
    app.quit()
  })
})
