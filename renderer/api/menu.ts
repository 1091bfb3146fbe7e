/**
 * The desktop app's menu commands (electron/preload.ts exposes window.framewiseMenu; the preload
 * passes only well-formed commands). Browser mode has no application menu: nothing arrives.
 */
import type { MenuCommand } from '../../electron/menu-commands'

declare global {
  interface Window {
    framewiseMenu?: { on(listener: (command: MenuCommand) => void): () => void }
  }
}

/** Subscribe to menu commands; returns the unsubscribe function. */
export function onMenuCommand(listener: (command: MenuCommand) => void): () => void {
  return window.framewiseMenu?.on(listener) ?? (() => {})
}
