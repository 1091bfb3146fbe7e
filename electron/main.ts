/**
 * The Electron main process: one instance, one hardened window, the menu, and the engine's
 * service over IPC. `--project DIR` (or a framewise.json) opens a project at start; given to a
 * second launch, it opens in the running window instead (electron/instance.ts).
 */
import { app, BrowserWindow, dialog, Menu, protocol, session } from 'electron'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { IPC_EVENT_CHANNEL } from '../engine/api'
import { Service } from '../engine/service'
import { registerDialogs } from './dialogs'
import { registerIpc } from './ipc'
import { MEDIA_SCHEME_PRIVILEGES, mediaUrl, registerMedia } from './media'
import type { Platform } from './accelerators'
import { MANIFEST, projectFromArgv, secondInstance } from './instance'
import { MENU_CHANNEL, menuCommand, type MenuCommand } from './menu-commands'
import { menuTemplate } from './menu-template'

const here = path.dirname(fileURLToPath(import.meta.url))
const rendererIndex = path.join(here, '../renderer/index.html')
const rendererUrl = pathToFileURL(rendererIndex).href
const platform: Platform =
  process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux'

let window: BrowserWindow | null = null
const service = new Service(
  (event, ...args) => window?.webContents.send(IPC_EVENT_CHANNEL, event, args),
  { mediaUrl },
)

// Playback streams from our own scheme (electron/media.ts), registered before ready.
protocol.registerSchemesAsPrivileged([MEDIA_SCHEME_PRIVILEGES])

// One running app: a second launch passes its command line to this one and quits.
const primary = app.requestSingleInstanceLock()
if (!primary) app.quit()

/** Menu commands go to the renderer over one event, validated like every IPC message. */
function sendToRenderer(command: MenuCommand): void {
  window?.webContents.send(MENU_CHANNEL, menuCommand.parse(command))
}

/** The folder of the open project, or null. */
function openDir(): string | null {
  try {
    return service.project.dir
  } catch {
    return null
  }
}

/**
 * Open a project handed over by a second launch or the OS: in the renderer, which first asks
 * about unsaved edits; while no page is up yet, directly (the page reads it when it loads).
 */
async function openHandedOver(dir: string): Promise<void> {
  if (window && !window.webContents.isLoading())
    return sendToRenderer({ command: 'open-project', dir })
  const opened = await service.call('openProject', { dir })
  if (!opened.ok) console.error(`framewise: ${opened.error.message}`)
}

function focusWindow(): void {
  if (!window) return
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}

app.on('second-instance', (_, argv, workingDirectory) => {
  focusWindow()
  const handoff = secondInstance(argv, workingDirectory, platform, openDir())
  if (handoff.action === 'open') void openHandedOver(handoff.dir)
  else if (handoff.action === 'report') dialog.showErrorBox('Framewise', handoff.message)
})

/** Files handed to us by macOS (file association): before ready, the project to open at start. */
let openedFile: string | undefined
app.on('open-file', (event, file) => {
  event.preventDefault()
  if (path.basename(file) !== MANIFEST) return
  if (!app.isReady()) openedFile = file
  else {
    focusWindow()
    void openHandedOver(path.dirname(file))
  }
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
  if (!primary) return
  session.defaultSession.setPermissionRequestHandler((_, __, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  registerIpc(service, (url) => url.split(/[?#]/)[0] === rendererUrl)
  registerDialogs(
    () => window,
    (url) => url.split(/[?#]/)[0] === rendererUrl,
  )
  registerMedia(protocol, () => service.project)
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(platform, sendToRenderer)))
  const named = openedFile
    ? { dir: path.dirname(openedFile) }
    : projectFromArgv(process.argv, process.cwd(), platform)
  if (named && 'error' in named) console.error(`framewise: ${named.error}`)
  else if (named) await openHandedOver(named.dir)
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
