/**
 * IPC registration: for each API request one ipcMain.handle that checks the sender is our own
 * renderer and hands the (still unvalidated) arguments to the service, which validates them.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron'
import { ipcChannel, requestNames } from '../engine/api'
import type { Service } from '../engine/service'

export function registerIpc(service: Service, isOurRenderer: (url: string) => boolean): void {
  for (const name of requestNames) {
    ipcMain.handle(ipcChannel(name), (event: IpcMainInvokeEvent, params: unknown) => {
      const url = event.senderFrame?.url ?? ''
      if (!isOurRenderer(url))
        return {
          ok: false,
          error: {
            code: 'invalid-request',
            message: `refused a request from ${url || 'an unknown frame'}`,
          },
        }
      return service.call(name, params)
    })
  }
}
