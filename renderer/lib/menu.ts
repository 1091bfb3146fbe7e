/**
 * Where a desktop menu command (electron/menu-commands.ts) goes in the renderer. Commands named
 * like a key action run what that key runs (the Studio's `perform`, the key handler's own path),
 * except Undo/Redo while a text field has focus, which stay the field's native text undo, as
 * the keys do there. The rest (File menu, spectrogram) are the app's own commands.
 */
import type { AppCommand, MenuCommand } from '../../electron/menu-commands'
import type { Action } from './keys'

export type MenuRoute =
  | { kind: 'key'; action: Action }
  | { kind: 'text'; edit: 'undo' | 'redo' }
  | { kind: 'app'; command: AppCommand; dir?: string }

export function routeMenuCommand(c: MenuCommand, inTextField: boolean): MenuRoute {
  switch (c.command) {
    case 'undo':
    case 'redo':
      return inTextField ? { kind: 'text', edit: c.command } : { kind: 'key', action: c.command }
    case 'zoom-in':
    case 'zoom-out':
    case 'zoom-fit':
    case 'help':
      return { kind: 'key', action: c.command }
    default:
      return { kind: 'app', command: c.command, dir: c.dir }
  }
}
