/**
 * THE contract between the renderer and the engine, served two ways (Electron IPC and the
 * browser-mode WebSocket) by one implementation (service.ts).
 *
 * Every request is one method: a zod schema for its parameters (validated at the boundary, in
 * service.ts) and a TypeScript type for its result. Long work (decoding, features, training,
 * prediction) takes a client-chosen `jobId`: the engine emits `progress` events tagged with it
 * until the request settles, and `cancelJob({ jobId })` aborts it (the request then fails with
 * code 'cancelled'). The renderer imports this file with `import type` only.
 */
import { z } from 'zod'
import { featureSpecSchema, type FeatureSpec } from './features/spec'
import type { LabelTablePreview } from './labels/csv'
import { TIME_UNITS } from './labels/csv-columns'
import { LABEL_FORMATS, type LabelFormatName, WRITABLE_LABEL_FORMATS } from './labels/format-list'
import { TIER_KINDS, type TierKind } from './labels/tiers'
import type { MediaKind } from './media/kinds'
import { trainSettingsSchema, type SettingExclusion, type TrainSettings } from './train/settings'

// ---------------------------------------------------------------------------------------------
// Shared value types

/** A labelled stretch of a media file, in seconds. */
export const SegmentSchema = z
  .object({
    /** Start time in seconds (≥ 0). */
    start: z.number().finite().nonnegative(),
    /** End time in seconds (≥ start; start = end is a point label). */
    end: z.number().finite().nonnegative(),
    /** Class name; must be one of the project's classes. */
    label: z.string().min(1).max(200),
    /** Lower frequency bound in Hz (an Audacity spectral selection, a Raven box), when known. */
    lowFreq: z.number().finite().nonnegative().optional(),
    /** Upper frequency bound in Hz, when known. */
    highFreq: z.number().finite().nonnegative().optional(),
    /** Channel the label was drawn on (1-based; a Raven table's Channel), when not the first. */
    channel: z.number().int().min(1).max(1024).optional(),
    /** Other columns of the table it was read from (Raven measurements, notes), written back. */
    extra: z
      .record(z.string().max(200), z.string().max(2000))
      .refine((r) => Object.keys(r).length <= 200, { message: 'more than 200 extra columns' })
      .optional(),
  })
  .refine((s) => s.end >= s.start, { message: 'segment end is before its start' })
export type Segment = z.infer<typeof SegmentSchema>

/** One named layer of a file's labels (engine/labels/tiers.ts: its rules). */
export const TierSchema = z.object({
  /** Unique among the file's tiers ('species', 'call type'). */
  name: z.string().trim().min(1).max(200),
  /** 'exclusive': segments never overlap; 'overlapping': events may. */
  kind: z.enum(TIER_KINDS),
  segments: z.array(SegmentSchema).max(1_000_000),
})
export type Tier = z.infer<typeof TierSchema>
export type { TierKind }

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must look like #rrggbb')

/** One label class of a project. */
export const LabelClassSchema = z.object({
  /** Unique name, as written into label files. */
  name: z.string().trim().min(1).max(100),
  /** Display colour, #rrggbb. */
  color: colour,
  /** Digit 1–9 that selects this class while labelling, or null. */
  hotkey: z.number().int().min(1).max(9).nullable(),
  /** 'background' marks unlabelled frames' class; 'ignore' frames never count in loss or metrics. */
  role: z.enum(['class', 'background', 'ignore']).default('class'),
})
export type LabelClass = z.infer<typeof LabelClassSchema>

/** Where a file is in the labelling loop (engine/project/store.ts mediaStatus says how). */
export type MediaStatus = 'unlabelled' | 'predicted' | 'labelled' | 'reviewed'

/** What the renderer knows about one media file of the open project. */
export interface MediaEntry {
  /** Stable id inside the project (the path relative to the project folder, '/'-separated). */
  id: string
  /** Path relative to the project folder. */
  path: string
  /** 'audio' for WAV/FLAC/MP3/OGG, 'series' for CSV. */
  kind: 'audio' | 'series'
  /** Number of labelled segments. */
  segmentCount: number
  /** unlabelled / predicted (a saved prediction, no labels yet) / labelled / reviewed. */
  status: MediaStatus
  /** A model's prediction is saved for this file. */
  predicted?: boolean
  /** The user marked this file's labels as checked. */
  reviewed?: boolean
  /** Seconds, from a cheap header probe (absent when that cannot tell, e.g. MP3 not yet opened). */
  duration?: number
  /** File-level class for clip classification, when set. */
  clipClass?: string
  /** Rows per second the user gave a CSV series without a time column (setSeriesRate). */
  seriesRate?: number
  /**
   * What was wrong with the recording but read anyway, one sentence each (a data chunk cut off or
   * left unsized: how many seconds were read); unlike `problem`, the file is usable.
   */
  notes?: string[]
  /**
   * Why it cannot be used as is, when it cannot: its label file is damaged (restore a version),
   * or it lies outside the project and was not granted (add it again, or grant its folder).
   */
  problem?: string
}

