/**
 * The commands the application menu sends the renderer, over one IPC event (MENU_CHANNEL),
 * validated on both ends: main.ts parses what it sends, the preload what it passes on. Commands
 * named like a key action (renderer/lib/keys.ts) do what that key does; the others are the File
 * menu's and the spectrogram toggle. `open-project` with `dir` comes from a second launch or the
 * file manager (electron/instance.ts); without, the renderer asks for the folder.
 */
import { z } from 'zod'
import type { Action } from '../renderer/lib/keys'

export const MENU_CHANNEL = 'framewise:menu'

/** Menu commands that are key actions: the page binds their chords, the menu only shows them. */
export const PAGE_ACTIONS = [
  'undo',
  'redo',
  'zoom-in',
  'zoom-out',
  'zoom-fit',
  'help',
] as const satisfies readonly Action[]
export type PageAction = (typeof PAGE_ACTIONS)[number]

const APP_COMMANDS = [
  'open-project',
  'create-project',
  'add-media',
  'import-labels',
  'export-labels',
  'export-model',
  'toggle-spectrogram',
] as const
export type AppCommand = (typeof APP_COMMANDS)[number]
export const MENU_COMMANDS = [...PAGE_ACTIONS, ...APP_COMMANDS] as const

export const menuCommand = z
  .object({
    command: z.enum(MENU_COMMANDS),
    /** The project folder to open (open-project only). */
    dir: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[^\0]*$/, 'a path without NUL')
      .optional(),
  })
  .strict()
  .refine(
    (c) => c.dir === undefined || c.command === 'open-project',
    'only open-project takes a folder',
  )

export type MenuCommand = z.infer<typeof menuCommand>
