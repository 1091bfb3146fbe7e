/**
 * A small stand-in for the parts of the `electron` module that ipc.ts, dialogs.ts and media.ts
 * use, so their unit tests run without the Electron binary (`vi.mock('electron', ...)`). Each
 * member is typed by Electron's own declarations (electron.d.ts): an API change there fails the
 * typecheck here. It records what was registered and shown; tests set the dialogs' answers.
 */
import type {
  BaseWindow,
  IpcMainInvokeEvent,
  OpenDialogOptions,
  OpenDialogReturnValue,
  SaveDialogOptions,
  SaveDialogReturnValue,
  WebFrameMain,
} from 'electron'

type ElectronModule = typeof import('electron')
type IpcHandler = Parameters<ElectronModule['ipcMain']['handle']>[1]
type ProtocolHandler = Parameters<ElectronModule['protocol']['handle']>[1]

/** ipcMain.handle listeners by channel, protocol.handle handlers by scheme. */
export const handlers = new Map<string, IpcHandler>()
export const schemes = new Map<string, ProtocolHandler>()
/** Options of every dialog shown, in order. */
export const shown: (OpenDialogOptions | SaveDialogOptions)[] = []
/** What the next dialogs answer. */
export const answers: { open: OpenDialogReturnValue; save: SaveDialogReturnValue } = {
  open: { canceled: true, filePaths: [] },
  save: { canceled: true, filePath: '' },
}

const options = <T>(args: [BaseWindow, T] | [T]): T => args.at(-1) as T

export const electron = {
  ipcMain: {
    handle: (channel: string, listener: IpcHandler) => void handlers.set(channel, listener),
  },
  dialog: {
    showOpenDialog: async (...args: [BaseWindow, OpenDialogOptions] | [OpenDialogOptions]) => (
      shown.push(options(args)),
      answers.open
    ),
    showSaveDialog: async (...args: [BaseWindow, SaveDialogOptions] | [SaveDialogOptions]) => (
      shown.push(options(args)),
      answers.save
    ),
  },
  protocol: {
    handle: (scheme: string, handler: ProtocolHandler) => void schemes.set(scheme, handler),
  },
} satisfies {
  ipcMain: Pick<ElectronModule['ipcMain'], 'handle'>
  dialog: Pick<ElectronModule['dialog'], 'showOpenDialog' | 'showSaveDialog'>
  protocol: Pick<ElectronModule['protocol'], 'handle'>
}

/** Call a registered ipcMain handler as a request from a frame at `url` (undefined: no frame). */
export function invoke(
  channel: string,
  url: string | undefined,
  params: unknown,
): Promise<unknown> {
  const handler = handlers.get(channel)
  if (!handler) throw new Error(`nothing handles ${channel}`)
  const senderFrame =
    url === undefined ? null : ({ url } satisfies Pick<WebFrameMain, 'url'> as WebFrameMain)
  return Promise.resolve(handler({ senderFrame } as IpcMainInvokeEvent, params))
}
