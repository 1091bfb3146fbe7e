/**
 * A project's models: the ones its training runs exported (runs/<id>/model.onnx) and the ones
 * imported from elsewhere (models/<name>.onnx, each with a model card that carries the
 * FeatureSpec and class names the user gave). Predictions made with them: predictions.ts.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ModelView } from '../api'
import { ApiError } from '../api'
import { DataError } from '../errors'
import { assertWritable, READ_LIMITS, readRegular } from '../io/input-files'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write'
import { featureSpecSchema } from '../features/spec'
import { cardPathOf, readModelCard, type ModelCard } from '../onnx/card'
import type { OutputKind } from '../onnx/metadata'
import { postProcessSchema } from '../onnx/postprocess-settings'
import { readModel } from '../onnx/read'
import { isClipModel, readClipModel } from '../onnx/clip'
import { RunRecords } from './runs'
import type { Project } from './store'

export const MODELS_DIR = 'models'

/** Model ids: `run:<runId>` for trained models, `file:<name>` for imported ones. */
export function modelPath(project: Project, id: string): string {
  const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)]
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.'))
    throw new ApiError('invalid-request', `bad model id ${JSON.stringify(id)}`)
  if (kind === 'run') return path.join(new RunRecords(project.dir).dir(name), 'model.onnx')
  if (kind === 'file') return path.join(project.dir, MODELS_DIR, name)
  throw new ApiError('invalid-request', `bad model id ${JSON.stringify(id)}`)
}

function viewOf(
  id: string,
  source: ModelView['source'],
  file: string,
  card: ModelCard | null,
  created: string,
): ModelView {
  return {
    id,
    source,
    name: source === 'trained' ? `run ${id.slice(4)}` : path.basename(file),
    file,
    created: card?.created ?? created,
    classes: card?.classes ?? [],
    features: card?.features ?? null,
    tagger: card?.tagger ?? null,
    ...(card
      ? {
          postprocess: {
            medianFilter: card.postprocess.medianFilter,
            minDuration: card.postprocess.minDuration,
            ...(card.postprocess.viterbi ? { viterbi: card.postprocess.viterbi } : {}),
          },
          transitions: card.transitions !== undefined && !card.tagger?.outputRecurrence,
        }
      : {}),
    metrics: card?.metrics ?? {},
    task: card?.task ?? 'tag',
  }
}

export async function listModels(project: Project): Promise<ModelView[]> {
  const out: ModelView[] = []
  for (const run of await new RunRecords(project.dir).list()) {
    if (run.status !== 'done' || !run.model) continue
    const file = modelPath(project, `run:${run.id}`)
    out.push(
      viewOf(
        `run:${run.id}`,
        'trained',
        file,
        await readModelCard(file).catch(() => null),
        run.finishedAt ?? run.startedAt,
      ),
    )
  }
  const imported = await fs.readdir(path.join(project.dir, MODELS_DIR)).catch(() => [] as string[])
  for (const name of imported.filter((n) => n.endsWith('.onnx')).sort()) {
    const file = path.join(project.dir, MODELS_DIR, name)
    const stat = await fs.stat(file).catch(() => null)
    if (!stat?.isFile()) continue // a folder, link loop or device named .onnx is no model
    out.push(
      viewOf(
        `file:${name}`,
        'imported',
        file,
        await readModelCard(file).catch(() => null),
        stat.mtime.toISOString(),
      ),
    )
  }
  return out
}

export interface ImportOptions {
  /** FeatureSpec for models that carry none. */
  features?: unknown
  /** Class names for models that carry none. */
  classes?: string[]
  /** What the output holds, when the model does not say. */
  output?: OutputKind
}

/** Creates `file` empty if no file has that name yet; false when one has. */
async function reserve(file: string): Promise<boolean> {
  try {
    await (await fs.open(file, 'wx')).close()
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

/**
 * Import an ONNX model: it is opened and checked as a tagger with the given or carried spec and
 * classes (a mismatch is an error before anything is copied), then copied with a card.
 */
export async function importModel(
  project: Project,
  source: string,
  opts: ImportOptions = {},
): Promise<ModelView> {
  let spec
  if (opts.features !== undefined) {
    const parsed = featureSpecSchema.safeParse(opts.features)
    if (!parsed.success)
      throw new ApiError('invalid-request', `feature spec: ${parsed.error.issues[0]?.message}`)
    spec = parsed.data
  }
  // A clip classifier carries its spec and classes (it is ours or made to our contract).
  const clip = (await isClipModel(source)) ? await readClipModel(source) : null
  const model = clip
    ? null
    : await readModel(source, { spec, classes: opts.classes, output: opts.output })
  const dir = path.join(project.dir, MODELS_DIR)
  await fs.mkdir(dir, { recursive: true })
  const stem = path.basename(source, path.extname(source)).replace(/[^\w.-]/g, '_') || 'model'
  const bytes = await readRegular(source, READ_LIMITS.model)
  // The name is taken by creating the file exclusively, so concurrent imports never share one.
  let name = `${stem}.onnx`
  for (let n = 2; !(await reserve(path.join(dir, name))); n++) name = `${stem}-${n}.onnx`
  const target = path.join(dir, name)
  await writeFileAtomic(target, bytes).catch(async (err) => {
    await fs.rm(target, { force: true })
    throw err
  })
  const card: ModelCard = {
    format: 'framewise-model-card',
    version: 1,
    model: name,
    modelBytes: bytes.length,
    producer: (clip ?? model!).info.producer,
    created: new Date().toISOString(),
    runId: null,
    tagger: null,
    classes: (clip ?? model!).classes,
    features: (clip ?? model!).spec,
    postprocess: postProcessSchema.parse(model?.postprocess ?? {}),
    output: model?.output ?? 'probabilities',
    ...(clip
      ? {
          task: 'classify' as const,
          ...(clip.info.card?.pooling ? { pooling: clip.info.card.pooling } : {}),
        }
      : {}),
    metrics: {},
  }
  await writeJsonAtomic(cardPathOf(target), card)
  return viewOf(`file:${name}`, 'imported', target, card, card.created)
}

/** Copy a model and its card to `dest` (a .onnx path chosen by the user). */
export async function exportModel(
  project: Project,
  id: string,
  dest: string,
): Promise<{ model: string; card: string }> {
  const from = modelPath(project, id)
  if (!dest.toLowerCase().endsWith('.onnx'))
    throw new ApiError('invalid-request', `${dest}: the file name must end in .onnx`)
  await assertWritable(dest)
  await assertWritable(cardPathOf(dest))
  await fs.copyFile(from, dest).catch((err: Error) => {
    throw new DataError(dest, `cannot write the model (${err.message})`)
  })
  const card = cardPathOf(from)
  if (
    await fs.stat(card).then(
      () => true,
      () => false,
    )
  )
    await fs.copyFile(card, cardPathOf(dest))
  return { model: dest, card: cardPathOf(dest) }
}
