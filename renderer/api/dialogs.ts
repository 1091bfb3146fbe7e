/**
 * Native file dialogs, present only in the desktop app (electron/preload.ts exposes them as
 * window.framewiseDialogs; electron/dialogs.ts shows them). Browser mode has none: callers fall
 * back to the engine-served path picker or a typed path.
 */
interface Envelope<T> {
  ok: boolean
  result?: T
  error?: { message: string }
}

interface NativeDialogs {
  open(args: {
    kind: 'file' | 'dir'
    multiple?: boolean
    filter?: 'media' | 'onnx' | 'labels'
    title?: string
  }): Promise<Envelope<string[] | null>>
  save(args: {
    defaultName: string
    filter: 'onnx' | 'labels'
    title?: string
  }): Promise<Envelope<string | null>>
}

declare global {
  interface Window {
    framewiseDialogs?: NativeDialogs
  }
}

/** True in the desktop app. */
export const hasNativeDialogs = (): boolean => window.framewiseDialogs !== undefined

async function unwrap<T>(reply: Envelope<T>): Promise<T> {
  if (!reply.ok) throw new Error(reply.error?.message ?? 'the dialog failed')
  return reply.result as T
}

/** Paths the user chose, or null when cancelled. */
export async function openDialog(
  args: Parameters<NativeDialogs['open']>[0],
): Promise<string[] | null> {
  return unwrap(await window.framewiseDialogs!.open(args))
}

/** The path to save to, or null when cancelled. */
export async function saveDialog(
  args: Parameters<NativeDialogs['save']>[0],
): Promise<string | null> {
  return unwrap(await window.framewiseDialogs!.save(args))
}
