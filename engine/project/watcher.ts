/**
 * Watching a project folder for changes by other programs: an `fs.watch` on the project and
 * labels folders, debounced per file. The watcher is a convenience; the check before every
 * write (changes.ts) is the guarantee.
 */
import { mkdirSync, watch as fsWatch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import type { ExternalChange } from '../api'
import { LABELS_DIR } from './manifest'

/**
 * Call `check` for each file that changes in `dir` or its labels folder (50 ms after its last
 * event) and pass what it finds to `listener`. Returns the function that stops watching.
 */
export function watchProject(
  dir: string,
  check: (file: string) => Promise<ExternalChange | null>,
  listener: (change: ExternalChange) => void,
): () => void {
  const watchers: FSWatcher[] = []
  const timers = new Map<string, NodeJS.Timeout>()
  const changed = (file: string) => {
    clearTimeout(timers.get(file))
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file)
        void check(file).then(
          (c) => c && listener(c),
          () => {},
        )
      }, 50),
    )
  }
  const watchDir = (dir: string) => {
    try {
      const w = fsWatch(
        dir,
        (_, name) => name && !name.startsWith('.') && changed(path.join(dir, name.toString())),
      )
      w.on('error', () => w.close())
      w.unref() // watching never keeps a process alive (tests, CLI)
      watchers.push(w)
    } catch {
      // a folder that cannot be watched still gets the check before every write
    }
  }
  watchDir(dir)
  // The labels folder appears with the first save; make it now so it can be watched.
  const labelsDir = path.join(dir, LABELS_DIR)
  try {
    mkdirSync(labelsDir, { recursive: true })
  } catch {
    // unwritable project: nothing will be saved there either
  }
  watchDir(labelsDir)
  return () => {
    for (const w of watchers) w.close()
    for (const t of timers.values()) clearTimeout(t)
  }
}