/** What outside its folder the user granted the open project (real paths, sorted). */
export interface Grants {
  files: string[]
  folders: string[]
  /** Why the stored grants were ignored (the grants file is damaged), when they were. */
  problem?: string
}

/** The open project as the renderer sees it. */
export interface ProjectView {
  /** Absolute path of the project folder. */
  dir: string
  /** Display name. */
  name: string
  classes: LabelClass[]
  media: MediaEntry[]
  /**
   * Hop between feature frames under the project's feature settings (defaults when unset), the
   * step of the label editor's frame grid: audio in seconds, series in rows.
   */
  frameHop: { audio: number; seriesRows: number }
}

/** Waveform min/max of a window of an audio file, from the peaks pyramid level that fits. */
export interface PeaksWindow {
  /** Duration of the whole file in seconds. */
  duration: number
  sampleRate: number
  /** Channels of the file; the peaks are of the requested channel (or their mean). */
  channels: number
  /** Samples summarised by one bucket (a pyramid level: 256 · 4^k). */
  bucketSize: number
  /** Start time of the first bucket in seconds (at or before the requested start). */
  start: number
  /** bucketSize / sampleRate. */
  secondsPerBucket: number
  /** (buckets, 2): min then max of each bucket, in [-1, 1]. */
  minMax: number[]
}

/** Channels of a CSV time series over a window, min/max-decimated above the requested points. */
export interface SeriesWindow {
  /** Time of the last row plus one interval, seconds. */
  duration: number
  /** Rows per second (1 / median interval). */
  sampleRate: number
  /** Rows in the whole file. */
  rows: number
  /** Channel names, in the order of `values`. */
  channels: string[]
  /** [min, max] of each channel over the whole file, for stable y axes. */
  ranges: [number, number][]
  /** Row times in seconds, increasing. */
  times: number[]
  /** One array per channel, aligned with `times`. */
  values: number[][]
  /** What was read differently from the file as written (columns of text skipped), one line each. */
  warnings?: string[]
}

/** Where the page can stream a media file from (HTTP Range requests supported). */
export interface MediaSource {
  /** URL for an <audio> element: `/media?…` in browser mode (token in the query), `framewise-media://…` in Electron. */
  url: string
  /** MIME type from the extension. */
  mime: string
}

/** Window functions of the spectrogram's analysis frames. */
export const SPECTRO_WINDOWS = ['hann', 'hamming', 'blackman'] as const
export type SpectroWindow = (typeof SPECTRO_WINDOWS)[number]

/**
 * A spectrogram of a window of an audio file as an 8-bit image, one column per requested pixel
 * and one row per requested frequency pixel (engine/media/spectrogram.ts).
 */
export interface SpectrogramImage {
  /** The window, seconds. */
  start: number
  end: number
  /** Image width: one column per pixel, centred on it. */
  columns: number
  /** Image height: frequency rows from fMin (row 0) to fMax. */
  bands: number
  /** Row spacing: linear in Hz, or even on the mel scale. */
  scale: 'linear' | 'mel'
  fMin: number
  fMax: number
  /** Centre frequency of each row, Hz, row 0 lowest. */
  rowHz: number[]
  /** Analysis frame length, samples. */
  fftSize: number
  window: SpectroWindow
  /** Seconds between column centres. */
  hop: number
  /** Analysis frames whose power is averaged in one column (1 when zoomed in). */
  framesPerColumn: number
  /** Overlap of consecutive analysis frames as computed (≥ the requested one when zoomed in). */
  overlap: number
  /** Byte v is dbLo + v · dbStep dB re full scale (0: that or quieter). */
  dbLo: number
  dbStep: number
  /** The file's level (percentiles of a coarse pass over the whole file), the default dB range. */
  floorDb: number
  ceilingDb: number
  /** Channels of the file; the image is of `channel`. */
  channels: number
  channel: 'mix' | number
  /** (bands, columns) bytes, band 0 lowest, base64. */
  pixels: string
}

/** A feature spec's matrix over a window of one audio file, as an image (engine/features/preview.ts). */
export interface FeaturePreview {
  /** The window computed, seconds (at most 30 s from the requested start). */
  start: number
  end: number
  /** The requested window was longer than the one computed. */
  truncated: boolean
  /** The file's sample rate and the spec's, Hz. */
  fileSampleRate: number
  sampleRate: number
  /** Feature frames in the window; the image shows every (frames / columns)-th. */
  frames: number
  columns: number
  /** Feature dimensions (image rows, dimension 0 first) and their names. */
  dims: number
  names: string[]
  /** Seconds between column centres. */
  hop: number
  /** Byte 0 is `lo` and 255 is `hi` (the window's 1st and 99th percentiles). */
  lo: number
  hi: number
  /** (dims, columns) bytes, dimension 0 first, base64. */
  pixels: string
}

