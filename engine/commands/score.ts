/**
 * `framewise score <pred-dir> <ref-dir> [--collar 0.2]`: pairs label files by stem and scores
 * predictions against references. Audio labels (any format) are compared on a frame grid of
 * `hop` seconds (default 10 ms) up to the later end of the two files, unlabelled time being the
 * background class; CSV time series with per-row `label` columns are compared row by row.
 * Files are pooled: frame metrics over all frames, event metrics over all events (matching never
 * crosses files).
 */
import { readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { DataError } from '../errors'
import { READ_LIMITS, readRegular } from '../io/input-files'
import { eventMetrics, frameMetrics } from '../eval/metrics'
import { isRowLabelCsv, readRowLabelCsv, rowLabelsToSegments } from '../labels/csv'
import { formatOfPath } from '../labels/format-list'
import { detectFormat, readLabels } from '../labels/formats'
import { frameCentres, segmentsToFrames, type Segment } from '../labels/segments'
import { decodeText } from '../labels/text'
import { type Command, RATE_OPTION, UsageError, numberFlag, rateFlag } from './command'

export interface ScoreOptions {
  /** Folder of predicted label files. */
  predDir: string
  /** Folder of reference label files. */
  refDir: string
  /** Event onset collar, seconds. */
  collar?: number
  /** Also require event offsets to match. */
  offset?: boolean
  /** Frame hop for audio label files, seconds. */
  hop?: number
  /** Name of the class for unlabelled time. */
  background?: string
  /** The tier of reference files of several tiers (TextGrid, ELAN, JSON) to score against. */
  tier?: string
  /** Sample rate (Hz) of label files whose times count samples (TIMIT .phn/.wrd, CSV in samples). */
  rate?: number
}

/** File stem without its label ending (format-list.ts); undefined for files that are not label files. */
export function labelStem(name: string): string | undefined {
  if (name.toLowerCase().endsWith('.probs.csv') || name.startsWith('.')) return undefined
  const ending = formatOfPath(name)?.ending
  return ending ? name.slice(0, name.length - ending.length) : undefined
}

async function stems(dir: string): Promise<Map<string, string>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    throw new DataError(
      dir,
      `cannot read folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    )
  }
  const out = new Map<string, string>()
  for (const n of names.sort()) {
    const s = labelStem(n)
    if (s === undefined) continue
    if (out.has(s))
      throw new DataError(
        join(dir, n),
        `two label files with stem "${s}" (${basename(out.get(s)!)})`,
      )
    out.set(s, join(dir, n))
  }
  return out
}

type Labelled =
  | { kind: 'segments'; segments: Segment[] }
  | { kind: 'rows'; times: Float64Array; labels: string[] }

async function load(path: string, rate: number | undefined, tier?: string): Promise<Labelled> {
  if (path.toLowerCase().endsWith('.csv')) {
    const text = decodeText(await readRegular(path, READ_LIMITS.labels))
    if (isRowLabelCsv(text)) return { kind: 'rows', ...readRowLabelCsv(text, path) }
    return { kind: 'segments', segments: detectFormat(path, text).read(text, path, { rate }) }
  }
  return { kind: 'segments', segments: await readLabels(path, { rate, tier }) }
}

export async function scoreCommand(o: ScoreOptions): Promise<unknown> {
  const hop = o.hop ?? 0.01
  const background = o.background ?? 'background'
  const [pred, ref] = await Promise.all([stems(o.predDir), stems(o.refDir)])
  const paired = [...ref.keys()].filter((s) => pred.has(s))
  if (paired.length === 0)
    throw new DataError(o.predDir, `no prediction shares a file stem with ${o.refDir}`)
  const pairs = await Promise.all(
    paired.map(async (stem) => ({
      stem,
      pred: await load(pred.get(stem)!, o.rate),
      ref: await load(ref.get(stem)!, o.rate, o.tier),
    })),
  )
  const labelsOf = (l: Labelled) => (l.kind === 'rows' ? l.labels : l.segments.map((s) => s.label))
  const classes = [
    background,
    ...[...new Set(pairs.flatMap((p) => [...labelsOf(p.pred), ...labelsOf(p.ref)]))]
      .filter((c) => c !== background)
      .sort(),
  ]
  const index = new Map(classes.map((c, i) => [c, i]))
  const refFrames: number[] = []
  const predFrames: number[] = []
  const refEvents: Segment[] = []
  const predEvents: Segment[] = []
  const files = pairs.map(({ stem, pred: p, ref: r }, i) => {
    let rf: Int32Array
    let pf: Int32Array
    let rs: Segment[]
    let ps: Segment[]
    if (p.kind === 'rows' || r.kind === 'rows') {
      if (p.kind !== 'rows' || r.kind !== 'rows')
        throw new DataError(
          pred.get(stem)!,
          `per-row labels can only be scored against per-row labels (${ref.get(stem)})`,
        )
      if (p.labels.length !== r.labels.length)
        throw new DataError(
          pred.get(stem)!,
          `${p.labels.length} rows but the reference has ${r.labels.length}`,
        )
      rf = Int32Array.from(r.labels, (l) => index.get(l)!)
      pf = Int32Array.from(p.labels, (l) => index.get(l)!)
      rs = rowLabelsToSegments(r.times, r.labels, background)
      ps = rowLabelsToSegments(p.times, p.labels, background)
    } else {
      rs = r.segments.filter((s) => s.label !== background)
      ps = p.segments.filter((s) => s.label !== background)
      const end = Math.max(0, ...r.segments.map((s) => s.end), ...p.segments.map((s) => s.end))
      const times = frameCentres(Math.ceil(end / hop) + 1, hop)
      rf = segmentsToFrames(r.segments, times, classes, { background })
      pf = segmentsToFrames(p.segments, times, classes, { background })
    }
    for (let t = 0; t < rf.length; t++) {
      refFrames.push(rf[t])
      predFrames.push(pf[t])
    }
    // Shift each file far apart so event matching never pairs events of different files.
    const shift = (s: Segment) => ({ ...s, start: s.start + i * 1e7, end: s.end + i * 1e7 })
    refEvents.push(...rs.map(shift))
    predEvents.push(...ps.map(shift))
    const fm = frameMetrics(rf, pf, classes)
    const em = eventMetrics(rs, ps, { collar: o.collar, offset: o.offset })
    return { stem, frames: fm.frames, accuracy: fm.accuracy, macroF1: fm.macroF1, eventF1: em.f1 }
  })
  const frame = frameMetrics(refFrames, predFrames, classes)
  const event = eventMetrics(refEvents, predEvents, { collar: o.collar, offset: o.offset })
  return {
    pairs: paired.length,
    unpaired: {
      predictions: [...pred.keys()].filter((s) => !ref.has(s)),
      references: [...ref.keys()].filter((s) => !pred.has(s)),
    },
    classes,
    hop,
    frame: {
      accuracy: frame.accuracy,
      macroF1: frame.macroF1,
      frames: frame.frames,
      perClass: frame.perClass,
      confusion: frame.confusion,
    },
    event: {
      collar: event.collar,
      offset: event.offset,
      f1: event.f1,
      precision: event.precision,
      recall: event.recall,
      tp: event.tp,
      fp: event.fp,
      fn: event.fn,
      perClass: event.perClass,
    },
    files,
  }
}

export const score: Command = {
  brief: 'score predicted label files against references',
  usage: 'score <pred-dir> <ref-dir> [--collar 0.2] [--rate HZ] [--tier NAME]',
  summary:
    'score predicted label files against references paired by file stem: frame accuracy, per-class P/R/F1, macro-F1, event F1, confusion matrix (also --offset, --hop S, --background NAME, --rate HZ for label files whose times count samples such as TIMIT .phn, --tier NAME for the tier of TextGrid/ELAN/JSON references, default the first exclusive one)',
  options: {
    collar: { type: 'string' },
    offset: { type: 'boolean', default: false },
    hop: { type: 'string' },
    background: { type: 'string' },
    tier: { type: 'string' },
    ...RATE_OPTION,
  },
  async run({ positionals, values }) {
    if (positionals.length !== 2)
      throw new UsageError('score takes a prediction folder and a reference folder')
    const hop = numberFlag(values, 'hop', { min: 0 })
    if (hop === 0) throw new UsageError('--hop must be > 0')
    return scoreCommand({
      predDir: positionals[0],
      refDir: positionals[1],
      collar: numberFlag(values, 'collar', { min: 0 }),
      offset: values.offset === true,
      hop,
      background: values.background as string | undefined,
      rate: rateFlag(values),
      tier: values.tier as string | undefined,
    })
  },
}
