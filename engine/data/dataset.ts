/**
 * Dataset assembly: labelled files → per-file features + frame labels, split into training and
 * validation *by file* or by group of files (seeded, data/groups.ts), with global normalisation statistics computed on the training
 * files only (so validation measures generalisation to unseen recordings honestly).
 */
import type { Segment } from '../api'
import { DataError } from '../errors'
import { extractFileFeatures, type FeatureMatrix } from '../features/extract'
import { audioFileInfo } from '../media/audio/file-info'
import { RunningStats, standardize } from '../features/normalize'
import { IGNORE, segmentsToFrames } from '../labels/segments'
import type { FeatureSpec } from '../features/spec'
import { Rng } from '../../models/rng'
import { multiHotTargets, multiLabelClasses } from './multi-hot'
import { splitByGroup, type GroupSplit } from './groups'
import type { Sequence, TrainData } from './sequences'
import {
  cachedRows,
  featureCacheKey,
  readCachedFrames,
  readRows,
  writeCachedFeatures,
} from './feature-cache'

/** Where a file's labels come from: segments in seconds, or one label per CSV row. */
export type LabelSource =
  { kind: 'segments'; segments: Segment[] } | { kind: 'rows'; labels: (string | null)[] }

export interface DataFile {
  /** Display name (relative path). */
  name: string
  /** Absolute path of the media file. */
  path: string
  labels: LabelSource
  /** Rows per second of a CSV series without a time column (the media's setting). */
  seriesRate?: number
}

/** How label names map to model classes. */
export interface ClassMap {
  /** Model classes in output order. */
  names: string[]
  /** Class of frames no segment covers, or null: such frames are ignored (partial labelling). */
  background: string | null
  /** Labels whose frames never count (not model classes). */
  ignore: string[]
}

/**
 * Frame labels by the frame-centre rule (labels/segments.ts): frame t gets the label of the
 * segment containing its centre time (the segment starting last wins where segments overlap),
 * else the background class, else −1 (ignored). Labels in `ignore` give −1.
 */
export function frameLabels(
  segments: Segment[],
  frameTimes: Float64Array,
  classes: ClassMap,
  file: string,
): Int32Array {
  // Ignore-labels are mapped as extra classes, then to −1, so they still cover their frames.
  const all = [...classes.names, ...classes.ignore]
  let out: Int32Array
  try {
    out = segmentsToFrames(
      segments,
      frameTimes,
      all,
      classes.background === null ? { partial: true } : { background: classes.background },
    )
  } catch (err) {
    throw new DataError(
      file,
      `${(err as Error).message.replace(/^label "(.*)" is not a class/, "unknown label class '$1'")}`,
    )
  }
  for (let t = 0; t < out.length; t++) if (out[t] >= classes.names.length) out[t] = IGNORE
  return out
}

/** Per-row labels (CSV label column) → frame labels: each frame takes its centre row's label. */
export function rowFrameLabels(
  rows: (string | null)[],
  frames: number,
  hop: number,
  frameLength: number,
  classes: ClassMap,
  file: string,
): Int32Array {
  const index = new Map(classes.names.map((n, i) => [n, i]))
  const fill = classes.background === null ? -1 : (index.get(classes.background) ?? -1)
  const out = new Int32Array(frames)
  for (let t = 0; t < frames; t++) {
    const row = Math.min(rows.length - 1, t * hop + Math.floor((frameLength - 1) / 2))
    const label = rows[row]
    if (label === null || label === '') out[t] = fill
    else if (classes.ignore.includes(label)) out[t] = -1
    else {
      const k = index.get(label)
      if (k === undefined)
        throw new DataError(file, `unknown label class '${label}' in row ${row + 1}`)
      out[t] = k
    }
  }
  return out
}

/** Indices of the validation files: a seeded shuffle; at least one file on each side when possible. */
export function splitByFile(
  n: number,
  valFraction: number,
  seed: number,
): { train: number[]; val: number[] } {
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i))
  let nVal = Math.round(valFraction * n)
  if (valFraction > 0 && n >= 2) nVal = Math.min(n - 1, Math.max(1, nVal))
  else nVal = 0
  const val = order.slice(0, nVal).sort((a, b) => a - b)
  const train = order.slice(nVal).sort((a, b) => a - b)
  return { train, val }
}

