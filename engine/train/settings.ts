/**
 * Training settings: one zod schema with the defaults most users never change, and why each
 * default is what it is. The same schema validates the API, the CLI flags and run records.
 */
import { z } from 'zod'
import { groupBySchema } from '../data/groups'

export const trainSettingsSchema = z.object({
  /**
   * 'tag': a class per frame (the frame tagger). 'classify': one class per file (clip
   * classification from the files' clip classes; train/classify.ts).
   */
  task: z.enum(['tag', 'classify']).default('tag'),
  /**
   * The frame tagger's output. 'softmax' (default): one class per frame, for exclusive tiers
   * (cross-entropy; Viterbi decoding). 'sigmoid': every class on or off by itself, for
   * overlapping tiers (binary cross-entropy with the class weighting as positive weights;
   * thresholds per class chosen on the validation files, then median filter and minimum
   * duration per class: engine/infer/postprocess-multilabel.ts).
   */
  head: z.enum(['softmax', 'sigmoid']).default('softmax'),
  /**
   * The tier of the files' labels the tagger learns (engine/labels/tiers.ts). Absent: each file's
   * first exclusive tier, the one tier of a project written before tiers. A project may hold
   * models of different tiers; the model card names the one it learned.
   */
  tier: z.string().trim().min(1).max(200).optional(),
  /**
   * Which channels of a multichannel recording the tagger learns from: 'mix' (their average), a
   * channel (1-based), or 'each' (every channel a separate example, sharing its file's side of
   * the split); annotations with a channel label count on that channel only. Absent: the
   * feature settings' channel (the mix by default). A model trained on one channel reads that
   * channel; one trained on each reads the mix.
   */
  channels: z
    .union([z.literal('mix'), z.literal('each'), z.number().int().min(1).max(64)])
    .optional(),
  /**
   * How 'classify' pools the frames of a file. Max by default: a short cue anywhere in a long
   * file decides the class, and max keeps it where mean averages it away; it was the most
   * accurate pooling on bench:clip, on every seed (docs/sequence-models.md, "Clip
   * classification"). Attention is the one that shows where it looked (the strip in the app).
   */
  pooling: z.enum(['mean', 'max', 'attention']).default('max'),
  /**
   * Recurrent cell. GRU by default: as accurate as LSTM on frame tagging in our tests and in the
   * literature, with 3 gate blocks instead of 4 (25% less compute), so it trains faster.
   */
  cell: z.enum(['lstm', 'gru', 'rnn-tanh', 'rnn-relu']).default('gru'),
  /** Bidirectional by default: labelling is offline, and the future tells where an event ends. */
  bidirectional: z.boolean().default(true),
  /** Hidden units per direction. 64 fits small datasets (tens of minutes) without overfitting. */
  hidden: z.number().int().min(1).max(1024).default(64),
  /** Stacked recurrent layers (1–4). Two give a second level of temporal context. */
  layers: z.number().int().min(1).max(4).default(2),
  /** Dropout between recurrent layers; 0.2 regularises without slowing learning much. */
  dropout: z.number().min(0).max(0.9).default(0.2),
  /**
   * Residual connections between stacked layers (yˡ = RNN(yˡ⁻¹) + yˡ⁻¹). Off by default: they
   * changed little where depth was no obstacle, and are for 3–4 layer stacks, where they helped
   * (docs/sequence-models.md).
   */
  residual: z.boolean().default(false),
  /**
   * A convolutional front end before the recurrent stack (CRNN, models/conv.ts): `convBlocks`
   * blocks of 3×3 conv (`convChannels` channels) + batch norm + ReLU + max-pooling over
   * `convPool` frequency bins (a block pools only while that many bins remain), as the
   * sound-event field uses. 'none' by default until the benchmark of issue 20 says otherwise.
   */
  frontEnd: z.enum(['none', 'conv']).default('none'),
  convBlocks: z.number().int().min(1).max(8).default(3),
  convChannels: z.number().int().min(1).max(256).default(32),
  convPool: z.number().int().min(1).max(8).default(2),
  /**
   * Recurrent initialisation. 'default': orthogonal Whh, LSTM forget bias 1 (init.ts). 'chrono'
   * (Tallec & Ollivier 2018): gated cells' keep-gate biases ln U(1, chunk − 1), so memory
   * timescales spread up to the chunk length. Default 'default': chrono only paid on lags of
   * 100+ frames in docs/sequence-models.md (Long-range), and frame tagging mostly needs short
   * context; other cells ignore it.
   */
  init: z.enum(['default', 'chrono']).default('default'),
  /**
   * Output recurrence: the previous frame's label is an input (teacher forcing in training,
   * greedy or beam decoding at inference), so the model learns label transitions. Off by
   * default: it needs a unidirectional model, which loses the future context that frame tagging
   * usually gains most from, and decoding runs frame by frame; it pays where labels follow a
   * strict order (docs/sequence-models.md, Output recurrence).
   */
  outputRecurrence: z.boolean().default(false),
  /**
   * Scheduled sampling ε_max: with this probability a training frame is fed the model's own
   * (free-running, greedy) previous label instead of the true one, ramped up over 5 epochs, so
   * it learns to recover from its own mistakes, which decoding feeds back. 0.5 by default:
   * teacher forcing alone (0) learns to trust the fed-back label and never leave a phase, and
   * higher values trade order violations for per-frame accuracy; 0.5 balanced the two on
   * bench:phases (docs/sequence-models.md, "Output recurrence").
   */
  scheduledSampling: z.number().min(0).max(1).default(0.5),
  /**
   * How an output-recurrent model is decoded: greedy, or beam search (width `beamWidth`). Beam by
   * default: on bench:phases it raised accuracy and cut order violations for every ε, and with
   * onnxruntime (one call per frame, the hypotheses are its batch) it costs about what greedy does.
   */
  decode: z.enum(['greedy', 'beam']).default('beam'),
  /** Beam width for decode = 'beam' (4 by default; docs/sequence-models.md, "Output recurrence"). */
  beamWidth: z.number().int().min(1).max(64).default(4),
  /**
   * Self-attention heads between the recurrent stack and the output layer (0 = none; 1, 2 or 4,
   * dividing the stack's width). Off by default: a bidirectional RNN already sees both sides of
   * every frame, and attention adds 4E² parameters and O(T·window) time per layer; it pays where
   * a frame's label hangs on a cue farther away than the RNN remembers, e.g. small or
   * unidirectional models (docs/sequence-models.md, Self-attention).
   */
  attentionHeads: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(4)]).default(0),
  /**
   * Frames each side a frame may attend to (0 = the whole training chunk). 100 = 1 s at a 10 ms
   * hop: beyond the few hundred milliseconds an RNN holds well, yet local, so memory is
   * O(T·window) instead of O(T²) and prediction streams long files window by window with exactly
   * the training-time context (a global model's output would depend on the window length).
   */
  attentionWindow: z.number().int().min(0).max(100_000).default(100),
  /** Maximum epochs; early stopping usually ends training sooner. */
  epochs: z.number().int().min(1).max(10_000).default(30),
  /** Chunks per minibatch. 16 keeps steps frequent on small datasets. */
  batch: z.number().int().min(1).max(1024).default(16),
  /**
   * Frames per training chunk (truncated BPTT length): 400 frames = 4 s at a 10 ms hop, longer
   * than most events, so each chunk sees whole events with context on both sides.
   */
  chunk: z.number().int().min(8).max(100_000).default(400),
  /** Adam learning rate; 2e-3 is a robust choice for small RNNs with gradient clipping. */
  lr: z.number().positive().max(1).default(2e-3),
  /** Decoupled weight decay (AdamW) when > 0. */
  weightDecay: z.number().min(0).max(1).default(0),
  /** Global gradient-norm clipping; 5 stops the rare exploding step (essential for ReLU RNNs). */
  clip: z.number().min(0).default(5),
  /**
   * Class weights in the loss. 'sqrt-balanced' (default) weights each class by 1/√frequency
   * (mean 1): rare events are not drowned by background, without the instability of full
   * inverse-frequency weights. 'none' weighs all frames equally.
   */
  classWeights: z.enum(['none', 'sqrt-balanced', 'balanced']).default('sqrt-balanced'),
  /** Seed for initialisation, the split, shuffling and dropout: same seed + data ⇒ same model. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  /**
   * Fraction of *files* held out for validation. Splitting by file (never by frame) measures
   * how the model does on recordings it has not seen, which is what users need to know.
   */
  valFraction: z.number().min(0).max(0.9).default(0.2),
  /**
   * What keeps validation files apart from training files (data/groups.ts): 'file', or a group
   * of files (a folder level, the manifest's `group`), so validation measures new sources.
   */
  groupBy: groupBySchema.default('file'),
  /** Stop after this many epochs without improvement of the validation metric (0: never). */
  patience: z.number().int().min(0).default(6),
  /** Validation metric that picks the best epoch: macro-F1 treats rare classes as equals. */
  metric: z.enum(['macroF1', 'accuracy', 'loss']).default('macroF1'),
  /** Worker threads computing each step (data parallel); 2 uses both cores of a laptop. */
  threads: z.number().int().min(1).max(16).default(2),
})

