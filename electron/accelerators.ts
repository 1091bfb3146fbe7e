/**
 * What Electron does with a menu template's chords, as plain data, so a template can be checked
 * without the binary: the accelerators a role item gets by default and the items a role submenu
 * expands to (as in Electron's lib/browser/api/menu-item-roles.ts), and the key press an
 * accelerator string stands for on each platform (CmdOrCtrl is Cmd on macOS, Ctrl elsewhere).
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { KeyLike } from '../renderer/lib/keys'

export type Platform = 'darwin' | 'linux' | 'win32'
export const PLATFORMS: readonly Platform[] = ['darwin', 'linux', 'win32']
type Role = NonNullable<MenuItemConstructorOptions['role']>

/** The accelerator Electron gives a role item that names none. */
export function roleAccelerator(role: Role, platform: Platform): string | undefined {
  const mac = platform === 'darwin'
  const table: Partial<Record<Role, string | undefined>> = {
    close: 'CommandOrControl+W',
    copy: 'CommandOrControl+C',
    cut: 'CommandOrControl+X',
    forceReload: 'Shift+CommandOrControl+R',
    hide: 'Command+H',
    hideOthers: 'Command+Alt+H',
    minimize: 'CommandOrControl+M',
    paste: 'CommandOrControl+V',
    pasteAndMatchStyle: mac ? 'Cmd+Option+Shift+V' : 'Shift+CommandOrControl+V',
    quit: platform === 'win32' ? undefined : 'CommandOrControl+Q',
    redo: platform === 'win32' ? 'Control+Y' : 'Shift+CommandOrControl+Z',
    reload: 'CmdOrCtrl+R',
    resetZoom: 'CommandOrControl+0',
    selectAll: 'CommandOrControl+A',
    toggleDevTools: mac ? 'Alt+Command+I' : 'Ctrl+Shift+I',
    togglefullscreen: mac ? 'Control+Command+F' : 'F11',
    undo: 'CommandOrControl+Z',
    zoomIn: 'CommandOrControl+Plus',
    zoomOut: 'CommandOrControl+-',
  }
  return table[role]
}

/** The items a role submenu (appMenu, fileMenu, editMenu, viewMenu, windowMenu) expands to. */
export function roleSubmenu(role: Role, platform: Platform): Role[] | undefined {
  const mac = platform === 'darwin'
  switch (role) {
    case 'appMenu':
      return ['about', 'services', 'hide', 'hideOthers', 'unhide', 'quit']
    case 'fileMenu':
      return [mac ? 'close' : 'quit']
    case 'editMenu':
      return mac
        ? [
            'undo',
            'redo',
            'cut',
            'copy',
            'paste',
            'pasteAndMatchStyle',
            'delete',
            'selectAll',
            'startSpeaking',
            'stopSpeaking',
          ]
        : ['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']
    case 'viewMenu':
      return [
        'reload',
        'forceReload',
        'toggleDevTools',
        'resetZoom',
        'zoomIn',
        'zoomOut',
        'togglefullscreen',
      ]
    case 'windowMenu':
      return mac ? ['minimize', 'zoom', 'front'] : ['minimize', 'close']
  }
  return undefined
}

/** One item of a template with its effective chord, after role submenus are expanded. */
export interface MenuChord {
  /** The item's label, else its role. */
  name: string
  item: MenuItemConstructorOptions
  accelerator: string
  /** False when the menu only shows the chord (registerAccelerator: false). */
  registered: boolean
}

/** Every item of a template that carries a chord, role defaults included. */
export function menuChords(
  template: MenuItemConstructorOptions[],
  platform: Platform,
): MenuChord[] {
  const out: MenuChord[] = []
  const visit = (item: MenuItemConstructorOptions): void => {
    const sub = Array.isArray(item.submenu)
      ? item.submenu
      : item.role
        ? roleSubmenu(item.role, platform)?.map((role) => ({ role }))
        : undefined
    if (sub) return sub.forEach(visit)
    const accelerator =
      item.accelerator ?? (item.role ? roleAccelerator(item.role, platform) : undefined)
    if (accelerator)
      out.push({
        name: item.label ?? item.role ?? '?',
        item,
        accelerator,
        registered: item.registerAccelerator !== false,
      })
  }
  template.forEach(visit)
  return out
}

const NAMED_KEYS: Record<string, string> = {
  plus: '+',
  space: ' ',
  tab: 'Tab',
  backspace: 'Backspace',
  delete: 'Delete',
  esc: 'Escape',
  escape: 'Escape',
  up: 'ArrowUp',
  down: 'ArrowDown',
  left: 'ArrowLeft',
  right: 'ArrowRight',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  enter: 'Enter',
}

/** The key press an accelerator string stands for on a platform (as the page's keydown sees it). */
export function acceleratorKey(accelerator: string, platform: Platform): KeyLike {
  // A trailing '+' is the key itself ("CmdOrCtrl++" is not valid Electron; "Plus" is).
  const parts = accelerator.split('+')
  const key = parts.pop()!
  const press: KeyLike = {
    key: NAMED_KEYS[key.toLowerCase()] ?? key,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
  }
  for (const mod of parts.map((p) => p.toLowerCase())) {
    if (mod === 'commandorcontrol' || mod === 'cmdorctrl')
      press[platform === 'darwin' ? 'metaKey' : 'ctrlKey'] = true
    else if (mod === 'command' || mod === 'cmd' || mod === 'super' || mod === 'meta')
      press.metaKey = true
    else if (mod === 'control' || mod === 'ctrl') press.ctrlKey = true
    else if (mod === 'alt' || mod === 'option' || mod === 'altgr') press.altKey = true
    else if (mod === 'shift') press.shiftKey = true
    else throw new Error(`unknown modifier ${mod} in accelerator ${accelerator}`)
  }
  return press
}
