/**
 * Test entry: browser-mode server on a project, printing `{"port":…,"token":…}` on one line
 * once it listens. Spawned (and SIGKILLed) by durability.test.ts.
 */
import { startServer } from '../server'

const project = process.argv[2]
const server = await startServer({ project, rendererDir: process.argv[3] })
process.stdout.write(JSON.stringify({ port: server.port, token: server.token, pid: process.pid }) + '\n')
