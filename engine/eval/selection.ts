/**
 * Which labelled files an evaluation scores, and why. A model scored on the files it was trained
 * on measures memory, not skill, and labels taken unchanged from a model's prediction score the
 * model against itself. So by default an evaluation scores the model's validation files (its run
 * record names them) and leaves out files whose labels include predicted segments the user
 * accepted without marking the file reviewed; both are choices the user can widen.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { EvaluationView, Segment } from '../api'
import { DataError } from '../errors'
import { readModelCard } from '../onnx/card'
import { RunRecords } from '../project/runs'

/** Which labelled files to score: the model's validation files, or every labelled file. */
export type EvalFileChoice = 'validation' | 'all'

/** A file's part in the model's training run ('unseen': the run did not use it). */
export type FileSplit = 'train' | 'validation' | 'unseen'

export interface SelectionOptions {
  /** 'validation' (default) or 'all' labelled files. */
  files?: EvalFileChoice
  /** Also score files whose labels include unreviewed accepted predictions (default false). */
  includeUnreviewed?: boolean
}

/** A labelled file that could be scored. */
export interface Candidate {
  name: string
  /** Its labels include predicted segments taken unchanged, and it is not marked reviewed. */
  unreviewed: boolean
}

/** What was scored and why, for the user. */
export interface Selection {
  files: EvalFileChoice
  includeUnreviewed: boolean
  /** The model's training run was found, so train/validation marks are known. */
  splitKnown: boolean
  /** One or two sentences: which files were scored and why. */
  reason: string
  /** Labelled files left out, each with why. */
  excluded: { file: string; why: 'training' | 'unseen' | 'unreviewed' }[]
}

/** The files of the model's training run, or null when no run record is found. */
export interface RunSplit {
  run: string
  train: string[]
  validation: string[]
}

/**
 * The training run of `modelPath`: the run record beside it (a project's runs/<id>/model.onnx),
 * else the run its card names among `dataDir`'s runs (a model exported from that project).
 */
export async function runSplitOf(modelPath: string, dataDir: string): Promise<RunSplit | null> {
  const beside = path.join(path.dirname(modelPath), 'run.json')
  const besideRuns = new RunRecords(path.dirname(path.dirname(path.dirname(modelPath))))
  const runId = path.basename(path.dirname(modelPath))
  const exists = await fs.stat(beside).then(
    (s) => s.isFile(),
    () => false,
  )
  const record = exists
    ? await besideRuns.read(runId).catch(() => null)
    : await readModelCard(modelPath)
        .then((card) => (card?.runId ? new RunRecords(dataDir).read(card.runId) : null))
        .catch(() => null)
  if (!record) return null
  return { run: record.id, train: record.files.train, validation: record.files.val }
}

/** The file's part in `split` ('unseen' when not in it, or the split is unknown). */
export function splitOf(split: RunSplit | null, file: string): FileSplit {
  if (split?.validation.includes(file)) return 'validation'
  if (split?.train.includes(file)) return 'train'
  return 'unseen'
}

/**
 * Labels that include a predicted segment taken unchanged (same class, both ends within
 * `tolerance` seconds): what accepting a prediction leaves until the user corrects it.
 */
export function includesPredicted(
  labels: readonly Segment[],
  predicted: readonly Segment[],
  tolerance = 1e-6,
): boolean {
  const near = (a: number, b: number) => Math.abs(a - b) <= tolerance
  const starts = new Map<string, Segment[]>()
  for (const p of predicted) starts.set(p.label, [...(starts.get(p.label) ?? []), p])
  return labels.some((s) =>
    (starts.get(s.label) ?? []).some((p) => near(p.start, s.start) && near(p.end, s.end)),
  )
}

/** The candidates to score under `opts`, and the account of the choice. `where` names the data. */
export function selectFiles<C extends Candidate>(
  candidates: readonly C[],
  split: RunSplit | null,
  opts: SelectionOptions,
  where: string,
): { chosen: C[]; selection: Selection } {
  const files = opts.files ?? 'validation'
  const includeUnreviewed = opts.includeUnreviewed ?? false
  const excluded: Selection['excluded'] = []
  const chosen: C[] = []
  const byValidation = files === 'validation' && split !== null
  for (const c of candidates) {
    if (byValidation && splitOf(split, c.name) !== 'validation') {
      // files labelled after training are fair to score, but 'validation' means the run's own
      excluded.push({
        file: c.name,
        why: splitOf(split, c.name) === 'train' ? 'training' : 'unseen',
      })
      continue
    }
    if (c.unreviewed && !includeUnreviewed) {
      excluded.push({ file: c.name, why: 'unreviewed' })
      continue
    }
    chosen.push(c)
  }
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  const training = excluded.filter((e) => e.why === 'training').length
  const unreviewed = excluded.filter((e) => e.why === 'unreviewed').length
  const unseen = excluded.filter((e) => e.why === 'unseen').length
  const parts: string[] = []
  if (byValidation)
    parts.push(
      `Scored the model's validation files (${count(chosen.length, 'file')}); its ${count(training, 'training file')} are left out, since a model scored on what it learned from looks better than it is.`,
    )
  else if (files === 'validation')
    parts.push(
      `The model's training run is not recorded here (an imported model, or one trained on another folder), so every labelled file is scored (${count(chosen.length, 'file')}); some may be files it was trained on.`,
    )
  else
    parts.push(
      `Scored all labelled files (${count(chosen.length, 'file')}), as chosen${split ? `; ${count(split.train.length, 'file')} of the model's run were training files, marked in the table` : ''}.`,
    )
  if (unseen)
    parts.push(
      `${count(unseen, 'labelled file')} its training run did not use ${unseen === 1 ? 'is' : 'are'} left out too (choose all labelled files to score them).`,
    )
  if (unreviewed)
    parts.push(
      `${count(unreviewed, 'file')} left out: labels include accepted predictions not marked reviewed (review the file, or include them).`,
    )
  else if (includeUnreviewed)
    parts.push('Files whose labels are unreviewed accepted predictions are included, as chosen.')
  const selection: Selection = {
    files,
    includeUnreviewed,
    splitKnown: split !== null,
    reason: parts.join(' '),
    excluded,
  }
  if (chosen.length === 0) {
    const fix =
      files === 'validation'
        ? byValidation && split.validation.length === 0
          ? "the model was trained without validation files; choose 'all labelled files'"
          : "choose 'all labelled files', or include unreviewed files"
        : 'label a file, or include unreviewed files'
    throw new DataError(where, `no files to evaluate on: ${selection.reason} Fix: ${fix}.`)
  }
  return { chosen, selection }
}

/**
 * The clip files of `items` to score under `opts`, the account of the choice, and the model's
 * run split. A clip class is the user's own, so none counts as an unreviewed prediction.
 */
export async function selectClipItems<T extends { name: string }>(
  items: readonly T[],
  modelPath: string,
  dataDir: string,
  opts: SelectionOptions,
): Promise<{ chosen: T[]; selection: Selection; split: RunSplit | null }> {
  const split = await runSplitOf(modelPath, dataDir)
  const candidates = items.map((i) => ({ ...i, unreviewed: false }))
  const { chosen, selection } = selectFiles(candidates, split, opts, dataDir)
  return { chosen, selection, split }
}

/** A clip evaluation's view with the choice of files and each file's split. */
export function withSelection(
  view: EvaluationView,
  selection: Selection,
  split: RunSplit | null,
): EvaluationView {
  return {
    ...view,
    selection,
    perFile: view.perFile.map((f) => ({ ...f, split: splitOf(split, f.file) })),
  }
}
