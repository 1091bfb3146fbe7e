/**
 * The only bridge between the sandboxed renderer and the main process: one function per API
 * request (never ipcRenderer itself) and an event subscription that returns its unsubscribe;
 * and, apart from the engine's API, the two native file dialogs and the menu's commands.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  IPC_EVENT_CHANNEL,
  ipcChannel,
  perRequest,
  type Requests,
  type Transport,
} from '../engine/api'
import { DIALOG_OPEN_CHANNEL, DIALOG_SAVE_CHANNEL } from './channels'
import { MENU_CHANNEL, menuCommand, type MenuCommand } from './menu-commands'

const transport: Transport = {
  ...perRequest<Requests>(
    (name) => (params: unknown) => ipcRenderer.invoke(ipcChannel(name), params),
  ),
  on(event, listener) {
    const handler = (_: IpcRendererEvent, name: string, args: Parameters<typeof listener>) => {
      if (name === event) listener(...args)
    }
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler)
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler)
  },
}

contextBridge.exposeInMainWorld('framewise', transport)

// Native open/save dialogs (electron/dialogs.ts validates the arguments); browser mode has none.
contextBridge.exposeInMainWorld('framewiseDialogs', {
  open: (args: unknown) => ipcRenderer.invoke(DIALOG_OPEN_CHANNEL, args),
  save: (args: unknown) => ipcRenderer.invoke(DIALOG_SAVE_CHANNEL, args),
})

// The application menu's commands (electron/menu-commands.ts): only well-formed ones pass.
contextBridge.exposeInMainWorld('framewiseMenu', {
  on(listener: (command: MenuCommand) => void) {
    const handler = (_: IpcRendererEvent, command: unknown) => {
      const parsed = menuCommand.safeParse(command)
      if (parsed.success) listener(parsed.data)
    }
    ipcRenderer.on(MENU_CHANNEL, handler)
    return () => void ipcRenderer.removeListener(MENU_CHANNEL, handler)
  },
})
