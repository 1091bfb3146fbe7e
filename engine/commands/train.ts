/**
 * `framewise train`: a project folder (framewise.json) or a plain data folder → an ONNX model
 * with its card. Settings come from flags over the documented defaults (train/settings.ts).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ApiError } from '../api'
import { DataError } from '../errors'
import { parseFeatureSpec, PRESETS, type FeatureSpec } from '../features/spec'
import { loadFeatureSpec, specProblem } from '../features/spec-file'
import type { JobContext } from '../jobs'
import { cardPathOf } from '../onnx/card'
import { MANIFEST_FILE } from '../project/manifest'
import { Project } from '../project/store'
import { assembleDataset } from '../data/dataset'
import { withTempFeatureCache } from '../data/feature-cache'
import { scanDataFolder } from '../data/folder'
import { folderLevel, groupsOf, splitsByGroup } from '../data/groups'
import { runClassifierWorker, runTrainingWorker } from '../train/job'
import { assembleClips, exportTrainedClassifier, scanClipFolder } from '../train/clip-project'
import { exportTrainedTagger, trainProject } from '../train/project'
import { RunStore } from '../train/runs'
import {
  parseTrainSettings,
  trainSettingsSchema,
  type TrainSettings,
  type TrainSettingsInput,
} from '../train/settings'
import { z } from 'zod'
import {
  type Command,
  RATE_OPTION,
  UsageError,
  checkOutFile,
  cliJob,
  numberFlag,
  rateFlag,
  reportWarning,
} from './command'

export interface TrainCommandInput {
  dir: string
  out: string
  settings: TrainSettingsInput
  /** A FeatureSpec JSON file, or a preset name (mfcc, logmel, raw). */
  features?: string
  /**
   * Data folder: rows per second of the CSV series without a time column; the model's spec
   * keeps it, so predicting such files later needs no rate.
   */
  rate?: number
  /** What the CSV reader skipped (columns of text), one line each. */
  onWarning?: (message: string) => void
  ctx: JobContext
}

/** Summary printed by the CLI. */
export interface TrainSummary {
  model: string
  card: string
  run: string | null
  classes: string[]
  files: { train: string[]; val: string[]; skipped: string[] }
  bestEpoch: number
  best: { valLoss: number | null; valAccuracy: number | null; valMacroF1: number | null }
  epochs: number
  seconds: number
}

/** --features: a preset name or a FeatureSpec file. */
async function readSpec(arg: string | undefined): Promise<FeatureSpec | undefined> {
  if (arg === undefined) return undefined
  return arg in PRESETS ? PRESETS[arg as keyof typeof PRESETS]() : loadFeatureSpec(arg)
}

/** A series spec with --rate as its rows per second (the model carries it); others as they are. */
const withRate = (spec: FeatureSpec, rate: number | undefined): FeatureSpec =>
  spec.kind === 'series' && rate !== undefined ? { ...spec, sampleRate: rate } : spec

/**
 * The FeatureSpec of a training folder: the one given (else the folder kind's default, a series
 * with the folder's channels), at `rate` for series; a bad spec or one for the other kind of
 * files is refused naming `file` (the spec file, or the folder).
 */
function folderSpec(
  folder: { kind: 'audio' | 'series'; channels: string[] | null },
  specInput: FeatureSpec | undefined,
  rate: number | undefined,
  file: string,
): FeatureSpec {
  let spec: FeatureSpec
  try {
    spec = withRate(
      parseFeatureSpec(
        specInput ?? {
          kind: folder.kind,
          ...(folder.kind === 'series' ? { channels: folder.channels } : {}),
        },
      ),
      rate,
    )
  } catch (err) {
    throw new DataError(file, `invalid feature spec: ${specProblem(err)}`)
  }
  if (spec.kind !== folder.kind)
    throw new DataError(file, `a ${spec.kind} feature spec for ${folder.kind} files`)
  return spec
}

const finite = (x: number | null | undefined) =>
  x !== null && x !== undefined && Number.isFinite(x) ? x : null

/** An epoch's validation metrics, from a training result (numbers) or a run record (NaN stored as null). */
type Metrics = { valLoss: number | null; valAccuracy: number | null; valMacroF1: number | null }

/** The summary of a finished training: its best epoch's metrics (NaN as null), epochs and wall time. */
function summaryOf(
  s: Pick<TrainSummary, 'model' | 'card' | 'run' | 'classes' | 'files'> & {
    history: Metrics[]
    bestEpoch: number | null
  },
  started: number,
): TrainSummary {
  const best = s.history[(s.bestEpoch ?? 1) - 1]
  return {
    model: s.model,
    card: s.card,
    run: s.run,
    classes: s.classes,
    files: s.files,
    bestEpoch: s.bestEpoch ?? 0,
    best: {
      valLoss: finite(best?.valLoss),
      valAccuracy: finite(best?.valAccuracy),
      valMacroF1: finite(best?.valMacroF1),
    },
    epochs: s.history.length,
    seconds: (Date.now() - started) / 1000,
  }
}

