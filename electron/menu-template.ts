/**
 * The application menu as a template, built by a pure function of the platform so it is tested
 * without Electron (main.ts hands it to Menu.buildFromTemplate).
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { Platform } from './accelerators'

export function menuTemplate(platform: Platform): MenuItemConstructorOptions[] {
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]
}
