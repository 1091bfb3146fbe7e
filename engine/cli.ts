/**
 * `framewise`: the engine on the command line. Each command is one entry of `commands`:
 * results are JSON on stdout, progress on stderr. Exit codes: 0 success; 1 bad input, with one
 * line `framewise: <file>: <problem>` per problem on stderr; 2 usage errors. `printError` is the
 * one place errors are printed.
 */
import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ApiError } from './api'
import { DataError, fileError, printable } from './errors'
import { expandInputs, predictToFiles } from './infer/batch'
import { evaluateClips, predictClipsToFile } from './infer/clip'
import { isClipModel, readClipModel } from './onnx/clip'
import { clipItemsOf } from './train/clip-project'
import { inspectModel } from './onnx/read'
import { Project } from './project/store'
import { evaluateModel } from './evaluate'
import { throttledProgress, type JobContext } from './jobs'
import { trainCommand } from './train/command'
import { trainSettingsSchema } from './train/settings'
import { z } from 'zod'
import { keepServingOnFaults, startServer } from './server'
import { featuresCommand, loadFeatureSpec, PRESET_NAMES, type PresetName } from './features/command'
import { mediaKindOf } from './media-types'
import { convertCommand } from './labels/command'
import { isLabelFormat, LABEL_FORMATS } from './labels/format-list'
import { scoreCommand } from './labels/score'

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
const MESSAGE_CHARS = 300

/** One `framewise: <text>` line on stderr, escaped: bytes quoted from a bad file never reach the terminal raw. */
function printLine(text: string): void {
  process.stderr.write(`framewise: ${printable(text, MESSAGE_CHARS)}\n`)
}

/** The Viterbi post-processing flags of predict and eval. */
const VITERBI_OPTIONS = {
  viterbi: { type: 'boolean' },
  'no-viterbi': { type: 'boolean' },
  'viterbi-weight': { type: 'string' },
} as const