export async function trainCommand(input: TrainCommandInput): Promise<TrainSummary> {
  const started = Date.now()
  const out = path.resolve(input.out)
  const specInput = await readSpec(input.features)
  const isProject = await fs
    .access(path.join(input.dir, MANIFEST_FILE))
    .then(() => true)
    .catch(() => false)
  let settings: TrainSettings
  try {
    settings = parseTrainSettings(input.settings)
  } catch (err) {
    throw new ApiError('invalid-request', `training settings: ${(err as Error).message}`)
  }

  if (isProject && input.rate !== undefined)
    throw new UsageError(
      '--rate is for a data folder; a project keeps the rate of each file (set it where the file is imported)',
    )
  if (isProject) {
    // a recorded run in the project, tagger or clip classifier (trainProject picks by settings.task)
    const project = await Project.open(input.dir)
    const run = await trainProject(project, input.ctx, {
      settings: input.settings,
      features: specInput,
    })
    const from = path.join(new RunStore(project.dir).dir(run.id), run.model!)
    await fs.copyFile(from, out)
    await fs.copyFile(cardPathOf(from), cardPathOf(out))
    return summaryOf(
      {
        ...run,
        model: out,
        card: cardPathOf(out),
        run: run.id,
        files: { ...run.files, skipped: [] },
      },
      started,
    )
  }
  if (settings.task === 'classify') return trainClipFolder(input, out, settings, specInput, started)

  const folder = await scanDataFolder(input.dir, {
    seriesRate: input.rate,
    tier: settings.tier,
    recursive: folderLevel(settings.groupBy) !== null,
  })
  folder.warnings.forEach((w) => input.onWarning?.(w))
  let spec = folderSpec(folder, specInput, input.rate, input.features ?? input.dir)
  if (spec.kind === 'series' && spec.channels === null)
    spec = { ...spec, channels: folder.channels }
  input.ctx.progress(0, 'computing features')
  // the training set's features on disk, not in the heap (data/feature-cache.ts), removed after
  const { assembled, result } = await withTempFeatureCache(async (featureCache) => {
    const assembled = await assembleDataset(folder.files, spec, folder.classes, {
      seed: settings.seed,
      featureCache,
      valFraction: settings.valFraction,
      signal: input.ctx.signal,
      onProgress: (f, m) => input.ctx.progress(0.1 * f, m),
      multiLabel: settings.head === 'sigmoid',
      channels: settings.channels,
      ...(splitsByGroup(settings.groupBy)
        ? {
            groups: {
              of: groupsOf(
                folder.files.map((f) => f.name),
                settings.groupBy,
                input.dir,
              ),
              by: settings.groupBy,
              root: input.dir,
            },
          }
        : {}),
    })
    const result = await runTrainingWorker(assembled.data, settings, {
      signal: input.ctx.signal,
      onProgress: (p) =>
        input.ctx.progress(
          0.1 + (0.88 * (p.epoch - 1 + p.step / p.stepsPerEpoch)) / p.epochs,
          `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)} ${Math.round(p.framesPerSecond)} frames/s`,
        ),
      onEpoch: (r) =>
        input.ctx.progress(
          0.1 + (0.88 * r.epoch) / settings.epochs,
          `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, val macro-F1 ${r.valMacroF1.toFixed(3)}`,
        ),
    })
    return { assembled, result }
  })
  const exported = await exportTrainedTagger(out, result, {
    assembled,
    files: folder.files,
    classes: folder.classes,
    spec,
  })
  input.ctx.progress(1, `wrote ${exported.modelPath}`)
  const files = { ...assembled.files, skipped: folder.skipped }
  return summaryOf(
    {
      ...result,
      model: exported.modelPath,
      card: exported.cardPath,
      run: null,
      classes: folder.classes.names,
      files,
    },
    started,
  )
}

/** `framewise train --task classify` on a class-folder data folder (<dir>/<class>/<file>). */
async function trainClipFolder(
  input: TrainCommandInput,
  out: string,
  settings: TrainSettings,
  specInput: FeatureSpec | undefined,
  started: number,
): Promise<TrainSummary> {
  const { ctx } = input
  const folder = await scanClipFolder(input.dir, { seriesRate: input.rate })
  const spec = folderSpec(folder, specInput, input.rate, input.dir)
  ctx.progress(0, 'computing features')
  const { data, assembled, classes } = await assembleClips(folder.files, spec, {
    seed: settings.seed,
    valFraction: settings.valFraction,
    signal: ctx.signal,
    onProgress: (f, m) => ctx.progress(0.1 * f, m),
  })
  const result = await runClassifierWorker(data, settings, {
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress(
        0.1 + (0.88 * (p.epoch - 1 + p.step / p.stepsPerEpoch)) / p.epochs,
        `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)}`,
      ),
    onEpoch: (r) =>
      ctx.progress(
        0.1 + (0.88 * r.epoch) / settings.epochs,
        `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val accuracy ${r.valAccuracy.toFixed(3)}, val macro-F1 ${r.valMacroF1.toFixed(3)}`,
      ),
  })
  const exported = await exportTrainedClassifier(out, result, assembled.spec, classes)
  ctx.progress(1, `wrote ${exported.modelPath}`)
  return summaryOf(
    {
      ...result,
      model: exported.modelPath,
      card: exported.cardPath,
      run: null,
      classes,
      files: { ...assembled.files, skipped: [] },
    },
    started,
  )
}

