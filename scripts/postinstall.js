// Runs after `npm install` / `npm ci`: builds the app (renderer, main, CLI) so `npm start` and
// `npx framewise` work straight away.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync('electron.vite.config.ts')) process.exit(0) // installed as a dependency: nothing to build
const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
process.exit(r.status ?? 1)