export type TrainSettings = z.output<typeof trainSettingsSchema>
export type TrainSettingsInput = z.input<typeof trainSettingsSchema>

/** Every setting at its default: what most users train with. */
export const TRAIN_DEFAULTS: TrainSettings = trainSettingsSchema.parse({})

/**
 * Settings that exclude each other: while `when` holds, `setting` must be `off`, because `why`.
 * The one table of these rules: the engine refuses a conflict with its `why` (parseTrainSettings),
 * the CLI's --output-recurrence implies what the first rule asks, and the Train panel disables
 * the control with `why` as its tooltip (it receives the table through `trainingDefaults`).
 */
export interface SettingExclusion {
  setting: 'bidirectional' | 'attentionHeads' | 'outputRecurrence' | 'head' | 'frontEnd' | 'groupBy'
  off: false | 0 | 'softmax' | 'none' | 'file'
  when: Partial<Pick<TrainSettings, 'task' | 'outputRecurrence' | 'head'>>
  why: string
}

export const SETTING_EXCLUSIONS: readonly SettingExclusion[] = [
  {
    setting: 'bidirectional',
    off: false,
    when: { task: 'tag', outputRecurrence: true },
    why: 'Output recurrence decodes left to right: the model is unidirectional',
  },
  {
    setting: 'attentionHeads',
    off: 0,
    when: { task: 'classify' },
    why: 'Clip classifiers pool the recurrent states directly (choose attention pooling to see where the model looks)',
  },
  {
    setting: 'attentionHeads',
    off: 0,
    when: { task: 'tag', outputRecurrence: true },
    why: 'Self-attention reads later frames, output recurrence decodes a frame at a time: turn output recurrence off to use it',
  },
  {
    setting: 'outputRecurrence',
    off: false,
    when: { task: 'classify' },
    why: 'Clip classifiers have no frame labels to feed back',
  },
  {
    setting: 'outputRecurrence',
    off: false,
    when: { head: 'sigmoid' },
    why: 'A multi-label frame has several labels at once: there is no one previous label to feed back',
  },
  {
    setting: 'head',
    off: 'softmax',
    when: { task: 'classify' },
    why: 'Clip classifiers give one class per file (softmax)',
  },
  {
    setting: 'frontEnd',
    off: 'none',
    when: { task: 'classify' },
    why: 'Clip classifiers have no conv front end yet: it is for frame taggers',
  },
  {
    setting: 'frontEnd',
    off: 'none',
    when: { task: 'tag', outputRecurrence: true },
    why: 'A conv front end would convolve the fed-back labels: turn output recurrence off to use it',
  },
  {
    setting: 'groupBy',
    off: 'file',
    when: { task: 'classify' },
    why: 'Clip classifiers split by file: validation by group is for frame taggers so far',
  },
]

