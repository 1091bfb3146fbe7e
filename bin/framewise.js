#!/usr/bin/env node
// The `framewise` command: runs the built CLI (out/main/cli.js, made by `npm install` / `npm run build`).
import { existsSync } from 'node:fs'

const cli = new URL('../out/main/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write(
    'framewise: the app is not built yet; run `npm run build` in the Framewise folder\n',
  )
  process.exit(1)
}
const { main } = await import(cli.href)
process.exit(await main(process.argv.slice(2)))
