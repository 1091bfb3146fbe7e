// Runs after `npm install` / `npm ci`: builds the native kernels and the app (renderer, main,
// CLI) so `npm start` and `npx framewise` work straight away.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync('electron.vite.config.ts')) process.exit(0) // installed as a dependency: nothing to build
// The native kernels first: their build never fails the install (the TS kernels are the fallback).
spawnSync(process.execPath, ['scripts/build-kernels.js'], { stdio: 'inherit' })
const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
process.exit(r.status ?? 1)