/** Label file formats of the data pipeline (engine/labels/formats.ts). */
export { LABEL_FORMATS, type LabelFormatName } from './labels/format-list'

/** Labels read from a file, not yet applied (the renderer applies them as one undoable edit). */
export interface ImportedLabels {
  /** Absolute path read. */
  file: string
  /** Every tier the file holds (one, 'labels', for the formats of one list). */
  tiers: Tier[]
  /** The segments of the tier asked for (`tier`), else of the first exclusive tier. */
  segments: Segment[]
  /** Labels of `segments` that are not classes of the project yet, in order of first use. */
  unknownClasses: string[]
  /** What the reader chose or left out (other tiers, skipped results), one line each. */
  notes: string[]
  /**
   * A table over several files (Raven `Begin File`, DCASE list, AudioSet, CSV file column): every
   * project recording it names, with its rows in seconds from that recording's start (`segments`
   * are those of `media`).
   */
  recordings?: Array<{ media: string; segments: Segment[] }>
  /** File names such a table gives that no recording of the project has. */
  missing?: string[]
}

/** What importLabelsToProject saved: one entry per recording the table names. */
export interface ProjectLabelImport {
  file: string
  saved: Array<{ media: string; count: number; revision: number }>
  /** File names the table gives that no recording of the project has. */
  missing: string[]
  /** Names several recordings have (not applied), one line each. */
  notes: string[]
}

/** How a CSV label table would be read (previewLabelTable), for the import dialog's mapping. */
export type { LabelTablePreview }

/** previewLabelTable's answer: the table as CSV would read it, and the format it will be read as. */
export interface LabelFilePreview extends LabelTablePreview {
  /**
   * What importLabels reads the file as when given no format (sniffed, else by its ending); 'csv'
   * for a delimited table with a start column that neither names (a .tsv); null when none fits.
   */
  format: LabelFormatName | null
}

/**
 * Which columns of a CSV label table hold what, by header name (or 1-based number for a table
 * without header): `end` or `duration`; `unit` of the time columns (samples use the rate).
 */
export const ColumnMappingSchema = z
  .object({
    start: z.string().trim().min(1).max(200).optional(),
    end: z.string().trim().min(1).max(200).optional(),
    duration: z.string().trim().min(1).max(200).optional(),
    label: z.string().trim().min(1).max(200).optional(),
    /** The column naming each row's recording (a table over several files). */
    file: z.string().trim().min(1).max(200).optional(),
    unit: z.enum(TIME_UNITS).optional(),
  })
  .strict()
  .refine((m) => m.end === undefined || m.duration === undefined, {
    message: 'map an end column or a duration column, not both',
  })
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>

/** A directory listing for the browser-mode path picker. */
export interface DirListing {
  dir: string
  parent: string | null
  /** Folders, and files with the kind of media each holds (null: not a media file Framewise reads). */
  entries: (
    { name: string; kind: 'dir' } | { name: string; kind: 'file'; media: MediaKind | null }
  )[]
}

/** The saved state of one media file's labels. */
export interface LabelsView {
  media: string
  /** Every tier of the file, in order (a file written before tiers reads as one exclusive tier). */
  tiers: Tier[]
  /** The segments of the default tier (the first exclusive one), for callers that know one tier. */
  segments: Segment[]
  /** Increases with every save; a save naming an older revision is refused (conflict). */
  revision: number
}

/** One stored earlier version of a label file (.framewise-history/). */
export interface LabelVersion {
  /** Pass to restoreLabelVersion. */
  id: string
  revision: number
  /** ISO 8601 time it was stored. */
  savedAt: string
  bytes: number
}

/** The stored versions of one media file's labels, newest first. */
export interface LabelVersions {
  media: string
  /** Absolute path of the label file. */
  file: string
  /** Why the current file cannot be read (damaged), or null when it is fine or not yet written. */
  problem: string | null
  versions: LabelVersion[]
}

/** A project file changed on disk by another program while the project is open. */
export interface ExternalChange {
  /** 'manifest': framewise.json (reloadProject or keepProject); 'labels': getLabels or save with force. */
  kind: 'manifest' | 'labels'
  /** The media file whose labels changed, for 'labels'. */
  media: string | null
  /** Absolute path of the changed file. */
  file: string
  /** The file was deleted. */
  deleted: boolean
}

// ---------------------------------------------------------------------------------------------
// Requests

const path = z.string().min(1).max(4096)
const mediaId = z.string().min(1).max(4096)
/** `run:<runId>` (a trained model) or `file:<name>` (an imported one). */
const modelId = z
  .string()
  .regex(/^(run|file):[\w.-]{1,200}$/, 'model ids look like run:<id> or file:<name>')
