import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import { matchKey } from '../renderer/lib/keys'
import { routeMenuCommand } from '../renderer/lib/menu'
import { acceleratorKey, menuChords, PLATFORMS } from './accelerators'
import { MENU_COMMANDS, menuCommand, type MenuCommand } from './menu-commands'
import { menuTemplate } from './menu-template'

/** Every leaf item of a template (role submenus stay as their role item). */
const leaves = (template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  template.flatMap((i) => (Array.isArray(i.submenu) ? leaves(i.submenu) : [i]))

// A chord registered in the main process is consumed there on Linux and Windows before the page
// sees the keydown, so any chord the renderer's key map (matchKey) binds must only be shown, and
// the item must do what the key does.
describe.each(PLATFORMS)('the %s menu', (platform) => {
  const sent: MenuCommand[] = []
  const template = menuTemplate(platform, (c) => sent.push(c))
  const chords = menuChords(template, platform)
  /** The command an item's click sends (undefined for a role item). */
  const click = (item: MenuItemConstructorOptions): MenuCommand | undefined => {
    sent.length = 0
    item.click?.(undefined as never, undefined, undefined as never)
    return sent[0]
  }

  it('registers no chord the page binds', () => {
    const taken = chords.filter(
      (c) => c.registered && matchKey(acceleratorKey(c.accelerator, platform)) !== null,
    )
    expect(taken.map((c) => `${c.name} ${c.accelerator}`)).toEqual([])
  })

  it('only shows chords the page binds, and clicking one runs what the key runs', () => {
    const shown = chords.filter((c) => !c.registered)
    expect(shown.map((c) => c.name)).toEqual(
      expect.arrayContaining(
        platform === 'darwin'
          ? ['Undo', 'Redo']
          : ['Undo', 'Redo', 'Zoom In', 'Zoom Out', 'Show Whole File', 'Keyboard Shortcuts'],
      ),
    )
    for (const c of shown) {
      const key = matchKey(acceleratorKey(c.accelerator, platform))
      expect(
        key,
        `${c.name} ${c.accelerator}: the page does not bind it, so it would do nothing`,
      ).not.toBeNull()
      expect(
        c.item.role,
        `${c.name} is a role: it would run Electron's action, not the page's`,
      ).toBeUndefined()
      expect(routeMenuCommand(click(c.item)!, false)).toEqual({ kind: 'key', action: key!.action })
    }
  })

  it('shows no bare key on macOS, where it would be a key equivalent', () => {
    if (platform !== 'darwin') return
    const key = (c: (typeof chords)[number]) => acceleratorKey(c.accelerator, platform)
    expect(
      chords
        .filter((c) => !key(c).metaKey && !key(c).ctrlKey && /^.$/.test(key(c).key))
        .map((c) => c.name),
    ).toEqual([])
  })

  it('sends valid commands, every command from some item, and keeps the native clipboard roles', () => {
    const commands = leaves(template).flatMap((i) => click(i) ?? [])
    for (const c of commands) expect(menuCommand.safeParse(c).success).toBe(true)
    expect(new Set(commands.map((c) => c.command))).toEqual(new Set(MENU_COMMANDS))
    expect(leaves(template).map((i) => i.role)).toEqual(
      expect.arrayContaining(['cut', 'copy', 'paste', 'selectAll']),
    )
    // No reload (it would drop edits not yet saved) and no developer tools in the shipped menu.
    expect(chords.map((c) => c.item.role)).not.toEqual(expect.arrayContaining(['reload']))
    expect(chords.map((c) => c.item.role)).not.toContain('toggleDevTools')
  })
})

describe('menu commands in the renderer', () => {
  it('undo and redo are the label history outside text fields and native text undo inside', () => {
    expect(routeMenuCommand({ command: 'undo' }, false)).toEqual({ kind: 'key', action: 'undo' })
    expect(routeMenuCommand({ command: 'redo' }, true)).toEqual({ kind: 'text', edit: 'redo' })
    expect(routeMenuCommand({ command: 'zoom-in' }, true)).toEqual({
      kind: 'key',
      action: 'zoom-in',
    })
    expect(routeMenuCommand({ command: 'open-project', dir: '/p' }, false)).toEqual({
      kind: 'app',
      command: 'open-project',
      dir: '/p',
    })
  })

  it('refuse malformed commands', () => {
    for (const bad of [
      undefined,
      null,
      'undo',
      {},
      { command: 'reload' },
      { command: 'undo', dir: '/p' },
      { command: 'open-project', dir: '' },
      { command: 'open-project', dir: 'a\0b' },
      { command: 'undo', extra: 1 },
    ])
      expect(menuCommand.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
  })
})
