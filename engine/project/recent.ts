/**
 * The projects the user opened lately, for the start page: kept per user in the data folder
 * (`recent.json` beside grants.json, grants.ts says where), newest first, at most RECENT_MAX.
 * A project folder that is gone is dropped when listed; a damaged file counts as empty.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import type { RecentProject } from '../api'
import { DataError } from '../errors'
import { writeJsonAtomic } from '../io/atomic-write'
import { readRegularText } from '../io/input-files'
import { MANIFEST_FILE } from './manifest'
import { userDataDir } from './grants'

export const RECENT_FILE = 'recent.json'
export const RECENT_MAX = 10

const recentSchema = z.object({
  version: z.literal(1),
  projects: z.array(z.object({ dir: z.string(), name: z.string(), opened: z.string() })),
})

export class RecentProjects {
  readonly file: string
  /** Writes run one after another, each re-reading the file. */
  #saving: Promise<unknown> = Promise.resolve()

  constructor(dir: string = userDataDir()) {
    this.file = path.join(dir, RECENT_FILE)
  }

  /** Recent projects whose folder still holds a project, newest first. */
  async list(): Promise<RecentProject[]> {
    const all = await this.#read()
    const alive = await Promise.all(
      all.map((p) =>
        fs.stat(path.join(p.dir, MANIFEST_FILE)).then(
          () => true,
          () => false,
        ),
      ),
    )
    return all.filter((_, i) => alive[i])
  }

  /** Put the project at `dir` first (opened now). */
  touch(dir: string, name: string, now = new Date()): Promise<void> {
    const run = this.#saving.then(async () => {
      const rest = (await this.#read()).filter((p) => p.dir !== dir)
      const projects = [{ dir, name, opened: now.toISOString() }, ...rest].slice(0, RECENT_MAX)
      await fs.mkdir(path.dirname(this.file), { recursive: true })
      await writeJsonAtomic(this.file, { version: 1, projects })
    })
    this.#saving = run.catch(() => {})
    return run
  }

  async #read(): Promise<RecentProject[]> {
    const text = await readRegularText(this.file, 1024 * 1024).catch(() => null)
    if (text === null) return []
    try {
      return recentSchema.parse(JSON.parse(text)).projects
    } catch {
      console.warn(
        new DataError(this.file, 'not a recent projects list; starting a new one').message,
      )
      return []
    }
  }
}