export const train: Command = {
  brief: 'train a tagger or clip classifier, export ONNX',
  usage:
    'train <project-or-data-dir> --out model.onnx [--cell lstm|gru|rnn|rnn-relu] [--hidden N] [--layers N] [--unidirectional] [--residual] [--attention-heads 0|1|2|4] [--attention-window FRAMES] [--epochs N] [--batch N] [--chunk N] [--lr X] [--seed N] [--features SPEC] [--val FRACTION] [--group-by file|folder|folder:N|manifest] [--front-end none|conv [--conv-blocks N] [--conv-channels N] [--conv-pool N]] [--task tag|classify] [--pooling mean|max|attention] [--init default|chrono] [--output-recurrence [--scheduled-sampling X] [--beam N]] [--tier NAME] [--head softmax|sigmoid] [--channels mix|each|N] [--rate HZ]',
  summary:
    "train a tagger on a project or a data folder and export it as ONNX + model card; --rate HZ gives the rows per second of a data folder's CSV files without a time column; also --dropout X, --patience N, --threads N, --class-weights none|sqrt-balanced|balanced; --task classify [--pooling mean|max|attention] trains a clip classifier on the files' clip classes (project) or <dir>/<class>/<file> subfolders; --output-recurrence feeds each frame the previous label (unidirectional, decoded greedily, or by beam search with --beam N > 1); --tier NAME learns that tier of the labels (default: each file's first exclusive tier; a data folder's TextGrid/ELAN/JSON files: that tier); --head sigmoid trains a multi-label tagger (one sigmoid per class, for overlapping events; thresholds per class chosen on the validation files); --channels mix|each|N learns from the mix of a recording's channels, each channel as an example of its own, or channel N (1-based), annotations with a channel counting on theirs only; --group-by folder|folder:N|manifest keeps each source on one side of the validation split (a data folder's subfolders, their first or N-th level; a project's per-file \"group\"), so validation, early stopping and post-processing measure sources training never saw; --front-end conv puts a CRNN front end (3×3 conv + batch norm + ReLU + frequency max-pool blocks) before the recurrent stack",
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
    'group-by': { type: 'string' },
    'front-end': { type: 'string' },
    'conv-blocks': { type: 'string' },
    'conv-channels': { type: 'string' },
    'conv-pool': { type: 'string' },
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
    tier: { type: 'string' },
    head: { type: 'string' },
    channels: { type: 'string' },
    ...RATE_OPTION,
  },
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new UsageError('train takes one project or data folder')
    if (typeof values.out !== 'string') throw new UsageError('--out model.onnx is required')
    await checkOutFile(values.out)
    if (
      (values.beam !== undefined || values['scheduled-sampling'] !== undefined) &&
      !values['output-recurrence']
    )
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
      groupBy: values['group-by'],
      frontEnd: values['front-end'],
      convBlocks: numberFlag(values, 'conv-blocks', { integer: true }),
      convChannels: numberFlag(values, 'conv-channels', { integer: true }),
      convPool: numberFlag(values, 'conv-pool', { integer: true }),
      dropout: numberFlag(values, 'dropout'),
      patience: numberFlag(values, 'patience', { integer: true }),
      threads: numberFlag(values, 'threads', { integer: true }),
      classWeights: values['class-weights'],
      task: values.task,
      pooling: values.pooling,
      init: values.init,
      outputRecurrence: values['output-recurrence'] ? true : undefined,
      tier: values.tier,
      head: values.head,
      channels:
        values.channels === 'mix' || values.channels === 'each'
          ? values.channels
          : numberFlag(values, 'channels', { integer: true, min: 1 }),
      scheduledSampling: numberFlag(values, 'scheduled-sampling'),
      ...(values.beam !== undefined
        ? (() => {
            const n = numberFlag(values, 'beam', { integer: true })!
            return n > 1 ? { decode: 'beam', beamWidth: n } : { decode: 'greedy' }
          })()
        : {}),
    }
    const parsed = trainSettingsSchema.safeParse(
      Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
    )
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
      rate: rateFlag(values),
      onWarning: reportWarning,
      ctx: cliJob(),
    })
  },
}
