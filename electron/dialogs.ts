/**
 * Native file dialogs for the desktop app: open (files or a folder) and save. They are not part of
 * the engine's API (browser mode has no native dialogs; its path picker lists folders through the
 * engine instead). The renderer gets the picked paths and hands them to the engine as it would a
 * typed path (addMedia, openProject, exportModel, exportLabels), so the engine's own checks apply.
 * Arguments are validated here like every other IPC argument, and only our renderer may ask.
 */
import {
  dialog,
  ipcMain,
  type BrowserWindow,
  type FileFilter,
  type IpcMainInvokeEvent,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from 'electron'
import { z } from 'zod'
import { DIALOG_OPEN_CHANNEL, DIALOG_SAVE_CHANNEL } from './channels'

const FILTERS: Record<'media' | 'onnx' | 'labels', FileFilter[]> = {
  media: [
    {
      name: 'Recordings and sensor logs',
      extensions: ['wav', 'wave', 'flac', 'mp3', 'ogg', 'oga', 'csv', 'tsv'],
    },
  ],
  onnx: [{ name: 'ONNX model', extensions: ['onnx'] }],
  labels: [{ name: 'Label files', extensions: ['txt', 'csv', 'TextGrid', 'json'] }],
}

const openArgs = z
  .object({
    kind: z.enum(['file', 'dir']),
    multiple: z.boolean().default(false),
    filter: z.enum(['media', 'onnx', 'labels']).optional(),
    title: z.string().max(200).optional(),
  })
  .strict()

const saveArgs = z
  .object({
    /** A file name, never a path: the dialog starts in the user's last folder. */
    defaultName: z
      .string()
      .max(255)
      .regex(/^[^/\\\0]*$/, 'a file name without folders'),
    filter: z.enum(['onnx', 'labels']),
    title: z.string().max(200).optional(),
  })
  .strict()

export type OpenArgs = z.input<typeof openArgs>
export type SaveArgs = z.input<typeof saveArgs>

/** Electron's open-dialog options for validated renderer arguments (throws on bad ones). */
export function openDialogOptions(args: unknown): OpenDialogOptions {
  const a = openArgs.parse(args)
  return {
    title: a.title,
    properties: [
      a.kind === 'dir' ? 'openDirectory' : 'openFile',
      ...(a.multiple ? (['multiSelections'] as const) : []),
      'createDirectory',
    ],
    filters: a.kind === 'file' && a.filter ? FILTERS[a.filter] : undefined,
  }
}

/** Electron's save-dialog options for validated renderer arguments (throws on bad ones). */
export function saveDialogOptions(args: unknown): SaveDialogOptions {
  const a = saveArgs.parse(args)
  return {
    title: a.title,
    defaultPath: a.defaultName || undefined,
    filters: FILTERS[a.filter],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  }
}

/**
 * Register both dialogs. Replies are `{ ok: true, result: paths | path | null }` (null when the
 * user cancelled) or `{ ok: false, error }`, the envelope of every other request.
 */
export function registerDialogs(
  window: () => BrowserWindow | null,
  isOurRenderer: (url: string) => boolean,
): void {
  const guard =
    <T>(show: (params: unknown, win: BrowserWindow | null) => Promise<T>) =>
    async (event: IpcMainInvokeEvent, params: unknown) => {
      const url = event.senderFrame?.url ?? ''
      if (!isOurRenderer(url))
        return {
          ok: false,
          error: {
            code: 'invalid-request',
            message: `refused a dialog request from ${url || 'an unknown frame'}`,
          },
        }
      try {
        return { ok: true, result: await show(params, window()) }
      } catch (err) {
        return {
          ok: false,
          error: { code: 'invalid-request', message: `dialog: ${(err as Error).message}` },
        }
      }
    }
  ipcMain.handle(
    DIALOG_OPEN_CHANNEL,
    guard(async (params, win) => {
      const options = openDialogOptions(params)
      const r = win
        ? await dialog.showOpenDialog(win, options)
        : await dialog.showOpenDialog(options)
      return r.canceled ? null : r.filePaths
    }),
  )
  ipcMain.handle(
    DIALOG_SAVE_CHANNEL,
    guard(async (params, win) => {
      const options = saveDialogOptions(params)
      const r = win
        ? await dialog.showSaveDialog(win, options)
        : await dialog.showSaveDialog(options)
      return r.canceled || !r.filePath ? null : r.filePath
    }),
  )
}
