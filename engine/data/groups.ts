/**
 * Validation by group: files that share a source (site, recorder, individual, session) go to the
 * same side of the split, so the validation score says how the model does on sources it has not
 * seen, which is what a user recording somewhere new needs to know (issue 20: with files of one
 * source on both sides, validation macro-F1 was 0.89 where new sources reached 0.61).
 *
 * A file's group comes from `--group-by`:
 *   file       every file its own group (the split by file, the default)
 *   folder     the first folder level under the data root (`recordings/site3/a.wav` → `site3`)
 *   folder:N   the N-th folder level
 *   manifest   the `group` field of the file's media record in the project manifest
 * The data root is the deepest folder holding every file that still leaves each file the level
 * asked for (so a project's `recordings/` folder does not count as a level, and files all in
 * `site1/` are one group, refused as such, rather than files outside any group).
 */
import { z } from 'zod'
import { DataError } from '../errors'
import { Rng } from '../../models/rng'

/** The one grammar of a group-by setting (train settings, CLI and Train panel). */
export const GROUP_BY_PATTERN = /^(file|folder(:[1-9][0-9]?)?|manifest)$/

export const groupBySchema = z
  .string()
  .regex(GROUP_BY_PATTERN, 'group-by must be file, folder, folder:N (N = 1…99) or manifest')

/** The choices the Train panel offers (folder:N for deeper levels is CLI/settings only). */
export const GROUP_BY_CHOICES = ['file', 'folder', 'folder:2', 'manifest'] as const

/** How a split was made, as the run record and the model card keep it. */
export interface GroupSplit {
  /** The group-by setting. */
  by: string
  /** Groups of the training files and of the validation files (disjoint), sorted. */
  train: string[]
  val: string[]
}

/** True when `by` splits by group rather than by file (a record from before groups has none). */
export const splitsByGroup = (by: string | undefined): by is string =>
  by !== undefined && by !== 'file'

/** The folder level a group-by setting names, or null when it is not by folder. */
export function folderLevel(by: string): number | null {
  if (by === 'folder') return 1
  const m = /^folder:(\d+)$/.exec(by)
  return m ? Number(m[1]) : null
}

/** The folders of a '/'-or-'\'-separated relative path, without the file name. */
const foldersOf = (name: string): string[] => name.split(/[\\/]/).slice(0, -1)

/**
 * Each file's group under `by`. `names` are relative paths; `manifestGroups` the media records'
 * `group` fields in the same order (for `manifest`). A file without a group is refused in one
 * line naming it, where the data lives (`root`) and what to do.
 */
export function groupsOf(
  names: string[],
  by: string,
  root: string,
  manifestGroups?: (string | undefined)[],
): string[] {
  if (by === 'file') return names.slice()
  if (by === 'manifest') {
    if (!manifestGroups)
      throw new DataError(
        root,
        '--group-by manifest needs a project (framewise.json with a "group" per media file); for a data folder group by folder',
      )
    return names.map((name, i) => {
      const g = manifestGroups[i]?.trim()
      if (!g)
        throw new DataError(
          root,
          `media file ${name} has no "group" in framewise.json; give every labelled file a group, or group by file or folder`,
        )
      return g
    })
  }
  const level = folderLevel(by)
  if (level === null) throw new DataError(root, `unknown group-by "${by}"`)
  const folders = names.map(foldersOf)
  // the data root: the folders every file shares, as far as each file keeps `level` below it
  // (files all in `recordings/site1/` are one group, site1, not files outside any group)
  let common = 0
  while (
    folders.length > 0 &&
    common < folders[0].length &&
    folders.every((f) => f.length > common && f[common] === folders[0][common])
  )
    common++
  const strip = Math.max(
    0,
    Math.min(common, folders.reduce((m, f) => Math.min(m, f.length), Infinity) - level),
  )
  return names.map((name, i) => {
    const g = folders[i][strip + level - 1]
    if (g === undefined)
      throw new DataError(
        root,
        `${name} is not inside a folder at level ${level} under the data root${strip ? ` (${folders[i].slice(0, strip).join('/')})` : ''}; put each source's recordings in its own folder (site1/, site2/, …) or group by file`,
      )
    return g
  })
}

/**
 * Indices of the training and validation files, whole groups on each side: the groups in a
 * seeded order join validation until it holds `valFraction` of the files (at least one group,
 * and at least one left for training). Deterministic from the seed; one group (with validation
 * asked for) is refused, as no split can then keep the sides' sources apart.
 */
export function splitByGroup(
  groups: string[],
  valFraction: number,
  seed: number,
  where: { root: string; by: string },
): { train: number[]; val: number[]; split: GroupSplit } {
  const distinct = [...new Set(groups)].sort()
  if (valFraction <= 0 || groups.length === 0)
    return {
      train: groups.map((_, i) => i),
      val: [],
      split: { by: where.by, train: distinct, val: [] },
    }
  if (distinct.length < 2)
    throw new DataError(
      where.root,
      `--group-by ${where.by} puts all ${groups.length} labelled files in one group ("${distinct[0]}"); validation needs a group training does not see: add recordings of another source, or group by file`,
    )
  const count = new Map<string, number>()
  for (const g of groups) count.set(g, (count.get(g) ?? 0) + 1)
  const order = new Rng(seed).shuffle(distinct.slice())
  const target = valFraction * groups.length
  const valGroups = new Set<string>()
  let inVal = 0
  for (const g of order) {
    if (valGroups.size > 0 && inVal >= target) break
    if (valGroups.size === distinct.length - 1) break
    valGroups.add(g)
    inVal += count.get(g)!
  }
  const train: number[] = []
  const val: number[] = []
  groups.forEach((g, i) => (valGroups.has(g) ? val : train).push(i))
  return {
    train,
    val,
    split: {
      by: where.by,
      train: distinct.filter((g) => !valGroups.has(g)),
      val: distinct.filter((g) => valGroups.has(g)),
    },
  }
}
