/** `framewise serve`: browser mode on 127.0.0.1 until a signal stops it. */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { DataError } from '../errors'
import { MANIFEST_FILE } from '../project/manifest'
import { keepServingOnFaults, startServer } from '../server'
import { type Command, UsageError, numberFlag } from './command'

export const serve: Command = {
  brief: 'start browser mode on 127.0.0.1',
  usage: 'serve [--project DIR] [--port N]',
  summary: 'start browser mode on 127.0.0.1 and print its URL (Ctrl+C stops it)',
  options: { project: { type: 'string' }, port: { type: 'string' } },
  async run({ values }) {
    const port = numberFlag(values, 'port', { integer: true, min: 0 }) ?? 0
    if (port > 65535) throw new UsageError('--port must be 0–65535')
    const project = values.project as string | undefined
    if (project !== undefined) await checkProjectDir(project)
    // A fixed token and --port let a restarted engine take back the pages of the one before
    // (they reconnect by themselves); by default each run has its own random token.
    const token = process.env.FRAMEWISE_TOKEN
    if (token !== undefined && !/^[0-9a-f]{32,}$/.test(token))
      throw new UsageError('FRAMEWISE_TOKEN must be at least 32 lowercase hex digits')
    keepServingOnFaults()
    const server = await startServer({ port, project, token })
    process.stdout.write(`Framewise is running in browser mode. Open:\n  ${server.url}\n`)
    const stop = () => void server.close().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    await new Promise(() => {}) // runs until a signal stops it
  },
}

/** A --project folder that is missing, or holds no project, is refused in one line naming the fix. */
async function checkProjectDir(dir: string): Promise<void> {
  const abs = path.resolve(dir)
  const stat = await fs.stat(abs).catch(() => null)
  if (!stat)
    throw new DataError(
      abs,
      'no such folder; give --project the folder of an existing project, or start without --project and create one in the app',
    )
  if (!stat.isDirectory())
    throw new UsageError(`--project ${abs}: not a folder; give a project's folder`)
  const manifest = await fs.stat(path.join(abs, MANIFEST_FILE)).catch(() => null)
  if (!manifest)
    throw new DataError(
      abs,
      `no Framewise project here (no ${MANIFEST_FILE}); give --project a project's folder, or start without --project and create one in the app`,
    )
}
