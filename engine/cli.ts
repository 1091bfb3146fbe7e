/**
 * `framewise`: the engine on the command line. Each command is one entry of `commands`:
 * results are JSON on stdout, progress on stderr. Exit codes: 0 success; 1 bad input, with one
 * line `framewise: <file>: <problem>` on stderr; 2 usage errors.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ApiError } from './api'
import { DataError } from './errors'
import { Project } from './project/store'
import { startServer } from './server'

/** Thrown for wrong arguments: exit code 2 with the command's usage. */
export class UsageError extends Error {}

export interface ParsedArgs {
  positionals: string[]
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
}

export interface Command {
  /** Synopsis, e.g. 'info <project-dir>'. */
  usage: string
  /** One line for --help. */
  summary: string
  options?: NonNullable<ParseArgsConfig['options']>
  /** Runs the command; a returned value is printed as JSON on stdout. */
  run(args: ParsedArgs): Promise<unknown>
}

/** Progress on stderr: one line per message, so logs stay readable when redirected. */
export function reportProgress(fraction: number | null, message: string): void {
  const pct = fraction === null ? '' : `${Math.round(fraction * 100)}% `
  process.stderr.write(`${pct}${message}\n`)
}

export const commands: Record<string, Command> = {
  info: {
    usage: 'info <project-dir>',
    summary: 'print a project (manifest, media, label counts) as JSON',
    async run({ positionals }) {
      if (positionals.length !== 1) throw new UsageError('info takes exactly one project folder')
      const project = await Project.open(positionals[0])
      const view = await project.view()
      return { ...project.toJSON(), dir: view.dir, media: view.media.map((m, i) => ({ ...project.media[i], segmentCount: m.segmentCount })) }
    },
  },
  serve: {
    usage: 'serve [--project DIR] [--port N]',
    summary: 'start browser mode on 127.0.0.1 and print its URL (Ctrl+C stops it)',
    options: { project: { type: 'string' }, port: { type: 'string' } },
    async run({ values }) {
      const port = values.port === undefined ? 0 : Number(values.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0–65535')
      const server = await startServer({ port, project: values.project as string | undefined })
      process.stdout.write(`Framewise is running in browser mode. Open:\n  ${server.url}\n`)
      const stop = () => void server.close().then(() => process.exit(0))
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      await new Promise(() => {}) // runs until a signal stops it
    },
  },
}

function help(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length))
  const lines = Object.values(commands).map((c) => `  framewise ${c.usage.padEnd(width)}  ${c.summary}`)
  return [
    'Framewise: frame-wise sequence labelling of audio and time series.',
    '',
    'Usage:',
    ...lines,
    '',
    'Results are JSON on stdout; progress goes to stderr.',
    'Exit codes: 0 success, 1 bad input, 2 usage error.',
  ].join('\n')
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n')
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (!command) {
    process.stderr.write(`framewise: unknown command '${name}'\n\n${help()}\n`)
    return 2
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`Usage: framewise ${command.usage}\n  ${command.summary}\n`)
      return 0
    }
    let parsed: ParsedArgs
    try {
      parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true })
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    const result = await command.run(parsed)
    if (result !== undefined) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`framewise: ${err.message}\nUsage: framewise ${command.usage}\n`)
      return 2
    }
    if (err instanceof DataError || (err instanceof ApiError && err.code !== 'internal')) {
      process.stderr.write(`framewise: ${err.message}\n`)
      return 1
    }
    process.stderr.write(`framewise: internal error: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry) main(process.argv.slice(2)).then((code) => process.exit(code))