export const commands: Record<string, Command> = {
  info: {
    brief: 'a project or a model, as JSON',
    usage: 'info <project-dir | model.onnx>',
    summary:
      'print a project (manifest, media, label counts) or a model (inputs, outputs, metadata, card) as JSON',
    async run({ positionals }) {
      if (positionals.length !== 1)
        throw new UsageError('info takes exactly one project folder or .onnx file')
      if (positionals[0].toLowerCase().endsWith('.onnx')) return inspectModel(positionals[0])
      const project = await Project.open(positionals[0])
      const view = await project.view()
      // A damaged label file is reported per file, as the app shows it, not counted as empty.
      const result = {
        ...project.toJSON(),
        dir: view.dir,
        media: view.media.map((m, i) => ({
          ...project.media[i],
          segmentCount: m.segmentCount,
          ...(m.problem ? { problem: m.problem } : {}),
        })),
      }
      const problems = view.media.flatMap((m) => (m.problem ? [m.problem] : []))
      return problems.length ? new WithProblems(result, problems) : result
    },
  },
  predict: {
    brief: 'label recordings with a model',
    usage:
      'predict <model.onnx> <file|dir>... --out DIR [--format audacity|raven|textgrid|csv|json] [--probabilities] [--spec spec.json --classes a,b,c]',
    summary:
      'label files with a model: <stem>.<ext> of the non-background segments per input, <stem>.probs.csv with --probabilities; also --output logits|probabilities, --background NAME|none, --median N, --min-duration S, --merge-gap S, --viterbi [--viterbi-weight X] | --no-viterbi (decode frames with the label transitions stored at training), --threads N, --window N, --context N',
    options: {
      out: { type: 'string' },
      format: { type: 'string', default: 'audacity' },
      probabilities: { type: 'boolean', default: false },
      spec: { type: 'string' },
      classes: { type: 'string' },
      output: { type: 'string' },
      background: { type: 'string' },
      median: { type: 'string' },
      'min-duration': { type: 'string' },
      'merge-gap': { type: 'string' },
      ...VITERBI_OPTIONS,
      threads: { type: 'string' },
      window: { type: 'string' },
      context: { type: 'string' },
    },
    async run({ positionals, values }) {
      const [model, ...inputs] = positionals
      if (!model || inputs.length === 0)
        throw new UsageError('predict takes a model and at least one file or folder')
      if (typeof values.out !== 'string') throw new UsageError('--out DIR is required')
      await checkOutDir(values.out)
      if (await isClipModel(model)) {
        // a clip classifier: one row per file in <out>/clips.json (default) or clips.csv
        const format = values.format === 'csv' ? 'csv' : 'json'
        const clip = await readClipModel(model)
        return predictClipsToFile(model, await expandInputs(inputs, clip.spec.kind), {
          out: values.out,
          format,
          onProgress: (f, m) => reportProgress(f, m),
        })
      }
      const format = String(values.format)
      if (!isLabelFormat(format)) throw new UsageError(`--format must be one of ${LABEL_FORMATS.join(', ')}`)
      const output = values.output as string | undefined
      if (output !== undefined && output !== 'logits' && output !== 'probabilities')
        throw new UsageError('--output must be logits or probabilities')
      const median = numberFlag(values, 'median', { integer: true, min: 1 })
      if (median !== undefined && median % 2 === 0) throw new UsageError('--median must be odd')
      const spec = typeof values.spec === 'string' ? await loadFeatureSpec(values.spec) : undefined
      const classes =
        typeof values.classes === 'string'
          ? values.classes.split(',').map((c) => c.trim())
          : undefined
      const background = values.background as string | undefined
      let last = ''
      return predictToFiles(model, inputs, {
        out: values.out,
        format,
        probabilities: values.probabilities === true,
        spec,
        classes,
        output,
        // The model runs after the features, when the feature workers are idle: both cores.
        threads: numberFlag(values, 'threads', { integer: true, min: 1 }) ?? Math.min(2, availableParallelism()),
        windowFrames: numberFlag(values, 'window', { integer: true, min: 1 }),
        contextFrames: numberFlag(values, 'context', { integer: true, min: 0 }),
        postprocess: {
          ...(median !== undefined ? { medianFilter: median } : {}),
          ...(values['min-duration'] !== undefined
            ? { minDuration: numberFlag(values, 'min-duration', { min: 0 }) }
            : {}),
          ...(values['merge-gap'] !== undefined ? { mergeGap: numberFlag(values, 'merge-gap', { min: 0 }) } : {}),
          ...(background !== undefined
            ? { background: background === 'none' ? null : background }
            : {}),
          ...viterbiFlags(values),
        },
        onProgress: (f, message) => {
          const line = `${Math.floor(f * 10)} ${message}` // at most one line per 10 % per stage
          if (line !== last) reportProgress(f, message)
          last = line
        },
      })
    },
  },
  train: {
    brief: 'train a tagger or clip classifier, export ONNX',
    usage:
      'train <project-or-data-dir> --out model.onnx [--cell lstm|gru|rnn|rnn-relu] [--hidden N] [--layers N] [--unidirectional] [--residual] [--attention-heads 0|1|2|4] [--attention-window FRAMES] [--epochs N] [--batch N] [--chunk N] [--lr X] [--seed N] [--features SPEC] [--val FRACTION] [--task tag|classify] [--pooling mean|max|attention] [--init default|chrono] [--output-recurrence [--scheduled-sampling X] [--beam N]]',
    summary:
      'train a tagger on a project or a data folder and export it as ONNX + model card; also --dropout X, --patience N, --threads N, --class-weights none|sqrt-balanced|balanced; --task classify [--pooling mean|max|attention] trains a clip classifier on the files\' clip classes (project) or <dir>/<class>/<file> subfolders; --output-recurrence feeds each frame the previous label (unidirectional, decoded greedily, or by beam search with --beam N > 1)',
    options: {
      out: { type: 'string' },
      cell: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      unidirectional: { type: 'boolean', default: false },
      residual: { type: 'boolean', default: false },
      'attention-heads': { type: 'string' },
      'attention-window': { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      chunk: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      features: { type: 'string' },
      val: { type: 'string' },
      dropout: { type: 'string' },
      patience: { type: 'string' },
      threads: { type: 'string' },
      'class-weights': { type: 'string' },
      task: { type: 'string' },
      pooling: { type: 'string' },
      init: { type: 'string' },
      'output-recurrence': { type: 'boolean', default: false },
      'scheduled-sampling': { type: 'string' },
      beam: { type: 'string' },
    },
    async run({ positionals, values }) {
      if (positionals.length !== 1) throw new UsageError('train takes one project or data folder')
      if (typeof values.out !== 'string') throw new UsageError('--out model.onnx is required')
      await checkOutFile(values.out)
      if ((values.beam !== undefined || values['scheduled-sampling'] !== undefined) && !values['output-recurrence'])
        throw new UsageError('--beam and --scheduled-sampling need --output-recurrence')
      const cell = values.cell === 'rnn' ? 'rnn-tanh' : values.cell
      if (cell !== undefined && !['lstm', 'gru', 'rnn-tanh', 'rnn-relu'].includes(cell as string))
        throw new UsageError(`--cell must be lstm, gru, rnn or rnn-relu, not ${String(cell)}`)
      const settings = {
        cell,
        hidden: numberFlag(values, 'hidden', { integer: true }),
        layers: numberFlag(values, 'layers', { integer: true }),
        // output recurrence decodes left to right: it implies --unidirectional
        bidirectional: values.unidirectional || values['output-recurrence'] ? false : undefined,
        residual: values.residual ? true : undefined,
        attentionHeads: numberFlag(values, 'attention-heads', { integer: true }),
        attentionWindow: numberFlag(values, 'attention-window', { integer: true }),
        epochs: numberFlag(values, 'epochs', { integer: true }),
        batch: numberFlag(values, 'batch', { integer: true }),
        chunk: numberFlag(values, 'chunk', { integer: true }),
        lr: numberFlag(values, 'lr'),
        seed: numberFlag(values, 'seed', { integer: true }),
        valFraction: numberFlag(values, 'val'),
        dropout: numberFlag(values, 'dropout'),
        patience: numberFlag(values, 'patience', { integer: true }),
        threads: numberFlag(values, 'threads', { integer: true }),
        classWeights: values['class-weights'],
        task: values.task,
        pooling: values.pooling,
        init: values.init,
        outputRecurrence: values['output-recurrence'] ? true : undefined,
        scheduledSampling: numberFlag(values, 'scheduled-sampling'),
        ...(values.beam !== undefined
          ? (() => {
              const n = numberFlag(values, 'beam', { integer: true })!
              return n > 1 ? { decode: 'beam', beamWidth: n } : { decode: 'greedy' }
            })()
          : {}),
      }
      const parsed = trainSettingsSchema.safeParse(Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)))
      if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error))
      const { attentionHeads: heads, hidden, bidirectional } = parsed.data
      if (heads > 0 && (hidden * (bidirectional ? 2 : 1)) % heads !== 0)
        throw new UsageError(
          `--attention-heads ${heads} must divide the stack's width ${hidden * (bidirectional ? 2 : 1)} (hidden × directions)`,
        )
      return trainCommand({
        dir: positionals[0],
        out: values.out,
        settings: parsed.data,
        features: values.features as string | undefined,
        ctx: cliJob(),
      })
    },
  },
  eval: {
    brief: 'score a model on labelled data',
    usage: 'eval <model.onnx> <project-or-data-dir> [--collar 0.2] [--viterbi [--viterbi-weight X] | --no-viterbi]',
    summary: 'score a model on labelled data: frame accuracy, per-class P/R/F1, macro-F1, event F1, confusion, per-file scores (worst first); a clip classifier: accuracy, macro-F1, confusion over the files\' clip classes',
    options: { collar: { type: 'string' }, ...VITERBI_OPTIONS },
    async run({ positionals, values }) {
      if (positionals.length !== 2) throw new UsageError('eval takes a model and a data folder')
      const ctx = cliJob()
      if (await isClipModel(positionals[0]))
        return evaluateClips(positionals[0], await clipItemsOf(positionals[1]), { signal: ctx.signal, onProgress: (f, m) => ctx.progress(f, m) })
      return evaluateModel(positionals[0], positionals[1], {
        collar: numberFlag(values, 'collar'),
        postprocess: viterbiFlags(values),
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      })
    },
  },
  features: {
    brief: 'the features of an audio or CSV file',
    usage: 'features <file> [--spec spec.json | --preset mfcc|logmel|raw] [--out feats.csv]',
    summary:
      'features of an audio or CSV file: a JSON summary, or with --out a CSV time,<feature names> (one row per frame, time = frame centre in seconds)',
    options: { spec: { type: 'string' }, preset: { type: 'string' }, out: { type: 'string' } },
    async run({ positionals, values }) {
      if (positionals.length !== 1) throw new UsageError('features takes exactly one audio or CSV file')
      const preset = values.preset as string | undefined
      if (values.spec !== undefined && preset !== undefined) throw new UsageError('give --spec or --preset, not both')
      if (preset !== undefined && !PRESET_NAMES.includes(preset as PresetName))
        throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}`)
      if (preset !== undefined && (preset === 'raw') !== (mediaKindOf(positionals[0]) === 'series'))
        throw new UsageError(`--preset ${preset} is for ${preset === 'raw' ? 'CSV time series' : 'audio'} files`)
      if (typeof values.out === 'string') await checkOutFile(values.out)
      let last = ''
      return featuresCommand({
        file: positionals[0],
        specPath: values.spec as string | undefined,
        preset: preset as PresetName | undefined,
        out: values.out as string | undefined,
        onProgress: (f, message) => {
          const line = `${Math.floor(f * 10)} ${message}`
          if (line !== last) reportProgress(f, message)
          last = line
        },
      })
    },
  },
  convert: {
    brief: 'convert a label file to another format',
    usage: 'convert <labels-file> --to audacity|raven|textgrid|csv|json --out <file>',
    summary:
      'convert a label file to another format (also --from FORMAT, --tier NAME for TextGrid input, --label-column NAME for Raven input)',
    options: {
      to: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      tier: { type: 'string' },
      'label-column': { type: 'string' },
    },
    async run({ positionals, values }) {
      if (positionals.length !== 1) throw new UsageError('convert takes exactly one label file')
      const to = values.to as string | undefined
      if (!to || !isLabelFormat(to)) throw new UsageError(`--to must be one of ${LABEL_FORMATS.join(', ')}`)
      const from = values.from as string | undefined
      if (from !== undefined && !isLabelFormat(from)) throw new UsageError(`--from must be one of ${LABEL_FORMATS.join(', ')}`)
      if (typeof values.out !== 'string') throw new UsageError('--out <file> is required')
      await checkOutFile(values.out)
      return convertCommand({
        input: positionals[0],
        to,
        out: values.out,
        from,
        tier: values.tier as string | undefined,
        labelColumn: values['label-column'] as string | undefined,
      })
    },
  },
  score: {
    brief: 'score predicted label files against references',
    usage: 'score <pred-dir> <ref-dir> [--collar 0.2]',
    summary:
      'score predicted label files against references paired by file stem: frame accuracy, per-class P/R/F1, macro-F1, event F1, confusion matrix (also --offset, --hop S, --background NAME)',
    options: {
      collar: { type: 'string' },
      offset: { type: 'boolean', default: false },
      hop: { type: 'string' },
      background: { type: 'string' },
    },
    async run({ positionals, values }) {
      if (positionals.length !== 2) throw new UsageError('score takes a prediction folder and a reference folder')
      const hop = numberFlag(values, 'hop', { min: 0 })
      if (hop === 0) throw new UsageError('--hop must be > 0')
      return scoreCommand({
        predDir: positionals[0],
        refDir: positionals[1],
        collar: numberFlag(values, 'collar', { min: 0 }),
        offset: values.offset === true,
        hop,
        background: values.background as string | undefined,
      })
    },
  },
  serve: {
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
  },
}

/** `stat`, or null when nothing is there; other failures name the path. */
async function statOrNull(file: string) {
  return stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw fileError(file, err)
  })
}

/** An output file needs an existing folder and must not itself be a folder: checked before any work. */
async function checkOutFile(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file))
  const folder = await statOrNull(dir)
  if (!folder) throw new DataError(dir, 'no such folder; create it first')
  if (!folder.isDirectory()) throw new DataError(dir, 'is a file, not a folder')
  if ((await statOrNull(file))?.isDirectory())
    throw new DataError(file, 'is a folder; give the name of a file to write')
}

/** An output folder is created when missing, but must not be a file. */
async function checkOutDir(dir: string): Promise<void> {
  const s = await statOrNull(dir)
  if (s && !s.isDirectory()) throw new DataError(dir, 'is a file, not a folder; give a folder for --out')
}

/**
 * postprocess.viterbi from --viterbi / --no-viterbi / --viterbi-weight X (which implies
 * --viterbi), or nothing: the model's own setting stays.
 */
function viterbiFlags(values: ParsedArgs['values']): { viterbi?: { enabled: boolean; weight: number } } {
  const on = values.viterbi === true
  const off = values['no-viterbi'] === true
  const weight = numberFlag(values, 'viterbi-weight')
  if (on && off) throw new UsageError('give --viterbi or --no-viterbi, not both')
  if (weight !== undefined && weight < 0) throw new UsageError('--viterbi-weight must be ≥ 0')
  if (off && weight !== undefined) throw new UsageError('--viterbi-weight needs --viterbi, not --no-viterbi')
  if (off) return { viterbi: { enabled: false, weight: 1 } }
  if (on || weight !== undefined) return { viterbi: { enabled: true, weight: weight ?? 1 } }
  return {}
}

/**
 * A numeric flag, or undefined when absent; a usage error when it is not a (whole) number or is
 * below `min`. The one parser of the CLI's number flags.
 */
function numberFlag(values: ParsedArgs['values'], name: string, rule: { integer?: boolean; min?: number } = {}): number | undefined {
  const v = values[name]
  if (v === undefined) return undefined
  const x = Number(v)
  const what = rule.integer ? 'a whole number' : 'a number'
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(x) || (rule.integer && !Number.isInteger(x)))
    throw new UsageError(`--${name} must be ${what}, not ${printable(String(v))}`)
  if (rule.min !== undefined && x < rule.min) throw new UsageError(`--${name} must be ${what} ≥ ${rule.min}, not ${printable(v)}`)
  return x
}

/** Progress on stderr and Ctrl+C as cancellation, for long commands. */
function cliJob(): JobContext {
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
    '       framewise help <command>    the command\'s arguments and options',
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
      parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true })
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
    process.stderr.write(`framewise: internal error: ${stack.split('\n').map((l) => printable(l, 1000)).join('\n')}\n`)
  } else {
    process.stderr.write(
      `framewise: internal error: ${printable(message, MESSAGE_CHARS)} (run with FRAMEWISE_DEBUG=1 for the stack)\n`,
    )
  }
  return 1
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry) main(process.argv.slice(2)).then((code) => process.exit(code))
