/** `framewise serve`: browser mode on 127.0.0.1 until a signal stops it. */
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
    keepServingOnFaults()
    const server = await startServer({ port, project: values.project as string | undefined })
    process.stdout.write(`Framewise is running in browser mode. Open:\n  ${server.url}\n`)
    const stop = () => void server.close().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    await new Promise(() => {}) // runs until a signal stops it
  },
}
