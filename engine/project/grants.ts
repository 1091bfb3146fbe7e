/**
 * The user's grants, kept across restarts: per project, the files outside it the user added and
 * the folders they granted whole. They live in the user's own data folder, never in a project,
 * so a project someone else wrote cannot grant itself anything; they are keyed by the project
 * folder's real path, so a copied or moved project starts with none.
 *
 * Where: `$FRAMEWISE_DATA_DIR/grants.json` when that is set (tests), else `framewise/grants.json`
 * under the platform's app data folder (`$XDG_CONFIG_HOME` or `~/.config`, `~/Library/Application
 * Support`, `%APPDATA%`).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { DataError } from '../errors'
import { writeJsonAtomic } from '../io/atomic-write'
import { PickedPaths, realPath } from '../io/confined-paths'
import { readRegularText } from '../io/input-files'

export const GRANTS_FILE = 'grants.json'

/** Larger than any plausible list of grants; a bigger file is refused as not ours. */
const GRANTS_MAX_BYTES = 16 * 1024 * 1024

const entrySchema = z.object({
  files: z.array(z.string()).default([]),
  folders: z.array(z.string()).default([]),
})
const grantsSchema = z.object({
  version: z.literal(1),
  projects: z.record(z.string(), entrySchema),
})
type GrantsFile = z.output<typeof grantsSchema>

/** The folder Framewise keeps the user's own data in (not a project's). */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.FRAMEWISE_DATA_DIR) return path.resolve(env.FRAMEWISE_DATA_DIR)
  const appData =
    platform === 'win32'
      ? (env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
      : platform === 'darwin'
        ? path.join(home, 'Library', 'Application Support')
        : env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
          ? env.XDG_CONFIG_HOME
          : path.join(home, '.config')
  return path.join(appData, 'framewise')
}

export interface LoadedGrants {
  picked: PickedPaths
  /** Why the grants file was ignored (one line naming it), when it was. */
  problem?: string
}

export class GrantStore {
  readonly file: string
  /** Saves run one after another, each re-reading the file, so none undoes another. */
  #saving: Promise<unknown> = Promise.resolve()

  constructor(dir: string = userDataDir()) {
    this.file = path.join(dir, GRANTS_FILE)
  }

  /** The grants of the project in `projectDir`; a damaged grants file counts as none. */
  async load(projectDir: string): Promise<LoadedGrants> {
    const { grants, problem } = await this.#read()
    if (problem) console.warn(problem)
    return { picked: new PickedPaths(grants.projects[realPath(projectDir)]), problem }
  }

  /**
   * Store `picked` as the grants of the project in `projectDir`, keeping other projects' grants.
   * A damaged grants file is kept beside it (`grants.json.corrupt`) rather than overwritten.
   */
  save(projectDir: string, picked: PickedPaths): Promise<void> {
    const run = this.#saving.then(async () => {
      const { grants, problem } = await this.#read()
      if (problem) await fs.rename(this.file, this.file + '.corrupt').catch(() => {})
      const key = realPath(projectDir)
      const entry = picked.entries()
      if (entry.files.length + entry.folders.length === 0) delete grants.projects[key]
      else grants.projects[key] = entry
      await fs.mkdir(path.dirname(this.file), { recursive: true })
      await writeJsonAtomic(this.file, grants)
    })
    this.#saving = run.catch(() => {})
    return run
  }

  async #read(): Promise<{ grants: GrantsFile; problem?: string }> {
    const empty = (): GrantsFile => ({ version: 1, projects: {} })
    let text: string
    try {
      text = await readRegularText(this.file, GRANTS_MAX_BYTES)
    } catch (err) {
      if (!(await fs.lstat(this.file).catch(() => null))) return { grants: empty() }
      return { grants: empty(), problem: ignored(this.file, (err as Error).message) }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return { grants: empty(), problem: ignored(this.file, 'not valid JSON') }
    }
    const result = grantsSchema.safeParse(parsed)
    if (!result.success)
      return { grants: empty(), problem: ignored(this.file, 'not a Framewise grants file') }
    return { grants: result.data }
  }
}

function ignored(file: string, why: string): string {
  const problem = why.startsWith(file + ': ') ? why.slice(file.length + 2) : why
  return new DataError(
    file,
    `${problem}; ignored, so recordings outside your projects must be added (or their folders granted) again`,
  ).message
}
