/**
 * Splitting one `framewise predict` batch into n shards that run on different machines (a SLURM
 * job array, one task per shard) and writing them back as one manifest.
 *
 * The split must come out the same in every task without the tasks talking to each other, so it
 * depends only on what every machine reads alike: the inputs' paths relative to the folders
 * given, and their durations from the file headers (engine/project/probe.ts). Files are taken
 * longest first (ties by relative path) and each goes to the shard with the least audio so far
 * (ties to the lower index): the greedy longest-processing-time rule, whose largest shard is at
 * most 4/3 of the best possible split. A file whose header gives no duration (MP3, OGG) counts as
 * the mean of those that do (1 s when none do).
 *
 * Each shard writes `framewise-manifest.shard-<i>-of-<n>.json` with a `shard` record: which
 * positions of the whole batch its files hold and digests of the input list and the settings, so
 * that `mergeShardManifests` can refuse shards of another batch and put the files back in the
 * order one process writes them.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { DataError, fileError } from '../errors'
import { probeDuration } from '../project/probe'

/** Which of n shards a run predicts: 0 ≤ index < count. */
export interface Shard {
  index: number
  count: number
  /** Digest of the options that change the outputs (`settingsDigest`), checked when merging. */
  settings: string
}

/** What a shard's manifest carries beyond a single run's, as `shard`. */
export interface ShardRecord {
  index: number
  count: number
  /** Inputs of the whole batch, over all shards. */
  inputs: number
  /** SHA-256 of the whole batch's relative paths and durations: shards of one batch agree on it. */
  filesSha256: string
  settingsSha256: string
  /** For each entry of the manifest's `files`, its position in the whole batch. */
  positions: number[]
}

/** `--shard i/n` as a shard (without settings), or a one-line problem. */
export function parseShard(text: string): { index: number; count: number } | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (!m) return `--shard takes I/N (e.g. 0/4, shards numbered from 0), not '${text}'`
  const [index, count] = [Number(m[1]), Number(m[2])]
  if (count < 1) return '--shard I/N needs N ≥ 1'
  if (index >= count) return `--shard ${index}/${count}: I must be below N (0 to ${count - 1})`
  return { index, count }
}

/** The manifest name a shard writes in the out folder. */
export const shardManifestName = (s: { index: number; count: number }) =>
  `framewise-manifest.shard-${s.index}-of-${s.count}.json`
const SHARD_MANIFEST = /^framewise-manifest\.shard-(\d+)-of-(\d+)\.json$/