const jobId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'jobId must be 1–64 letters, digits, _ or -')

/**
 * Post-processing a prediction or evaluation uses instead of the model's own: for now Viterbi
 * decoding over the model's label transitions, on or off, and its transition weight λ
 * (engine/infer/postprocess.ts). Absent: the model's setting.
 */
const postprocessOverride = z
  .object({
    viterbi: z
      .object({ enabled: z.boolean(), weight: z.number().min(0).max(100) })
      .strict()
      .optional(),
  })
  .strict()

export const requestSchemas = {
  /** Create a project in an empty or new folder and open it. */
  createProject: z
    .object({ dir: path, name: z.string().trim().min(1).max(200).optional() })
    .strict(),
  /** Open an existing project folder. */
  openProject: z.object({ dir: path }).strict(),
  /** The open project, or null. */
  getProject: z.object({}).strict(),
  /** Add media files (absolute paths, or relative to the project) to the open project. */
  addMedia: z.object({ paths: z.array(path).min(1).max(10_000) }).strict(),
  /**
   * Grant the open project a whole folder outside it (recordings that live on an archive drive):
   * every file below it, once resolved through symlinks, becomes reachable. Kept across restarts.
   */
  grantFolder: z.object({ dir: path }).strict(),
  /** The files and folders outside the open project the user granted it. */
  listGrants: z.object({}).strict(),
  /** Take back a grant (a path as listGrants gives it); takes effect at once. */
  revokeGrant: z.object({ path }).strict(),
  /** Replace the project's label classes. */
  setClasses: z
    .object({ classes: z.array(LabelClassSchema).min(1).max(256) })
    .strict()
    .refine((r) => new Set(r.classes.map((c) => c.name)).size === r.classes.length, {
      message: 'class names must be unique',
    }),
  /** Set (a name) or clear (null) the file-level clip class of one media file. */
  setClipClass: z
    .object({ media: mediaId, clipClass: z.string().trim().min(1).max(100).nullable() })
    .strict(),
  setReviewed: z.object({ media: mediaId, reviewed: z.boolean() }).strict(),
  /** Set (rows per second) or clear (null) the rate of a CSV series that has no time column. */
  setSeriesRate: z
    .object({ media: mediaId, rate: z.number().finite().positive().max(1e9).nullable() })
    .strict(),
  /** Labels of one media file. */
  getLabels: z.object({ media: mediaId }).strict(),
  /** Save all labels of one media file (atomic). `baseRevision` guards against lost updates. */
  saveLabels: z
    .object({
      media: mediaId,
      /** Every tier of the file (replaces them all: add, rename, remove, edit). */
      tiers: z.array(TierSchema).min(1).max(100).optional(),
      /** Or the segments of one tier (`tier`, default the first exclusive one); the others stay. */
      segments: z.array(SegmentSchema).max(1_000_000).optional(),
      /** The tier `segments` replace (created exclusive when the file has none of that name). */
      tier: z.string().trim().min(1).max(200).optional(),
      baseRevision: z.number().int().nonnegative(),
      /** Keep this version over one changed on disk by another program (that one goes to the history). */
      force: z.boolean().optional(),
    })
    .strict()
    .refine((r) => (r.tiers === undefined) !== (r.segments === undefined), {
      message: 'give either tiers or segments',
    })
    .refine((r) => r.tiers === undefined || r.tier === undefined, {
      message: 'tier names the tier that segments replace; tiers replace them all',
    }),
  /** Stored earlier versions of a media file's labels (recovery of a damaged file). */
  listLabelVersions: z.object({ media: mediaId }).strict(),
  /** Make a stored version the current labels (saved as a new revision). */
  restoreLabelVersion: z
    .object({ media: mediaId, version: z.string().regex(/^\d{9}-\d{13}\.json$/) })
    .strict(),
  /** Re-read framewise.json after an external change ("reload"). */
  reloadProject: z.object({}).strict(),
  /** Write the open project's manifest over an externally changed framewise.json ("keep"). */
  keepProject: z.object({}).strict(),
  /** Waveform peaks of an audio file over [start, end) seconds at about `pixels` buckets. */
  getPeaks: z
    .object({
      media: mediaId,
      start: z.number().finite().nonnegative(),
      end: z.number().finite().nonnegative(),
      pixels: z.number().int().min(1).max(65_536),
      /** 'mix' (default: the mean of the channels) or a channel index. */
      channel: z.union([z.literal('mix'), z.number().int().min(0).max(255)]).optional(),
      jobId,
    })
    .strict()
    .refine((r) => r.end >= r.start, { message: 'end is before start' }),
  /** Channels of a CSV series over [start, end) seconds, at most about `points` points each. */
  getSeries: z
    .object({
      media: mediaId,
      start: z.number().finite().nonnegative(),
      end: z.number().finite().nonnegative(),
      points: z.number().int().min(2).max(200_000),
      jobId,
    })
    .strict()
    .refine((r) => r.end >= r.start, { message: 'end is before start' }),
  /** Spectrogram image of an audio file over [start, end] seconds (SpectrogramImage). */
  getSpectrogram: z
    .object({
      media: mediaId,
      start: z.number().finite().nonnegative(),
      end: z.number().finite().nonnegative(),
      /** Pixels across: one column each. */
      columns: z.number().int().min(1).max(4096),
      /** Pixels high: one frequency row each. */
      bands: z.number().int().min(8).max(1024),
      /** Row spacing (default linear). */
      scale: z.enum(['linear', 'mel']).optional(),
      /** Frame length, a power of two (default: nearest to 25 ms). */
      fftSize: z
        .number()
        .int()
        .min(64)
        .max(32_768)
        .refine((n) => (n & (n - 1)) === 0, {
          message: 'fftSize must be a power of two',
        })
        .optional(),
      window: z.enum(SPECTRO_WINDOWS).optional(),
      /** Least overlap of consecutive frames, 0 … 0.95 (default 0.5). */
      overlap: z.number().min(0).max(0.95).optional(),
      /** Frequency range shown, Hz (default 0 … Nyquist). */
      fMin: z.number().finite().nonnegative().optional(),
      fMax: z.number().finite().positive().optional(),
      /** 'mix' (default) or a channel index. */
      channel: z.union([z.literal('mix'), z.number().int().min(0).max(255)]).optional(),
      jobId,
    })
    .strict()
    .refine((r) => r.end > r.start, { message: 'end must be after start' })
    .refine((r) => r.fMin === undefined || r.fMax === undefined || r.fMax > r.fMin, {
      message: 'fMax must be above fMin',
    }),
  /** The features `features` (default: the project's) give over [start, end] of an audio file. */
  previewFeatures: z
    .object({
      media: mediaId,
      start: z.number().finite().nonnegative(),
      end: z.number().finite().nonnegative(),
      features: featureSpecSchema.optional(),
      jobId,
    })
    .strict()
    .refine((r) => r.end > r.start, { message: 'end must be after start' }),
  /** A URL the page can play an audio file of the project from. */
  getMediaSource: z.object({ media: mediaId }).strict(),
  /** Read a label file (absolute, or relative to the project) for one media file; saves nothing. */
  importLabels: z
    .object({
      media: mediaId,
      path,
      format: z.enum(LABEL_FORMATS).optional(),
      /** CSV: which column is which, when the header does not say (previewLabelTable shows it). */
      mapping: ColumnMappingSchema.optional(),
      /** The one class of a table without a label column (CSV, Raven). */
      label: z.string().trim().min(1).max(200).optional(),
      /** Raven: the label column, when the table has several. */
      labelColumn: z.string().trim().min(1).max(200).optional(),
      /** Sample rate (Hz) for times in samples; default the recording's own. */
      rate: z.number().finite().positive().max(10_000_000).optional(),
      /** TextGrid / ELAN: the tier to read (default: the first interval / time-aligned one). */
      tier: z.string().min(1).max(200).optional(),
      /** Label Studio: frames per second of a video timeline whose export does not say. */
      frameRate: z.number().finite().positive().max(100_000).optional(),
    })
    .strict(),
  /** A CSV label table's columns, first rows, and the mapping Framewise would read it with. */
  /**
   * A table over several recordings (DCASE/TUT list, AudioSet strong labels, a CSV with a file
   * column, a multi-file Raven table): each project recording it names gets the table's rows as
   * its labels (one save each, revision-checked; the labels it had stay in its history). Refused,
   * saving nothing, while a label is not a class of the project.
   */
  importLabelsToProject: z
    .object({
      path,
      format: z.enum(LABEL_FORMATS).optional(),
      mapping: ColumnMappingSchema.optional(),
      label: z.string().trim().min(1).max(200).optional(),
      labelColumn: z.string().trim().min(1).max(200).optional(),
      rate: z.number().finite().positive().max(10_000_000).optional(),
      /** The tier of each recording the rows go to (default: its first exclusive one). */
      tier: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  previewLabelTable: z.object({ path }).strict(),
  /** Write the saved labels of a media file to `path` (format from its extension unless given). */
  exportLabels: z
    .object({
      media: mediaId,
      path,
      format: z.enum(WRITABLE_LABEL_FORMATS).optional(),
      overwrite: z.boolean().optional(),
      /**
       * The tier to write (default: every tier in TextGrid, ELAN and JSON, which hold several; the
       * first exclusive tier in the formats of one list, such as an Audacity label track).
       */
      tier: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  /** Abort a running job; unknown or finished jobs are ignored. */
  cancelJob: z.object({ jobId }).strict(),
  /** List a directory (browser-mode path picker). */
  listDir: z.object({ dir: path }).strict(),
  /**
   * Train a model on the project's labelled files (a long job; `training` events carry the
   * curves). Omitted settings take their defaults (`trainingDefaults`); settings that exclude
   * each other are refused. `resume` continues a run from its last checkpoint.
   */
  train: z
    .object({
      jobId,
      settings: trainSettingsSchema.strict().optional(),
      features: featureSpecSchema.optional(),
      resume: z
        .string()
        .regex(/^[\w-]{1,100}$/)
        .optional(),
    })
    .strict(),
  /** Every training setting's default, and the settings that exclude each other. */
  trainingDefaults: z.object({}).strict(),
  /** The label formats Framewise reads, which it writes, and the ending it gives a file it names. */
  labelFormats: z.object({}).strict(),
  /** The project's training runs, oldest first. */
  listRuns: z.object({}).strict(),
  /** Trained and imported models of the project. */
  listModels: z.object({}).strict(),
  /**
   * Import an ONNX model trained elsewhere; `features` and `classes` are needed when the file
   * carries none. It is checked (input/output shapes vs features and classes) before copying.
   */
  importModel: z
    .object({
      path,
      features: featureSpecSchema.optional(),
      classes: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
      output: z.enum(['probabilities', 'logits']).optional(),
    })
    .strict(),
  /** Copy a model (and its card) to a .onnx path the user chose. */
  exportModel: z
    .object({
      model: modelId,
      path,
      /** Put the FeatureSpec's front end in the graph: the copy takes mono samples, not features. */
      withFeatures: z.boolean().optional(),
    })
    .strict(),
  /** Run a model on one media file (a job); the prediction is saved with the project. */
  predict: z
    .object({ jobId, model: modelId, media: mediaId, postprocess: postprocessOverride.optional() })
    .strict(),
  /** The saved prediction of a media file, or null. */
  getPrediction: z.object({ media: mediaId }).strict(),
  /** Keep which segments of a file's saved prediction (`model`, `created`) the user rejected. */
  setRejected: z
    .object({
      media: mediaId,
      model: modelId,
      created: z.string().max(100),
      rejected: z.array(z.number().int().min(0)).max(1_000_000),
    })
    .strict(),
  /** Score a model on the project's labelled files (a job): frame and event metrics, per file. */
  evaluate: z
    .object({
      jobId,
      model: modelId,
      collar: z.number().min(0).max(10).optional(),
      postprocess: postprocessOverride.optional(),
      /** 'validation' (default): the model's validation files; 'all': every labelled file. */
      files: z.enum(['validation', 'all']).optional(),
      /** Also score files whose labels include accepted predictions not marked reviewed. */
      includeUnreviewed: z.boolean().optional(),
    })
    .strict(),
  /** Give a model a name of the user's (empty: back to the default name). */
  renameModel: z.object({ model: modelId, name: z.string().max(200) }).strict(),
  /** Projects opened lately, newest first (kept per user, not per project). */
  recentProjects: z.object({}).strict(),
}

export type RequestName = keyof typeof requestSchemas
export type Params<M extends RequestName> = z.input<(typeof requestSchemas)[M]>

/** Result type of each request. */
export interface Results {
  createProject: ProjectView
  openProject: ProjectView
  getProject: ProjectView | null
  addMedia: ProjectView
  grantFolder: Grants
  listGrants: Grants
  revokeGrant: Grants
  setClasses: ProjectView
  setClipClass: ProjectView
  setReviewed: ProjectView
  setSeriesRate: ProjectView
  getLabels: LabelsView
  saveLabels: LabelsView
  listLabelVersions: LabelVersions
  restoreLabelVersion: LabelsView
  reloadProject: ProjectView
  keepProject: ProjectView
  getPeaks: PeaksWindow
  getSeries: SeriesWindow
  getSpectrogram: SpectrogramImage
  previewFeatures: FeaturePreview
  getMediaSource: MediaSource
  importLabels: ImportedLabels
  importLabelsToProject: ProjectLabelImport
  previewLabelTable: LabelFilePreview
  exportLabels: { file: string; format: LabelFormatName; count: number }
  cancelJob: { cancelled: boolean }
  listDir: DirListing
  train: RunView
  trainingDefaults: {
    settings: TrainSettings
    exclusions: SettingExclusion[]
    /** The feature spec training uses unless the form sends another: the project's, or the default. */
    features: FeatureSpec
  }
  labelFormats: {
    name: LabelFormatName
    title: string
    writable: boolean
    suffix: string
    /** It holds every tier of a file (TextGrid, ELAN, JSON); the others one tier each. */
    tiers: boolean
  }[]
  listRuns: RunView[]
  listModels: ModelView[]
  importModel: ModelView
  exportModel: { model: string; card: string }
  predict: PredictionView
  getPrediction: PredictionView | null
  setRejected: PredictionView
  evaluate: EvaluationView
  renameModel: ModelView
  recentProjects: RecentProject[]
}

export const requestNames = Object.keys(requestSchemas) as RequestName[]

// ---------------------------------------------------------------------------------------------
// Events (engine → renderer), as tuple maps

/** Progress of a long job. */
export interface Progress {
  jobId: string
  /** 0..1, or null when unknown. */
  fraction: number | null
  /** What is being done, for the status line. */
  message: string
}

/** Scores of one training epoch. */
export interface EpochRecord {
  epoch: number
  /** Mean training loss over the epoch's steps. */
  trainLoss: number
  /** Validation loss, accuracy and macro-F1 (NaN, or null once stored, without validation files). */
  valLoss: number
  valAccuracy: number
  valMacroF1: number
  /** Wall-clock seconds of the epoch (training + validation). */
  seconds: number
  /** Training frames per second. */
  framesPerSecond: number
}

/** Progress of a training job after each step. */
export interface TrainProgress {
  epoch: number
  epochs: number
  step: number
  stepsPerEpoch: number
  /** Mean loss of the epoch so far. */
  loss: number
  framesPerSecond: number
  /** Estimated seconds until the last epoch ends. */
  etaSeconds: number
}

/** A training run as recorded in the project (runs/<id>/run.json). */
export interface RunView {
  id: string
  status: 'running' | 'done' | 'cancelled' | 'failed'
  startedAt: string
  finishedAt: string | null
  durationSeconds: number
  /** The training settings, defaults filled in. */
  settings: Record<string, unknown>
  /** The FeatureSpec used. */
  features: unknown
  classes: string[]
  /** sha256 of the training data: equal hashes, equal data. */
  dataHash: string
  /** The files on each side; `groups` (group-by, groups on each side) when split by group. */
  files: { train: string[]; val: string[]; groups?: { by: string; train: string[]; val: string[] } }
  classWeights: number[]
  history: {
    epoch: number
    trainLoss: number | null
    valLoss: number | null
    valAccuracy: number | null
    valMacroF1: number | null
    seconds: number
    framesPerSecond: number
  }[]
  bestEpoch: number | null
  /** Model file in the run folder, once exported. */
  model: string | null
  error: string | null
}

/** A model of the project, trained here or imported. */
export interface ModelView {
  /** `run:<runId>` or `file:<name>`. */
  id: string
  source: 'trained' | 'imported'
  name: string
  /** Absolute path of the .onnx file. */
  file: string
  /** ISO 8601 time it was exported or imported. */
  created: string
  classes: string[]
  /** Its FeatureSpec, or null when unknown. */
  features: unknown
  /** Architecture of Framewise-trained taggers, null for external models. */
  tagger: {
    cell: string
    hiddenSize: number
    numLayers: number
    bidirectional: boolean
    parameters: number
    /** Self-attention before the output layer (absent: none). */
    attention?: { heads: number; window: number }
    /** The previous frame's label is an input, decoded frame by frame (absent: no). */
    outputRecurrence?: boolean
  } | null
  /** Its shipped post-processing (from the card; absent when it has none). */
  postprocess?: {
    medianFilter: number
    minDuration: number
    viterbi?: { enabled: boolean; weight: number }
  }
  /** It carries label transitions, so Viterbi post-processing can be switched on. */
  transitions?: boolean
  /** Validation metrics from its card. */
  metrics: Record<string, unknown>
  /** 'classify' for clip classifiers (one class per file), else 'tag'. */
  task?: 'tag' | 'classify'
  /** The tier of the labels it learned (its card's; absent: the first exclusive one). */
  tier?: string
  /** The name was given by the user (else it is made from task, cell and date). */
  renamed?: boolean
  /** Media ids its training run learned from and validated on (trained models whose run is recorded). */
  split?: { train: string[]; validation: string[] }
}

/** A project opened lately (recentProjects). */
export interface RecentProject {
  /** Absolute folder. */
  dir: string
  name: string
  /** ISO 8601 time it was last opened. */
  opened: string
}

/** A model's prediction for one media file: per-frame classes and confidences, and segments. */
export interface PredictionView {
  media: string
  model: string
  created: string
  classes: string[]
  /** Time of frame 0's centre, seconds. */
  start: number
  /** Seconds between frames. */
  hop: number
  /** Class index per frame (after the model's median filter). */
  labels: number[]
  /**
   * How sure the model is of each frame, 0..1: its highest class probability; for a multi-label
   * model its least sure class's distance from its threshold (infer/postprocess-multilabel.ts).
   */
  confidence: number[]
  /** Segments of the non-background classes after post-processing. */
  segments: Segment[]
  /**
   * A clip classifier's answer for the whole file (then labels, confidence and segments are
   * empty): the class, its probability, every class's probability, and the attention weights
   * per frame scaled so the largest is 1 (null for mean/max pooling).
   */
  clip?: { class: string; confidence: number; probabilities: number[]; weights: number[] | null }
  /** Indices of the segments the user rejected (Accept all skips them); absent: none. */
  rejected?: number[]
}

/** Precision, recall and F1 of one class. */
export interface ClassScoresView {
  label: string
  precision: number
  recall: number
  f1: number
  /** Reference frames or events of the class. */
  support: number
}

/** A model scored on labelled files. */
export interface EvaluationView {
  model: string
  classes: string[]
  files: number
  frame: {
    accuracy: number
    macroF1: number
    perClass: ClassScoresView[]
    confusion: number[][]
    frames: number
  }
  event: {
    precision: number
    recall: number
    f1: number
    tp: number
    fp: number
    fn: number
    perClass: ClassScoresView[]
    collar: number
  }
  /** Per file, worst macro-F1 first. */
  perFile: {
    file: string
    frames: number
    accuracy: number
    macroF1: number
    eventF1: number
    /** A clip classifier's answer for the file: its clip class, the predicted class and its probability. */
    clip?: { reference: string; predicted: string; confidence: number }
    /** Its part in the model's training run ('unseen': not used by it, or the run is unknown). */
    split?: 'train' | 'validation' | 'unseen'
  }[]
  /** Which files were scored and why (absent for clip classifiers). */
  selection?: {
    files: 'validation' | 'all'
    includeUnreviewed: boolean
    /** The model's training run was found, so train/validation marks are known. */
    splitKnown: boolean
    /** Which files were scored and why, in a sentence or two. */
    reason: string
    /** Labelled files left out, each with why. */
    excluded: { file: string; why: 'training' | 'unseen' | 'unreviewed' }[]
  }
  /**
   * 'classify' for a clip classifier: `frame` then scores files (confusion and counts are files,
   * per-file accuracy is 1 or 0) and `event` is empty.
   */
  task?: 'classify'
}

/** Live training state: a step's progress, or a finished epoch's scores. */
export interface TrainingEvent {
  jobId: string
  runId: string
  progress?: TrainProgress
  epoch?: EpochRecord
}

export interface Events {
  progress: [p: Progress]
  training: [t: TrainingEvent]
  externalChange: [c: ExternalChange]
}
export type EventName = keyof Events

// ---------------------------------------------------------------------------------------------
// Errors

/** Machine-readable error kinds crossing the boundary. */
export type ErrorCode =
  | 'invalid-request' // the message or its parameters do not match the contract
  | 'unknown-method'
  | 'no-project' // a request needs an open project
  | 'bad-input' // a file or value the user gave is unusable (the message names it)
  | 'conflict' // a save based on an outdated revision, or over a file changed by another program
  | 'corrupt' // a project file is damaged; earlier versions may be restored (listLabelVersions)
  | 'locked' // the project is open in another Framewise process
  | 'cancelled'
  | 'busy' // too many requests in flight (service.ts CALL_LIMITS); nothing was done, try again
  | 'internal'

export interface ApiErrorShape {
  code: ErrorCode
  message: string
}

export class ApiError extends Error implements ApiErrorShape {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** A settled request as it crosses a transport: never a thrown exception. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorShape }

// ---------------------------------------------------------------------------------------------
// The API object the renderer uses (window.framewise in Electron; the socket client otherwise)

export type Api = {
  [M in RequestName]: (params: Params<M>) => Promise<Results[M]>
} & {
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (...args: Events[E]) => void): () => void
}

/**
 * What a transport provides (Electron's preload exposes exactly this as window.framewise):
 * one method per request, settling with an Envelope instead of throwing, because errors lose
 * their fields when they cross contextBridge. The renderer's client turns it into `Api`.
 */
/** One function per request, answering with its envelope. */
export type Requests = {
  [M in RequestName]: (params: Params<M>) => Promise<Envelope<Results[M]>>
}

export type Transport = Requests & {
  on<E extends EventName>(event: E, listener: (...args: Events[E]) => void): () => void
}

/**
 * An object with one member per request, `make(name)` for each: how electron/preload.ts builds
 * its transport from the list of request names without casting it to its type.
 */
export function perRequest<T extends Record<RequestName, unknown>>(
  make: (name: RequestName) => T[RequestName],
): T {
  return Object.fromEntries(requestNames.map((name) => [name, make(name)])) as T // every RequestName, each made by `make`
}

/** IPC channel of a request, and of the event stream. */
export const ipcChannel = (method: RequestName): string => `framewise:${method}`
export const IPC_EVENT_CHANNEL = 'framewise:event'
