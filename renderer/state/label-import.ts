/**
 * Importing a label file into the open project, as the import dialog and the File menu do it:
 * read it for the current file (importLabels), add the classes it brings, then apply it — to the
 * current file as one undoable edit, or, for a table over several recordings (Raven `Begin File`,
 * DCASE, a CSV with a file column), to every project recording it names (importLabelsToProject),
 * the current file's part again one undo step.
 */
import type { Params } from '../../engine/api'
import { api } from '../api/client'
import { classColour } from '../lib/class-colours'
import { flatten, merge } from '../lib/segments'
import type { LabelsState } from './labels.svelte'
import type { ProjectState } from './project.svelte'

/** How to read the file: what the import dialog chose (mapping, label column, one class, rate). */
export type ImportChoices = Omit<Params<'importLabels'>, 'media' | 'path'>

export interface ImportOutcome {
  /** Absolute path read. */
  file: string
  /** Segments the current file got from it. */
  count: number
  /** A table over several recordings: each project recording labelled, with its segment count. */
  recordings: { media: string; count: number }[] | null
  /** Recordings the table names that the project lacks. */
  missing: string[]
  /** What the reader chose or left out, one line each. */
  notes: string[]
  /** Classes added to the project for labels it did not have. */
  addedClasses: string[]
}

/** One import, undoable with Ctrl+Z for the current file. `mode` applies to one file's labels. */
export async function importLabelsInto(
  project: ProjectState,
  labels: LabelsState,
  path: string,
  choices: ImportChoices = {},
  mode: 'replace' | 'merge' = 'replace',
): Promise<ImportOutcome> {
  const media = labels.media
  if (!media) throw new Error('Open a recording before importing labels.')
  const read = await api.importLabels({ media, path, ...choices })
  // a file of several tiers (TextGrid, ELAN, JSON) gives every tier, by name
  const allTiers = !read.recordings && (read.tiers?.length ?? 0) > 1 && mode === 'replace'
  const known = new Set(project.classes.map((c) => c.name))
  const unknownClasses = allTiers
    ? [...new Set(read.tiers.flatMap((t) => t.segments.map((s) => s.label)))].filter(
        (l) => !known.has(l),
      )
    : read.unknownClasses
  if (unknownClasses.length) {
    const classes = project.classes
    const added = unknownClasses.map((name, i) => ({
      name,
      color: classColour(classes.length + i),
      hotkey: null,
      role: 'class' as const,
    }))
    await project.setClasses([...classes, ...added])
    if (project.error) throw new Error(project.error)
  }
  const outcome = {
    file: read.file,
    count: read.segments.length,
    missing: read.missing ?? [],
    addedClasses: unknownClasses,
  }
  if (allTiers) {
    labels.importTiers('Import labels', read.tiers)
    return { ...outcome, recordings: null, notes: read.notes }
  }
  if (!read.recordings) {
    // an overlapping tier keeps overlapping events as they are
    const next =
      mode === 'merge'
        ? merge(labels.segments, read.segments)
        : labels.tier.kind === 'overlapping'
          ? read.segments
          : flatten(read.segments)
    labels.replaceAll('Import labels', next)
    return { ...outcome, recordings: null, notes: read.notes }
  }
  // Every recording it names is saved by the engine, this one too: its edits go first.
  await labels.flush()
  const { format, mapping, label, labelColumn, rate } = choices
  // into each recording's tier of the name selected here
  const tier = labels.tier.name
  const saved = await api.importLabelsToProject({
    path,
    format,
    mapping,
    label,
    labelColumn,
    rate,
    tier,
  })
  for (const s of saved.saved) project.setSegmentCount(s.media, s.count)
  const mine = saved.saved.find((s) => s.media === media)
  if (mine && labels.media === media)
    labels.adoptSaved('Import labels', read.segments, mine.revision)
  return {
    ...outcome,
    recordings: saved.saved.map((s) => ({ media: s.media, count: s.count })),
    missing: saved.missing,
    notes: [...new Set([...read.notes, ...saved.notes])],
  }
}
