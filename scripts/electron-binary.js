// Where the Electron binary is, without triggering electron's download-on-first-use.
// Returns null when it is not installed (as on machines that cannot download it).
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** @returns {string | null} */
export function findElectronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron')
  const pathFile = path.join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const rel = readFileSync(pathFile, 'utf8').trim()
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist')
  const binary = path.join(dist, rel)
  return existsSync(binary) ? binary : null
}
