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
import { z } from 'zod'
import { readRegularText } from '../io/input-files'

export const MODELS_DIR = 'models'
/**
 * The names users gave models, by model id, in the project folder. Not inside models/, where an
 * imported `model-names.onnx` would put its card at the same path.
 */
export const MODEL_NAMES_FILE = 'model-names.json'

const namesSchema = z.object({
  version: z.literal(1),
  names: z.record(z.string(), z.string()),
})

/** The names users gave the project's models; a damaged file counts as none (the defaults show). */
async function readNames(project: Project): Promise<Record<string, string>> {
  const file = path.join(project.dir, MODEL_NAMES_FILE)
  const text = await readRegularText(file, READ_LIMITS.json).catch(() => null)
  if (text === null) return {}
  try {
    return namesSchema.parse(JSON.parse(text)).names
  } catch {
    console.warn(new DataError(file, 'not a model names file; the default names are shown').message)
    return {}
  }
}

/** Renames go one after another, each re-reading the file, so none undoes another. */
const renaming = new Map<string, Promise<unknown>>()

/** Name model `id` `name` (trimmed; empty: its default name again), stored atomically. */
export async function renameModel(project: Project, id: string, name: string): Promise<ModelView> {
  modelPath(project, id) // refuses a malformed id
  const run = (renaming.get(project.dir) ?? Promise.resolve()).then(async () => {
    const models = await listModels(project)
    if (!models.some((m) => m.id === id))
      throw new ApiError('bad-input', `no model ${JSON.stringify(id)} in this project`)
    const names = await readNames(project)
    const trimmed = name.trim()
    if (trimmed) names[id] = trimmed
    else delete names[id]
    await writeJsonAtomic(path.join(project.dir, MODEL_NAMES_FILE), { version: 1, names })
    return (await listModels(project)).find((m) => m.id === id)!
  })
  renaming.set(
    project.dir,
    run.catch(() => {}),
  )
  return run
}

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')

/**
 * A model's name until the user gives one: task, architecture (or the file's name) and the local
 * time it was made, e.g. "tagger · BiGRU 2×64 · 4 Dec 14:02".
 */
export function defaultModelName(
  task: 'tag' | 'classify',
  tagger: ModelCard['tagger'],
  file: string,
  created: string,
): string {
  const what = task === 'classify' ? 'clip classifier' : 'tagger'
  const arch = tagger
    ? `${tagger.bidirectional ? 'Bi' : ''}${tagger.cell.toUpperCase()} ${tagger.numLayers}×${tagger.hiddenSize}`
    : path.basename(file)
  const d = new Date(created)
  const pad = (n: number) => String(n).padStart(2, '0')
  const when = Number.isNaN(d.getTime())
    ? created
    : `${d.getDate()} ${MONTHS[d.getMonth()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return `${what} · ${arch} · ${when}`
}

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
  given?: string,
): ModelView {
  const made = card?.created ?? created
  return {
    id,
    source,
    name: given ?? defaultModelName(card?.task ?? 'tag', card?.tagger ?? null, file, made),
    ...(given !== undefined ? { renamed: true } : {}),
    file,
    created: made,
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
    ...(card?.tier !== undefined ? { tier: card.tier } : {}),
  }
}

export async function listModels(project: Project): Promise<ModelView[]> {
  const out: ModelView[] = []
  const names = await readNames(project)
  for (const run of await new RunRecords(project.dir).list()) {
    if (run.status !== 'done' || !run.model) continue
    const file = modelPath(project, `run:${run.id}`)
    out.push({
      ...viewOf(
        `run:${run.id}`,
        'trained',
        file,
        await readModelCard(file).catch(() => null),
        run.finishedAt ?? run.startedAt,
        names[`run:${run.id}`],
      ),
      split: { train: run.files.train, validation: run.files.val },
    })
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
        names[`file:${name}`],
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
