/**
 * One running app: a second launch hands its command line to the first (app's 'second-instance'
 * event) and quits. What the command line asks for is decided here, without Electron: the
 * project it names (`--project DIR`, `--project=DIR`, or a framewise.json the file manager
 * opened), resolved against the second launch's working directory. The running window is always
 * focused; the renderer then opens the project, after asking if the open one has unsaved edits.
 */
import path from 'node:path'
import type { Platform } from './accelerators'

export const MANIFEST = 'framewise.json'
const MAX_PATH = 4096

/** The project folder a command line names: none, a folder, or what is wrong with the argument. */
export function projectFromArgv(
  argv: readonly string[],
  cwd: string,
  platform: Platform,
): { dir: string } | { error: string } | null {
  const p = platform === 'win32' ? path.win32 : path.posix
  const checked = (arg: string, what: string): { dir: string } | { error: string } => {
    if (arg === '' || arg.startsWith('-'))
      return { error: `${what}: needs a project folder (--project DIR)` }
    if (arg.length > MAX_PATH || arg.includes('\0')) return { error: `${what}: not a usable path` }
    return { dir: p.resolve(cwd, arg) }
  }
  // argv[0] is the executable (the app's script follows it when run unpackaged: not a project).
  const args = argv.slice(1)
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--project') return checked(args[i + 1] ?? '', '--project')
    if (a.startsWith('--project=')) return checked(a.slice('--project='.length), '--project')
    if (!a.startsWith('-') && p.basename(a).toLowerCase() === MANIFEST) {
      const file = checked(a, a)
      return 'dir' in file ? { dir: p.dirname(file.dir) } : file
    }
  }
  return null
}

/** What the running app does with a second launch. */
export type Handoff =
  { action: 'focus' } | { action: 'open'; dir: string } | { action: 'report'; message: string }

/** `openDir`: the folder of the project open now, or null. */
export function secondInstance(
  argv: readonly string[],
  cwd: string,
  platform: Platform,
  openDir: string | null,
): Handoff {
  const named = projectFromArgv(argv, cwd, platform)
  if (named === null) return { action: 'focus' }
  if ('error' in named) return { action: 'report', message: named.error }
  const same =
    openDir !== null &&
    (platform === 'linux'
      ? named.dir === openDir
      : named.dir.toLowerCase() === openDir.toLowerCase())
  return same ? { action: 'focus' } : { action: 'open', dir: named.dir }
}