export interface AssembleOptions {
  seed: number
  valFraction: number
  /** Cache folder for base features. */
  cacheDir?: string
  /**
   * Keep the training features on disk in this folder (data/feature-cache.ts) instead of the
   * heap: the sequences then read their rows through `rows`, with the same numbers.
   */
  featureCache?: string
  signal?: AbortSignal
  onProgress?: (fraction: number, message: string) => void
  /**
   * Multi-hot targets for a multi-label (sigmoid) model (data/multi-hot.ts: overlapping segments
   * all count); its classes are then every class but the background.
   */
  multiLabel?: boolean
  /**
   * Split by group instead of by file (data/groups.ts): each file's group, in the order of the
   * files, the group-by setting and where the data lives (for the refusal of a single group).
   */
  groups?: { of: string[]; by: string; root: string }
  /**
   * Which channels of an audio file are examples (the training setting `channels`): 'mix' (their
   * average), a channel (1-based), or 'each' (every channel a sequence of its own). Absent: the
   * feature spec's channel. Annotations with a channel label count on that channel only.
   */
  channels?: TrainChannels
}

/** The training setting `channels` (engine/train/settings.ts). */
export type TrainChannels = 'mix' | 'each' | number

/**
 * The channels of `f` to make examples of (1-based; 'mix'), for the feature spec's `channel`
 * (0-based or 'mix') and the `channels` setting; a channel the file lacks is refused.
 */
async function channelsOf(
  f: DataFile,
  specChannel: 'mix' | number,
  setting: TrainChannels | undefined,
): Promise<('mix' | number)[]> {
  // no setting: the spec's channel, as before this setting (no header to read)
  if (setting === undefined) return [specChannel === 'mix' ? 'mix' : specChannel + 1]
  const chosen = setting
  if (chosen === 'mix') return ['mix']
  const count = (await audioFileInfo(f.path)).channels
  if (chosen === 'each') return Array.from({ length: count }, (_, i) => i + 1)
  if (chosen > count)
    throw new DataError(
      f.name,
      `has ${count} channel${count === 1 ? '' : 's'}, and training was asked for channel ${chosen}; choose a channel from 1 to ${count}, the mix, or each channel`,
    )
  return [chosen]
}

/** The segments that hold on channel `c` (1-based): those without a channel label, and c's. */
export function onChannel(segments: readonly Segment[], c: 'mix' | number): Segment[] {
  return c === 'mix' ? [...segments] : segments.filter((s) => (s.channel ?? c) === c)
}

export interface AssembledData {
  data: TrainData
  /** The spec the model must carry: with the training set's mean/std when normalisation is global. */
  spec: FeatureSpec
  /** The files on each side; `groups` when the split was made by group. */
  files: { train: string[]; val: string[]; groups?: GroupSplit }
}