/** The exclusions in force for `s` (their `when` holds), first rule per setting. */
export function exclusionsAt(
  s: Pick<TrainSettings, 'task' | 'outputRecurrence'> & Partial<Pick<TrainSettings, 'head'>>,
  table: readonly SettingExclusion[] = SETTING_EXCLUSIONS,
): SettingExclusion[] {
  const seen = new Set<string>()
  return table.filter((r) => {
    const holds = Object.entries(r.when).every(([k, v]) => s[k as keyof typeof r.when] === v)
    if (!holds || seen.has(r.setting)) return false
    seen.add(r.setting)
    return true
  })
}

/** The rules `s` breaks: an excluded setting that is not off. */
export function settingConflicts(s: TrainSettings): SettingExclusion[] {
  return exclusionsAt(s).filter((r) => s[r.setting] !== r.off)
}

/** Settings with their defaults filled in; a conflict between settings is refused with its reason. */
export function parseTrainSettings(input: unknown): TrainSettings {
  const settings = trainSettingsSchema.parse(input ?? {})
  const conflicts = settingConflicts(settings)
  if (conflicts.length)
    throw new Error(
      conflicts
        .map(
          (r) =>
            `${r.setting} must be ${typeof r.off === 'string' ? `'${r.off}'` : 'off'}: ${r.why}`,
        )
        .join('; '),
    )
  return settings
}
