// `npm start [-- --project DIR]`: the Electron app where its binary is installed; otherwise
// browser mode (the same UI served on 127.0.0.1), printing the URL to open.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findElectronBinary } from './electron-binary.js'

const args = process.argv.slice(2)
if (!existsSync('out/main/main.js')) {
  console.error(
    'Framewise is not built yet: run `npm run build` (npm install does it) and try again.',
  )
  process.exit(1)
}

const electron = findElectronBinary()
const child = electron
  ? spawn(electron, ['out/main/main.js', ...args], { stdio: 'inherit' })
  : (console.log('No Electron binary is installed here, so Framewise starts in browser mode.'),
    spawn(process.execPath, ['bin/framewise.js', 'serve', ...args], { stdio: 'inherit' }))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