export async function assembleDataset(
  files: DataFile[],
  spec: FeatureSpec,
  classes: ClassMap,
  opts: AssembleOptions,
): Promise<AssembledData> {
  if (files.length === 0) throw new DataError('dataset', 'no labelled files to train on')
  const global = spec.normalization.mode === 'global'
  const extractSpec = (global ? { ...spec, normalization: { mode: 'none' } } : spec) as FeatureSpec
  // split first: a group-by that cannot split is refused before features are computed
  const split: { train: number[]; val: number[]; split?: GroupSplit } = opts.groups
    ? splitByGroup(opts.groups.of, opts.valFraction, opts.seed, opts.groups)
    : splitByFile(files.length, opts.valFraction, opts.seed)
  if (opts.channels !== undefined && extractSpec.kind !== 'audio')
    throw new DataError(
      'dataset',
      `the channels setting (${opts.channels}) is for audio; a CSV series chooses its channels in the feature settings`,
    )
  // every file's sequences (one per channel trained on), so a file's channels share its side
  const perFile: Sequence[][] = []
  const onDisk = opts.featureCache
  // on disk: each sequence's cache file and width
  const stored = new Map<Sequence, { key: string; F: number }>()
  for (let i = 0; i < files.length; i++) {
    const f = files[i]
    opts.signal?.throwIfAborted()
    const base = i / files.length
    const chans =
      extractSpec.kind === 'audio'
        ? await channelsOf(f, extractSpec.channel, opts.channels)
        : (['mix'] as const)
    const mine: Sequence[] = []
    for (const [k, c] of chans.entries()) {
      const at = base + k / chans.length / files.length
      const fileSpec =
        extractSpec.kind === 'audio'
          ? ({ ...extractSpec, channel: c === 'mix' ? 'mix' : c - 1 } as FeatureSpec)
          : extractSpec
      const key = onDisk ? await featureCacheKey(f.path, fileSpec, f.seriesRate) : ''
      const cached = onDisk ? await readCachedFrames(onDisk, key) : null
      const m: FeatureMatrix | NonNullable<typeof cached> =
        cached ??
        (await extractFileFeatures(f.path, fileSpec, {
          seriesRate: f.seriesRate,
          cacheDir: opts.cacheDir,
          signal: opts.signal,
          onProgress: (p) =>
            opts.onProgress?.(at + p / chans.length / files.length, `features of ${f.name}`),
        }))
      const width = 'data' in m ? m.data.length / Math.max(1, m.frames) : m.F
      if (onDisk && 'data' in m) await writeCachedFeatures(onDisk, key, m.data, m.frameTimes, width)
      const segments = f.labels.kind === 'segments' ? onChannel(f.labels.segments, c) : []
      const labels =
        f.labels.kind === 'segments'
          ? frameLabels(segments, m.frameTimes, classes, f.name)
          : rowFrameLabels(
              f.labels.labels,
              m.frames,
              spec.hopLength,
              spec.frameLength,
              classes,
              f.name,
            )
      const targets =
        opts.multiLabel && f.labels.kind === 'segments'
          ? multiHotTargets(segments, m.frameTimes, classes, f.name)
          : undefined
      const name = opts.channels === 'each' ? `${f.name} (channel ${c})` : f.name
      const seq: Sequence = {
        name,
        x: 'data' in m && !onDisk ? m.data : new Float32Array(0),
        labels,
        ...(targets ? { targets } : {}),
      }
      if (onDisk) stored.set(seq, { key, F: width })
      mine.push(seq)
    }
    perFile.push(mine)
  }
  const sequences = perFile.flat()
  const F = onDisk
    ? stored.get(sequences[0])!.F
    : sequences[0].x.length / Math.max(1, sequences[0].labels.length)
  const train = split.train.flatMap((i) => perFile[i])
  const val = split.val.flatMap((i) => perFile[i])
  // the model reads the channel it learned; one trained on each channel reads the mix
  let finalSpec =
    spec.kind === 'audio' && opts.channels !== undefined
      ? ({
          ...spec,
          channel: typeof opts.channels === 'number' ? opts.channels - 1 : 'mix',
        } as FeatureSpec)
      : spec
  let norm: { mean: number[]; std: number[] } | undefined
  if (global) {
    const stats = new RunningStats(F)
    // on disk too each training file is added whole, in the same order: the same sums
    for (const s of train) {
      const x = onDisk ? unnormalized(onDisk, stored.get(s)!.key, s.labels.length, F) : s.x
      stats.add(x, s.labels.length)
    }
    const { mean, std } = stats.result()
    norm = { mean, std }
    if (!onDisk) for (const s of sequences) s.x = standardize(s.x, F, mean, std)
    finalSpec = { ...finalSpec, normalization: { mode: 'global', mean, std } } as FeatureSpec
  }
  if (onDisk)
    for (const s of sequences) {
      const { key, F: width } = stored.get(s)!
      s.rows = cachedRows(onDisk, key, s.labels.length, width, norm)
    }
  const hop = spec.kind === 'audio' ? spec.hopLength / spec.sampleRate : undefined
  return {
    data: {
      F,
      classes: opts.multiLabel ? multiLabelClasses(classes) : classes.names,
      train,
      val,
      ...(opts.multiLabel && hop ? { frameHop: hop } : {}),
    },
    spec: finalSpec,
    files: {
      train: split.train.map((i) => files[i].name),
      val: split.val.map((i) => files[i].name),
      ...(split.split ? { groups: split.split } : {}),
    },
  }
}

/** A cached file's rows as stored (before any global standardisation). */
function unnormalized(dir: string, key: string, frames: number, F: number): Float32Array {
  return readRows(cachedRows(dir, key, frames, F), 0, frames, new Float32Array(frames * F))
}
