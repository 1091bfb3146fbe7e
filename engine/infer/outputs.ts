/**
 * What `framewise predict` writes per input: a label file of the predicted segments in the chosen
 * format, or for series a per-frame `time,label` CSV, and optionally `<stem>.probs.csv`.
 */
import { writeRowLabelCsv } from '../labels/csv'
import { formatByName } from '../labels/formats'
import { writeTextGrid } from '../labels/textgrid'
import type { Prediction } from './predict'

export const PREDICT_FORMATS = ['audacity', 'raven', 'textgrid', 'csv', 'json'] as const
export type PredictFormat = (typeof PREDICT_FORMATS)[number]

/** File name suffix per format (csv/json avoid `<stem>.csv` and the model card's `<stem>.json`). */
export const FORMAT_SUFFIX: Record<PredictFormat, string> = {
  audacity: '.txt',
  raven: '.selections.txt',
  textgrid: '.TextGrid',
  csv: '.labels.csv',
  json: '.labels.json',
}

const num = (x: number) => String(Number(x.toFixed(6)))
/** A CSV field, quoted when it holds a comma, quote or newline. */
const field = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** Duration covered by the frames: the last frame's centre plus half a hop. */
export const durationOf = (p: Prediction) =>
  p.frames === 0 ? 0 : p.frameTimes[p.frames - 1] + p.hop / 2

/**
 * The label file text for a prediction, written by engine/labels (so `framewise train` reads it
 * back); `perFrame` writes `time,label` rows instead of segments (series inputs).
 */
export function formatPrediction(p: Prediction, format: PredictFormat, perFrame: boolean): string {
  if (format === 'csv' && perFrame)
    return writeRowLabelCsv(
      p.frameTimes,
      Array.from(p.labels, (c) => p.classes[c]),
    )
  if (format === 'textgrid') return writeTextGrid(p.segments, 'labels', durationOf(p))
  return formatByName(format)!.write(p.segments)
}

/** `time,<class…>` with one row per frame. */
export function probabilitiesCsv(p: Prediction): string {
  const C = p.classes.length
  const rows = [['time', ...p.classes.map(field)].join(',')]
  for (let t = 0; t < p.frames; t++) {
    let row = num(p.frameTimes[t])
    for (let j = 0; j < C; j++)
      row += ',' + String(Number(p.probabilities[t * C + j].toPrecision(6)))
    rows.push(row)
  }
  return rows.join('\n') + '\n'
}
