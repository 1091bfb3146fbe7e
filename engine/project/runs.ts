/**
 * The training runs recorded in a project, so models can be compared later:
 *   runs/<id>/run.json        settings, feature spec, classes, data hash, files, per-epoch metrics,
 *                             status and duration (rewritten atomically after every epoch)
 *   runs/<id>/model.onnx      the best epoch's model, with its card model.json (written at the end)
 * Training writes the records (engine/train/runs.ts adds each run's checkpoint); the model
 * registry (models.ts) and the run list read them.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import type { EpochRecord, RunView } from '../api'
import { DataError } from '../errors'
import { writeJsonAtomic } from '../io/atomic-write'
import { READ_LIMITS, readRegularText } from '../io/input-files'
import { trainSettingsSchema } from '../train/settings'

export const RUNS_DIR = 'runs'

const epochSchema = z.object({
  epoch: z.number(),
  trainLoss: z.number().nullable(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  valMacroF1: z.number().nullable(),
  seconds: z.number(),
  framesPerSecond: z.number(),
})

export const runRecordSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'done', 'cancelled', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationSeconds: z.number(),
  settings: trainSettingsSchema,
  /** The FeatureSpec the features were made with (with global mean/std when used). */
  features: z.unknown(),
  classes: z.array(z.string()),
  /** sha256 over every training/validation file's features and labels: same hash, same data. */
  dataHash: z.string(),
  files: z.object({
    train: z.array(z.string()),
    val: z.array(z.string()),
    /** How a split by group was made (data/groups.ts): the group-by and the groups on each side. */
    groups: z
      .object({ by: z.string(), train: z.array(z.string()), val: z.array(z.string()) })
      .optional(),
  }),
  classWeights: z.array(z.number()),
  /** Per-epoch metrics (NaN is stored as null). */
  history: z.array(epochSchema),
  bestEpoch: z.number().nullable(),
  /** Model file relative to the run folder, once written. */
  model: z.string().nullable(),
  error: z.string().nullable(),
})
export type RunRecord = z.infer<typeof runRecordSchema>
// The API's RunView is this record as the renderer sees it.
true satisfies RunRecord extends RunView ? true : never

/** An epoch's metrics as stored: JSON has no NaN, so a non-finite value is written as null. */
export const nullNaN = (r: EpochRecord) =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
  ) as z.infer<typeof epochSchema>

/** The run records of the project at `projectDir`. */
export class RunRecords {
  constructor(readonly projectDir: string) {}

  dir(id: string): string {
    return path.join(this.projectDir, RUNS_DIR, id)
  }

  async write(record: RunRecord): Promise<void> {
    await fs.mkdir(this.dir(record.id), { recursive: true })
    await writeJsonAtomic(path.join(this.dir(record.id), 'run.json'), {
      ...record,
      history: record.history.map((h) => nullNaN(h as EpochRecord)),
    })
  }

  async read(id: string): Promise<RunRecord> {
    const file = path.join(this.dir(id), 'run.json')
    let raw: unknown
    try {
      raw = JSON.parse(await readRegularText(file, READ_LIMITS.json))
    } catch (err) {
      if (err instanceof DataError) throw err
      throw new DataError(file, `cannot read the run record (${(err as Error).message})`)
    }
    const parsed = runRecordSchema.safeParse(raw)
    if (!parsed.success)
      throw new DataError(file, `invalid run record: ${parsed.error.issues[0]?.message}`)
    return parsed.data
  }

  /** All runs, oldest first; unreadable ones are skipped. */
  async list(): Promise<RunRecord[]> {
    const ids = await fs.readdir(path.join(this.projectDir, RUNS_DIR)).catch(() => [] as string[])
    const runs = await Promise.all(ids.sort().map((id) => this.read(id).catch(() => null)))
    return runs.filter((r): r is RunRecord => r !== null)
  }
}
