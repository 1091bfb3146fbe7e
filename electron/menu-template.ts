/**
 * The application menu as a template, built by a pure function of the platform so it is tested
 * without Electron (main.ts hands it to Menu.buildFromTemplate). Items send menu commands to the
 * renderer (electron/menu-commands.ts); roles are used only where the native action is the right
 * one (cut, copy, paste, select all, quit, full screen, about).
 *
 * A chord the page's key map binds (Ctrl+Z, +, 0, ?) must reach the page: a registered
 * accelerator is consumed in the main process on Linux and Windows before the keydown, and a role
 * would run Chromium's own action (text undo) instead of ours. Those items only show the chord
 * (registerAccelerator: false) and their click sends the command the key would run. macOS has no
 * such flag, but there the page sees a key equivalent first and the menu runs only when the page
 * did not handle it (in a text field: native text undo through the same command). A bare key is
 * not shown there, so an unmodified key equivalent can never fire while the user types.
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { Platform } from './accelerators'
import type { AppCommand, MenuCommand, PageAction } from './menu-commands'

export function menuTemplate(
  platform: Platform,
  send: (command: MenuCommand) => void,
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin'
  const separator = { type: 'separator' } as const
  /** An item the main process may hold a chord for: the page does not bind it. */
  const app = (
    label: string,
    command: AppCommand,
    accelerator?: string,
  ): MenuItemConstructorOptions => ({
    id: command,
    label,
    accelerator,
    click: () => send({ command }),
  })
  /** An item whose chord the page binds: shown, never registered. */
  const page = (
    label: string,
    command: PageAction,
    accelerator?: string,
  ): MenuItemConstructorOptions => ({
    id: command,
    label,
    accelerator: mac && !/^(CmdOrCtrl|Cmd)\+/.test(accelerator ?? '') ? undefined : accelerator,
    registerAccelerator: false,
    click: () => send({ command }),
  })
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        app('Open Project…', 'open-project', 'CmdOrCtrl+O'),
        app('New Project…', 'create-project', 'CmdOrCtrl+N'),
        separator,
        app('Add Media…', 'add-media', 'CmdOrCtrl+Shift+A'),
        app('Import Labels…', 'import-labels', 'CmdOrCtrl+I'),
        app('Export Labels…', 'export-labels', 'CmdOrCtrl+E'),
        app('Export Model…', 'export-model', 'CmdOrCtrl+Shift+E'),
        separator,
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        page('Undo', 'undo', 'CmdOrCtrl+Z'),
        page('Redo', 'redo', platform === 'win32' ? 'CmdOrCtrl+Y' : 'CmdOrCtrl+Shift+Z'),
        separator,
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        separator,
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        page('Zoom In', 'zoom-in', 'Plus'),
        page('Zoom Out', 'zoom-out', '-'),
        page('Show Whole File', 'zoom-fit', '0'),
        separator,
        app('Spectrogram On / Off', 'toggle-spectrogram'),
        page('Keyboard Shortcuts', 'help', '?'),
        separator,
        { role: 'togglefullscreen' },
      ],
    },
    ...(mac ? [{ role: 'windowMenu' as const }] : []),
    {
      role: 'help',
      submenu: [
        page('Keyboard Shortcuts', 'help'),
        ...(mac ? [] : [separator, { role: 'about' as const }]),
      ],
    },
  ]
}