/** SHA-256 of `value` as JSON with sorted keys (undefined fields left out). */
export function settingsDigest(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v
  return createHash('sha256')
    .update(JSON.stringify(sorted(value)))
    .digest('hex')
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The shard (0..count−1) of each file, from its relative path and its weight (seconds): longest
 * first, ties by path, each to the least loaded shard, ties to the lower index.
 */
export function assignShards(rels: string[], weights: number[], count: number): number[] {
  const order = rels.map((_, k) => k)
  order.sort((a, b) => weights[b] - weights[a] || byPath(rels[a], rels[b]))
  const load = new Float64Array(count)
  const shardOf = new Array<number>(rels.length)
  for (const k of order) {
    let best = 0
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s
    shardOf[k] = best
    load[best] += weights[k]
  }
  return shardOf
}

const PROBES_AT_ONCE = 32

/** Seconds of each file from its header; unknown ones count as the mean of the known (or 1 s). */
export async function durationWeights(
  files: string[],
  kind: 'audio' | 'series',
): Promise<number[]> {
  // No peaks folder: predict never opened these files in a project, so only headers can tell.
  // A few at a time: thousands of open files at once would meet the node's descriptor limit,
  // and a probe that fails there would count as unknown on one node and not on another.
  const seconds: (number | null)[] = []
  for (let k = 0; k < files.length; k += PROBES_AT_ONCE)
    seconds.push(
      ...(await Promise.all(
        files.slice(k, k + PROBES_AT_ONCE).map((f) => probeDuration(f, kind, '')),
      )),
    )
  const known = seconds.filter((s): s is number => s !== null && Number.isFinite(s) && s >= 0)
  const fill = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1
  return seconds.map((s) => (s !== null && Number.isFinite(s) && s >= 0 ? s : fill))
}

/**
 * The positions (ascending) of the batch's files that `shard` predicts, and its record without
 * `positions` (those follow the order the files finish in; batch.ts adds them).
 */
export async function pickShard(
  files: { file: string; rel: string }[],
  kind: 'audio' | 'series',
  shard: Shard,
): Promise<{ positions: number[]; record: Omit<ShardRecord, 'positions'> }> {
  const rels = files.map((f) => f.rel.split(path.sep).join('/'))
  const weights = await durationWeights(
    files.map((f) => f.file),
    kind,
  )
  const shardOf = assignShards(rels, weights, shard.count)
  return {
    positions: shardOf.flatMap((s, k) => (s === shard.index ? [k] : [])),
    record: {
      index: shard.index,
      count: shard.count,
      inputs: files.length,
      // the durations too: a file that changed, or a header one node could not read, changes the split
      filesSha256: createHash('sha256')
        .update(rels.map((r, k) => `${r}\t${weights[k]}`).join('\n'))
        .digest('hex'),
      settingsSha256: shard.settings,
    },
  }
}

/** The part of a predict manifest that merging reads; the rest is carried over as it is. */
interface ShardManifest {
  format: string
  state: string
  modelSha256: string
  labelFormat: string
  updated: string
  inputs: number
  files: unknown[]
  shard: ShardRecord
  [field: string]: unknown
}

/** The one manifest a single process would have written for the batch, from every shard's. */
export interface MergedManifest {
  /** The merged manifest: a single run's fields, files in the batch's order. */
  manifest: Record<string, unknown>
  /** The shard manifests read. */
  shards: string[]
}

/**
 * Reads the shard manifests in `dir` and merges them, refusing (one line naming the file) when a
 * shard is missing or unfinished, or was made with another model, settings, input list or count.
 */
export async function mergeShardManifests(dir: string): Promise<MergedManifest> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    throw fileError(dir, err)
  }
  const found = names
    .map((n) => ({ name: n, m: SHARD_MANIFEST.exec(n) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
  if (found.length === 0)
    throw new DataError(
      dir,
      'holds no shard manifests (framewise-manifest.shard-I-of-N.json); run framewise predict --shard I/N --out with this folder first',
    )
  const counts = [...new Set(found.map((f) => Number(f.m[2])))].sort((a, b) => a - b)
  if (counts.length > 1)
    throw new DataError(
      dir,
      `holds shards of ${counts.join(' and of ')}; delete the manifests of the split you no longer use and merge again`,
    )
  const count = counts[0]
  const byIndex = new Map(found.map((f) => [Number(f.m[1]), f.name]))
  const shards: { file: string; manifest: ShardManifest }[] = []
  for (let i = 0; i < count; i++) {
    const name = byIndex.get(i)
    const file = path.join(dir, name ?? shardManifestName({ index: i, count }))
    if (name === undefined)
      throw new DataError(
        file,
        `is missing: shard ${i} of ${count} has not run; run framewise predict --shard ${i}/${count} --resume with the same --out and merge again`,
      )
    shards.push({ file, manifest: await readShardManifest(file, i, count) })
  }
  const first = shards[0].manifest
  for (const { file, manifest: m } of shards) {
    const other = (what: string) =>
      new DataError(
        file,
        `was made with ${what} than ${path.basename(shards[0].file)}; rerun this shard with the same model, inputs and options (or delete the stale manifests)`,
      )
    if (m.modelSha256 !== first.modelSha256) throw other('another model')
    if (m.shard.filesSha256 !== first.shard.filesSha256 || m.shard.inputs !== first.shard.inputs)
      throw other('another list of inputs')
    if (
      m.shard.settingsSha256 !== first.shard.settingsSha256 ||
      m.labelFormat !== first.labelFormat
    )
      throw other('other options')
    if (m.state !== 'finished')
      throw new DataError(
        file,
        `did not finish (state ${m.state}); rerun framewise predict --shard ${m.shard.index}/${count} --resume and merge again`,
      )
  }
  const total = first.shard.inputs
  const slots = new Array<unknown>(total)
  for (const { file, manifest: m } of shards)
    m.shard.positions.forEach((p, k) => {
      if (slots[p] !== undefined)
        throw new DataError(file, `lists input ${p} that another shard lists too`)
      slots[p] = m.files[k]
    })
  const gap = slots.findIndex((s) => s === undefined)
  if (gap >= 0)
    throw new DataError(
      shards[0].file,
      `no shard lists input ${gap} of ${total}; rerun the shards and merge again`,
    )
  // A single run's fields in its order; `updated` is the last shard's.
  const { shard: _shard, ...fields } = first
  void _shard
  const updated = shards.map((s) => s.manifest.updated).sort(byPath)[shards.length - 1]
  return {
    manifest: { ...fields, state: 'finished', updated, inputs: total, files: slots },
    shards: shards.map((s) => s.file),
  }
}

async function readShardManifest(file: string, index: number, count: number) {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw fileError(file, err)
  }
  let m: ShardManifest
  try {
    m = JSON.parse(text) as ShardManifest
  } catch {
    throw new DataError(file, 'is not JSON; rerun its shard with --resume')
  }
  const s = m?.shard
  const ok =
    m?.format === 'framewise-predict-manifest' &&
    Array.isArray(m.files) &&
    s !== null &&
    typeof s === 'object' &&
    Array.isArray(s.positions) &&
    s.positions.length === m.files.length &&
    s.positions.every((p) => Number.isInteger(p) && p >= 0 && p < s.inputs)
  if (!ok)
    throw new DataError(
      file,
      'is not a shard manifest of framewise predict --shard; rerun its shard with --resume',
    )
  if (s.index !== index || s.count !== count)
    throw new DataError(
      file,
      `says shard ${s.index} of ${s.count}, not ${index} of ${count} as its name; rerun its shard`,
    )
  return m
}
