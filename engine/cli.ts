/**
 * `framewise`: the engine on the command line. This file parses the arguments and dispatches to
 * one file per command (engine/commands/); results are JSON on stdout, progress on stderr. Exit
 * codes: 0 success; 1 bad input, with one line `framewise: <file>: <problem>` per problem on
 * stderr; 2 usage errors. `printError` is the one place errors are printed.
 */
import { parseArgs } from 'node:util'
import { ApiError } from './api'
import {
  MESSAGE_CHARS,
  UsageError,
  WithProblems,
  type Command,
  type ParsedArgs,
} from './commands/command'
import { convert } from './commands/convert'
import { evalCommand } from './commands/eval'
import { exportCommand } from './commands/export'
import { exportDatasetCommand } from './commands/export-dataset'
import { features } from './commands/features'
import { info } from './commands/info'
import { mergeOutputs } from './commands/merge-outputs'
import { predict } from './commands/predict'
import { score } from './commands/score'
import { serve } from './commands/serve'
import { train } from './commands/train'
import { DataError, fileError, printable } from './errors'

export const commands: Record<string, Command> = {
  info,
  predict,
  'merge-outputs': mergeOutputs,
  train,
  eval: evalCommand,
  features,
  export: exportCommand,
  'export-dataset': exportDatasetCommand,
  convert,
  score,
  serve,
}

/** One `framewise: <text>` line on stderr, escaped: bytes quoted from a bad file never reach the terminal raw. */
function printLine(text: string): void {
  process.stderr.write(`framewise: ${printable(text, MESSAGE_CHARS)}\n`)
}

/** `text` broken into lines of at most `width` columns (after `indent`), at spaces. */
function wrap(text: string, width = 80, indent = ''): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(indent + line)
  return lines.join('\n')
}

/** The overview: usage, then one short line per command. */
function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length))
  return [
    'Framewise: frame-wise sequence labelling of audio and time series.',
    '',
    'Usage: framewise <command> [arguments] [options]',
    "       framewise help <command>    the command's arguments and options",
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.brief}`),
    '',
    'Results are JSON on stdout; progress goes to stderr.',
    'Exit codes: 0 success, 1 bad input, 2 usage error.',
  ].join('\n')
}

/** One command's usage (wrapped at its options) and what it does. */
function commandHelp(command: Command): string {
  return `Usage:\n${wrap(`framewise ${command.usage}`, 80, '  ')}\n\n${wrap(command.summary, 80, '  ')}`
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === 'help' && rest[0] !== undefined) {
    const asked = commands[rest[0]]
    if (!asked) {
      printLine(`unknown command '${rest[0]}'`)
      process.stderr.write(`\n${help()}\n`)
      return 2
    }
    process.stdout.write(commandHelp(asked) + '\n')
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n')
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (!command) {
    printLine(`unknown command '${name}'`)
    process.stderr.write(`\n${help()}\n`)
    return 2
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(commandHelp(command) + '\n')
      return 0
    }
    let parsed: ParsedArgs
    try {
      parsed = parseArgs({
        args: rest,
        options: command.options ?? {},
        allowPositionals: true,
        strict: true,
      })
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' '))
    }
    const result = await command.run(parsed)
    const problems = result instanceof WithProblems ? result.problems : []
    const shown = result instanceof WithProblems ? result.result : result
    if (shown !== undefined) process.stdout.write(JSON.stringify(shown, null, 2) + '\n')
    problems.forEach(printLine)
    return problems.length ? 1 : 0
  } catch (err) {
    return printError(err, command.usage)
  }
}

/**
 * Prints a command's error as one line on stderr and gives the exit code. Bad input (DataError,
 * ApiError, a file-system error naming its path) is `framewise: <file>: <problem>`; anything else
 * is an internal error, its stack shown only with FRAMEWISE_DEBUG=1. All of it goes through
 * printable.
 */
function printError(err: unknown, usage: string): number {
  if (err instanceof UsageError) {
    printLine(err.message)
    process.stderr.write(`Usage:\n${wrap(`framewise ${usage}`, 80, '  ')}\n`)
    return 2
  }
  const errnoPath = (err as NodeJS.ErrnoException | null)?.path
  const known = typeof errnoPath === 'string' ? fileError(errnoPath, err) : err
  if (known instanceof DataError || (known instanceof ApiError && known.code !== 'internal')) {
    printLine(known.message)
    return 1
  }
  const message = known instanceof Error ? `${known.name}: ${known.message}` : String(known)
  if (process.env.FRAMEWISE_DEBUG === '1') {
    const stack = (known instanceof Error && known.stack) || message
    process.stderr.write(
      `framewise: internal error: ${stack
        .split('\n')
        .map((l) => printable(l, 1000))
        .join('\n')}\n`,
    )
  } else {
    process.stderr.write(
      `framewise: internal error: ${printable(message, MESSAGE_CHARS)} (run with FRAMEWISE_DEBUG=1 for the stack)\n`,
    )
  }
  return 1
}

const isEntry =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry) main(process.argv.slice(2)).then((code) => process.exit(code))
