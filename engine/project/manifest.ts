/**
 * framewise.json: the project manifest. One zod schema is the format's definition; the format
 * version lets a newer Framewise refuse nothing it can read and an older one refuse, clearly,
 * what it cannot (it never overwrites a manifest it did not fully understand).
 */
import { z } from 'zod'
import { LabelClassSchema, SegmentSchema, TierSchema } from '../api'
import { DEFAULT_TIER_NAME } from '../labels/tiers'

export const MANIFEST_FILE = 'framewise.json'
export const LABELS_DIR = 'labels'
/**
 * The newest manifest format this build reads and writes. 2: the project's label files may hold
 * tiers (label format 2); a version-1 manifest opens unchanged and is raised to 2 by the first
 * label save (store.ts), so a Framewise of before tiers refuses the project instead of taking
 * its label files for damaged ones.
 */
export const FORMAT_VERSION = 2

export const MediaRecordSchema = z.object({
  /** Path of the media file relative to the project folder, '/'-separated. */
  path: z.string().min(1),
  /** 'audio' (WAV/FLAC/MP3/OGG) or 'series' (CSV). */
  kind: z.enum(['audio', 'series']),
  /** Label file relative to the project folder, e.g. labels/<stem>.labels.json. */
  labels: z.string().min(1),
  /**
   * File-level class for clip classification ('which species', 'usable'); absent = unset.
   * The clip classes are the distinct values over the project's files (no separate list).
   */
  clipClass: z.string().trim().min(1).max(100).optional(),
  /** The user has checked this file's labels (e.g. after accepting and correcting predictions). */
  reviewed: z.boolean().optional(),
  /**
   * Rows per second of a CSV time series without a time column, as the user gave it; every
   * read of the file (view, features, training, prediction) places its rows by it.
   */
  seriesRate: z.number().finite().positive().max(1e9).optional(),
  /**
   * The source this file shares with others (site, recorder, individual, session); training
   * with `groupBy: 'manifest'` keeps each group on one side of the validation split.
   */
  group: z.string().trim().min(1).max(200).optional(),
})
export type MediaRecord = z.infer<typeof MediaRecordSchema>

export const ManifestSchema = z.object({
  format: z.literal('framewise-project'),
  version: z.number().int().min(1).max(FORMAT_VERSION),
  name: z.string(),
  classes: z.array(LabelClassSchema).min(1),
  /**
   * 'complete': every unlabelled frame belongs to the background class.
   * 'partial': unlabelled frames are ignored by training and metrics.
   */
  labelling: z.enum(['complete', 'partial']).default('complete'),
  /** Feature settings (a FeatureSpec); empty means the defaults. */
  features: z.record(z.string(), z.unknown()).default({}),
  media: z.array(MediaRecordSchema),
  /** Versions of each label file kept in .framewise-history/ (default 10). */
  keepVersions: z.number().int().min(1).max(1000).optional(),
})
export type Manifest = z.infer<typeof ManifestSchema>

/**
 * The newest label file format this build reads and writes: 2 holds tiers; 1 (one list of
 * segments) reads as one exclusive tier and is rewritten as 2 by the next save, which keeps the
 * version-1 file beside it (labels-store.ts, `V1_BACKUP`).
 */
export const LABEL_FORMAT_VERSION = 2

/** A version-1 label file: one list of segments. */
const LabelFileV1Schema = z.object({
  format: z.literal('framewise-labels'),
  version: z.literal(1),
  /** The media file these labels belong to (relative to the project). */
  media: z.string(),
  /** Increases by one with every save. */
  revision: z.number().int().nonnegative(),
  segments: z.array(SegmentSchema),
})

/** A label file: `labels/<stem>.labels.json`. */
export const LabelFileSchema = z.object({
  format: z.literal('framewise-labels'),
  version: z.literal(LABEL_FORMAT_VERSION),
  /** The media file these labels belong to (relative to the project). */
  media: z.string(),
  /** Increases by one with every save. */
  revision: z.number().int().nonnegative(),
  /** At least one; names unique; exclusive tiers without overlaps (labels/tiers.ts). */
  tiers: z.array(TierSchema).min(1),
})
export type LabelFile = z.infer<typeof LabelFileSchema>

/**
 * A label file of any version this build reads, as the current format, and the version it was
 * written in; a newer version is refused in one line saying to update (the caller adds the file).
 */
export function labelFileOf(raw: unknown): { labels: LabelFile; version: number } {
  const version = (raw as { version?: unknown } | null)?.version
  if (typeof version === 'number' && version > LABEL_FORMAT_VERSION)
    throw new NewerFormatError(
      `written by a newer Framewise (format ${version}; this build reads up to ${LABEL_FORMAT_VERSION}); update Framewise to open it`,
    )
  if (version === 1) {
    const v1 = LabelFileV1Schema.parse(raw)
    return {
      version: 1,
      labels: {
        format: v1.format,
        version: LABEL_FORMAT_VERSION,
        media: v1.media,
        revision: v1.revision,
        tiers: [{ name: DEFAULT_TIER_NAME, kind: 'exclusive', segments: v1.segments }],
      },
    }
  }
  return { version: LABEL_FORMAT_VERSION, labels: LabelFileSchema.parse(raw) }
}

/** A file written by a newer Framewise: never read as damaged, never written over. */
export class NewerFormatError extends Error {}

/**
 * Defaults for a new project: one class to label with and a background class, because most
 * users label events in a recording that is otherwise "nothing of interest".
 */
export function newManifest(name: string): Manifest {
  return {
    format: 'framewise-project',
    version: FORMAT_VERSION,
    name,
    classes: [
      { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
      { name: 'event', color: '#e6550d', hotkey: 1, role: 'class' },
    ],
    labelling: 'complete',
    features: {},
    media: [],
  }
}

/** Parse manifest text; throws a message naming the problem (the caller adds the file). */
export function parseManifest(text: string): Manifest {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`)
  }
  if (typeof raw === 'object' && raw !== null) {
    const { format, version } = raw as { format?: unknown; version?: unknown }
    if (format !== 'framewise-project')
      throw new Error('not a Framewise project manifest (no "format": "framewise-project")')
    if (typeof version === 'number' && version > FORMAT_VERSION)
      throw new Error(
        `written by a newer Framewise (format version ${version}; this build reads up to ${FORMAT_VERSION}); update Framewise to open it`,
      )
  }
  const parsed = ManifestSchema.safeParse(raw)
  if (!parsed.success) throw new Error(`invalid manifest: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}
