/**
 * What files the renderer may reach. A path is reachable when, after resolving `..` and every
 * symlink (realpath), it lies inside the open project's folder, or the user granted it for that
 * project (named it in addMedia: typed, browsed in the picker, or chosen in a dialog; or granted
 * a folder holding it). A project someone else wrote cannot name `../../home/me/.ssh/x.csv` in
 * its manifest and have the page read it, nor plant a symlink in the project that leads out of it.
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'

/** `p` resolved through symlinks; a missing file resolves through its nearest existing parent. */
export function realPath(p: string): string {
  const abs = path.resolve(p)
  try {
    return realpathSync.native(abs)
  } catch {
    const parent = path.dirname(abs)
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs))
  }
}

/** True when `file` (already real) is `root` (already real) or below it. */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file)
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel))
}

/**
 * The files and folders the user granted for one project, by real path: files named in addMedia
 * and folders granted whole ("recordings live in /mnt/archive/2024"). A folder grant covers what
 * lies below it once resolved through symlinks, so a link inside it cannot lead out of it.
 * grants.ts keeps these across restarts.
 */
export class PickedPaths {
  readonly #files = new Set<string>()
  readonly #folders = new Set<string>()

  constructor(granted: { files?: readonly string[]; folders?: readonly string[] } = {}) {
    for (const f of granted.files ?? []) this.#files.add(realPath(f))
    for (const d of granted.folders ?? []) this.#folders.add(realPath(d))
  }

  add(file: string): void {
    this.#files.add(realPath(file))
  }

  addFolder(dir: string): void {
    this.#folders.add(realPath(dir))
  }

  /** Drop the grant of `p` (as listed, or as it resolves); false when nothing was granted so. */
  remove(p: string): boolean {
    let removed = false
    for (const key of new Set([path.resolve(p), realPath(p)]))
      removed = this.#files.delete(key) || this.#folders.delete(key) || removed
    return removed
  }

  has(file: string): boolean {
    const real = realPath(file)
    if (this.#files.has(real)) return true
    for (const dir of this.#folders) if (isInside(dir, real)) return true
    return false
  }

  /** The grants, sorted, as stored. */
  entries(): { files: string[]; folders: string[] } {
    return { files: [...this.#files].sort(), folders: [...this.#folders].sort() }
  }
}

/**
 * `rel` resolved against `root`, refused (returns null) when `..` or a symlink leads outside the
 * root and the result is not in `picked`.
 */
export function confinedPath(root: string, rel: string, picked?: PickedPaths): string | null {
  const abs = path.resolve(root, rel)
  if (isInside(realPath(root), realPath(abs))) return abs
  return picked?.has(abs) ? abs : null
}
