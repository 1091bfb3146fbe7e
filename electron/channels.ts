/** IPC channels of the desktop-only dialogs (the engine's API channels live in engine/api.ts). */
export const DIALOG_OPEN_CHANNEL = 'framewise:dialog:open'
export const DIALOG_SAVE_CHANNEL = 'framewise:dialog:save'
