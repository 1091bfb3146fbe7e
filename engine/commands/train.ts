/**
 * `framewise train`: a project folder (framewise.json) or a plain data folder → an ONNX model
 * with its card. Settings come from flags over the documented defaults (train/settings.ts).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ApiError } from '../api'
import { DataError } from '../errors'
import { READ_LIMITS, readRegularText } from '../input-files'
import { parseFeatureSpec, PRESETS, type FeatureSpec } from '../features/spec'
import type { JobContext } from '../jobs'
import { cardPathOf } from '../onnx/metadata'
import { MANIFEST_FILE } from '../project/manifest'
import { Project } from '../project/store'
import { assembleDataset } from './dataset'
import { scanDataFolder } from './folder'
import { runClassifierWorker, runTrainingWorker } from './job'
import { assembleClips, exportTrainedClassifier, scanClipFolder } from './clip-project'
import { exportTrainedTagger, trainProject } from './project'
import { RunStore } from './runs'
import { parseTrainSettings, type TrainSettings, type TrainSettingsInput } from './settings'

export interface TrainCommandInput {
  dir: string
  out: string
  settings: TrainSettingsInput
  /** A FeatureSpec JSON file, or a preset name (mfcc, logmel, raw). */
  features?: string
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

async function readSpec(arg: string | undefined): Promise<unknown | undefined> {
  if (arg === undefined) return undefined
  if (arg in PRESETS) return PRESETS[arg as keyof typeof PRESETS]()
  let text: string
  try {
    text = await readRegularText(arg, READ_LIMITS.json)
  } catch (err) {
    if (err instanceof DataError) throw err
    throw new DataError(arg, `cannot read the feature spec (${(err as Error).message})`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new DataError(arg, `the feature spec is not valid JSON (${(err as Error).message})`)
  }
}

/** A FeatureSpec parse failure in one line: its first issue and where, not zod's JSON list. */
function specProblem(err: unknown): string {
  const issue = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0]
  return issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : (err as Error).message
}

const finite = (x: number | null | undefined) => (x !== null && x !== undefined && Number.isFinite(x) ? x : null)

/** An epoch's validation metrics, from a training result (numbers) or a run record (NaN stored as null). */
type Metrics = { valLoss: number | null; valAccuracy: number | null; valMacroF1: number | null }

/** The summary of a finished training: its best epoch's metrics (NaN as null), epochs and wall time. */
function summaryOf(
  s: Pick<TrainSummary, 'model' | 'card' | 'run' | 'classes' | 'files'> & { history: Metrics[]; bestEpoch: number | null },
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
    best: { valLoss: finite(best?.valLoss), valAccuracy: finite(best?.valAccuracy), valMacroF1: finite(best?.valMacroF1) },
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

  if (isProject) {
    // a recorded run in the project, tagger or clip classifier (trainProject picks by settings.task)
    const project = await Project.open(input.dir)
    const run = await trainProject(project, input.ctx, { settings: input.settings, features: specInput as Record<string, unknown> | undefined })
    const from = path.join(new RunStore(project.dir).dir(run.id), run.model!)
    await fs.copyFile(from, out)
    await fs.copyFile(cardPathOf(from), cardPathOf(out))
    return summaryOf({ ...run, model: out, card: cardPathOf(out), run: run.id, files: { ...run.files, skipped: [] } }, started)
  }
  if (settings.task === 'classify') return trainClipFolder(input, out, settings, specInput, started)

  const folder = await scanDataFolder(input.dir)
  let spec: FeatureSpec
  try {
    spec = parseFeatureSpec(specInput ?? { kind: folder.kind, ...(folder.kind === 'series' ? { channels: folder.channels } : {}) })
  } catch (err) {
    throw new DataError(input.features ?? input.dir, `invalid feature spec: ${specProblem(err)}`)
  }
  if (spec.kind !== folder.kind) throw new DataError(input.features ?? input.dir, `a ${spec.kind} feature spec for ${folder.kind} files`)
  if (spec.kind === 'series' && spec.channels === null) spec = { ...spec, channels: folder.channels }
  input.ctx.progress(0, 'computing features')
  const assembled = await assembleDataset(folder.files, spec, folder.classes, {
    seed: settings.seed,
    valFraction: settings.valFraction,
    signal: input.ctx.signal,
    onProgress: (f, m) => input.ctx.progress(0.1 * f, m),
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
  const exported = await exportTrainedTagger(out, result, { assembled, files: folder.files, classes: folder.classes, spec })
  input.ctx.progress(1, `wrote ${exported.modelPath}`)
  const files = { ...assembled.files, skipped: folder.skipped }
  return summaryOf({ ...result, model: exported.modelPath, card: exported.cardPath, run: null, classes: folder.classes.names, files }, started)
}

/** `framewise train --task classify` on a class-folder data folder (<dir>/<class>/<file>). */
async function trainClipFolder(input: TrainCommandInput, out: string, settings: TrainSettings, specInput: unknown, started: number): Promise<TrainSummary> {
  const { ctx } = input
  const folder = await scanClipFolder(input.dir)
  let spec: FeatureSpec
  try {
    spec = parseFeatureSpec(specInput ?? { kind: folder.kind, ...(folder.kind === 'series' ? { channels: folder.channels } : {}) })
  } catch (err) {
    throw new DataError(input.dir, `invalid feature spec: ${specProblem(err)}`)
  }
  if (spec.kind !== folder.kind) throw new DataError(input.dir, `a ${spec.kind} feature spec for ${folder.kind} files`)
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
      ctx.progress(0.1 + (0.88 * (p.epoch - 1 + p.step / p.stepsPerEpoch)) / p.epochs, `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)}`),
    onEpoch: (r) =>
      ctx.progress(0.1 + (0.88 * r.epoch) / settings.epochs, `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val accuracy ${r.valAccuracy.toFixed(3)}, val macro-F1 ${r.valMacroF1.toFixed(3)}`),
  })
  const exported = await exportTrainedClassifier(out, result, assembled.spec, classes)
  ctx.progress(1, `wrote ${exported.modelPath}`)
  return summaryOf({ ...result, model: exported.modelPath, card: exported.cardPath, run: null, classes, files: { ...assembled.files, skipped: [] } }, started)
}
