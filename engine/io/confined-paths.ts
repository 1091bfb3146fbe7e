/**
 * What files the renderer may reach. A path is reachable when, after resolving `..` and every
 * symlink (realpath), it lies inside the open project's folder, or it is one the user picked
 * this session (named in addMedia: typed, browsed in the picker, or chosen in a dialog). A
 * project someone else wrote cannot name `../../home/me/.ssh/x.csv` in its manifest and have
 * the page read it, nor plant a symlink in the project that leads out of it.
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

/** The set of files the user picked this session, by real path. */
export class PickedPaths {
  readonly #real = new Set<string>()

  add(file: string): void {
    this.#real.add(realPath(file))
  }

  has(file: string): boolean {
    return this.#real.has(realPath(file))
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
