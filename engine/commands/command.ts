/**
 * What every CLI command shares: the Command shape, usage errors and results with problems, the
 * one parser of number flags, output-path checks, progress on stderr and Ctrl+C as cancellation.
 * One file per command beside this one; engine/cli.ts parses the arguments and dispatches.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import { DataError, fileError, printable } from '../errors'
import { throttledProgress, type JobContext } from '../jobs'

/** Thrown for wrong arguments: exit code 2 with the command's usage. */
export class UsageError extends Error {}

/** A result with problems found on the way: printed as JSON, the problems on stderr, exit 1. */
export class WithProblems {
  constructor(
    readonly result: unknown,
    /** One `<file>: <problem>` message per problem. */
    readonly problems: string[],
  ) {}
}

export interface ParsedArgs {
  positionals: string[]
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
}

export interface Command {
  /** Synopsis, e.g. 'info <project-dir>'. */
  usage: string
  /** A few words for the command list of `framewise --help` (fits an 80-column line). */
  brief: string
  /** What it does, in full, for `framewise help <command>`. */
  summary: string
  options?: NonNullable<ParseArgsConfig['options']>
  /** Runs the command; a returned value is printed as JSON on stdout. */
  run(args: ParsedArgs): Promise<unknown>
}

/** Progress on stderr: one line per message, so logs stay readable when redirected. */
export function reportProgress(fraction: number | null, message: string): void {
  const pct = fraction === null ? '' : `${Math.round(fraction * 100)}% `
  process.stderr.write(`${pct}${printable(message, MESSAGE_CHARS)}\n`)
}

/** Characters of a message printed before it is cut short. */
export const MESSAGE_CHARS = 300

/** A problem that did not stop the command (a skipped column), on stderr. */
export function reportWarning(message: string): void {
  process.stderr.write(`warning: ${printable(message, MESSAGE_CHARS)}\n`)
}

/** `--rate HZ` of the commands that read CSV series: rows per second where there is no time column. */
export const RATE_OPTION = { rate: { type: 'string' } } as const

/** --rate as a number of rows per second (> 0), or undefined when absent. */
export function rateFlag(values: ParsedArgs['values']): number | undefined {
  const rate = numberFlag(values, 'rate')
  if (rate !== undefined && !(rate > 0))
    throw new UsageError(`--rate must be a number of rows per second > 0, not ${rate}`)
  return rate
}

/** The Viterbi post-processing flags of predict and eval. */
export const VITERBI_OPTIONS = {
  viterbi: { type: 'boolean' },
  'no-viterbi': { type: 'boolean' },
  'viterbi-weight': { type: 'string' },
} as const

/** `stat`, or null when nothing is there; other failures name the path. */
export async function statOrNull(file: string) {
  return stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw fileError(file, err)
  })
}

/** An output file needs an existing folder and must not itself be a folder: checked before any work. */
export async function checkOutFile(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file))
  const folder = await statOrNull(dir)
  if (!folder) throw new DataError(dir, 'no such folder; create it first')
  if (!folder.isDirectory()) throw new DataError(dir, 'is a file, not a folder')
  if ((await statOrNull(file))?.isDirectory())
    throw new DataError(file, 'is a folder; give the name of a file to write')
}

/** An output folder is created when missing, but must not be a file. */
export async function checkOutDir(dir: string): Promise<void> {
  const s = await statOrNull(dir)
  if (s && !s.isDirectory())
    throw new DataError(dir, 'is a file, not a folder; give a folder for --out')
}

/**
 * postprocess.viterbi from --viterbi / --no-viterbi / --viterbi-weight X (which implies
 * --viterbi), or nothing: the model's own setting stays.
 */
export function viterbiFlags(values: ParsedArgs['values']): {
  viterbi?: { enabled: boolean; weight: number }
} {
  const on = values.viterbi === true
  const off = values['no-viterbi'] === true
  const weight = numberFlag(values, 'viterbi-weight')
  if (on && off) throw new UsageError('give --viterbi or --no-viterbi, not both')
  if (weight !== undefined && weight < 0) throw new UsageError('--viterbi-weight must be ≥ 0')
  if (off && weight !== undefined)
    throw new UsageError('--viterbi-weight needs --viterbi, not --no-viterbi')
  if (off) return { viterbi: { enabled: false, weight: 1 } }
  if (on || weight !== undefined) return { viterbi: { enabled: true, weight: weight ?? 1 } }
  return {}
}

/**
 * A numeric flag, or undefined when absent; a usage error when it is not a (whole) number or is
 * below `min`. The one parser of the CLI's number flags.
 */
export function numberFlag(
  values: ParsedArgs['values'],
  name: string,
  rule: { integer?: boolean; min?: number } = {},
): number | undefined {
  const v = values[name]
  if (v === undefined) return undefined
  const x = Number(v)
  const what = rule.integer ? 'a whole number' : 'a number'
  if (
    typeof v !== 'string' ||
    v.trim() === '' ||
    !Number.isFinite(x) ||
    (rule.integer && !Number.isInteger(x))
  )
    throw new UsageError(`--${name} must be ${what}, not ${printable(String(v))}`)
  if (rule.min !== undefined && x < rule.min)
    throw new UsageError(`--${name} must be ${what} ≥ ${rule.min}, not ${printable(v)}`)
  return x
}

/** Progress on stderr and Ctrl+C as cancellation, for long commands. */
export function cliJob(): JobContext {
  return { signal: interrupted(), progress: throttledProgress(reportProgress, 250) }
}

let sigint: AbortController | null = null
/** Aborted by Ctrl+C: one SIGINT listener for the process, however many jobs a run starts. */
function interrupted(): AbortSignal {
  if (!sigint) {
    const controller = new AbortController()
    sigint = controller
    process.once('SIGINT', () => {
      sigint = null
      controller.abort()
    })
  }
  return sigint.signal
}
