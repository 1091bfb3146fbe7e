/**
 * Test entry: browser-mode server on a project, printing `{"port":…,"token":…}` on one line
 * once it listens. Spawned (and SIGKILLed) by durability.test.ts.
 *
 * FW_TEST_SKIP_FSYNC makes fsync a no-op, for the power-cut test's controls (which must then
 * see acknowledged edits lost): `all` skips every fsync, `files` only those of files (folders,
 * opened read-only, are still fsynced). Nothing outside this test entry reads it.
 */
import { promises as fs } from 'node:fs'
import { startServer } from '../server'

const skip = process.env.FW_TEST_SKIP_FSYNC
if (skip === 'all' || skip === 'files') {
  const open = fs.open.bind(fs)
  fs.open = (async (...args: Parameters<typeof fs.open>) => {
    const handle = await open(...args)
    if (skip === 'all' || (args[1] ?? 'r') !== 'r') handle.sync = async () => {}
    return handle
  }) as typeof fs.open
}

const project = process.argv[2]
const server = await startServer({ project, rendererDir: process.argv[3] })
process.stdout.write(
  JSON.stringify({ port: server.port, token: server.token, pid: process.pid }) + '\n',
)
