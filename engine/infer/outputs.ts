/**
 * What `framewise predict` writes per input: a label file of the predicted segments in the chosen
 * format, or for series a per-frame `time,label` CSV, and optionally `<stem>.probs.csv`.
 */
import type { Segment } from '../api'
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

function audacity(segments: Segment[]): string {
  return segments.map((s) => `${num(s.start)}\t${num(s.end)}\t${s.label}\n`).join('')
}

function raven(segments: Segment[]): string {
  const head = 'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n'
  return (
    head +
    segments
      .map((s, i) => `${i + 1}\tSpectrogram 1\t1\t${num(s.start)}\t${num(s.end)}\t${s.label}\n`)
      .join('')
  )
}

/** Praat long TextGrid, one interval tier; gaps between segments are empty intervals. */
function textgrid(segments: Segment[], duration: number): string {
  const xmax = Math.max(duration, segments.at(-1)?.end ?? 0)
  const intervals: Segment[] = []
  let t = 0
  for (const s of segments) {
    if (s.start > t) intervals.push({ start: t, end: s.start, label: '' })
    intervals.push({ start: Math.max(t, s.start), end: s.end, label: s.label })
    t = s.end
  }
  if (xmax > t || intervals.length === 0) intervals.push({ start: t, end: xmax, label: '' })
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`
  const lines = [
    'File type = "ooTextFile"',
    'Object class = "TextGrid"',
    '',
    'xmin = 0',
    `xmax = ${num(xmax)}`,
    'tiers? <exists>',
    'size = 1',
    'item []:',
    '    item [1]:',
    '        class = "IntervalTier"',
    '        name = "labels"',
    '        xmin = 0',
    `        xmax = ${num(xmax)}`,
    `        intervals: size = ${intervals.length}`,
    ...intervals.flatMap((iv, i) => [
      `        intervals [${i + 1}]:`,
      `            xmin = ${num(iv.start)}`,
      `            xmax = ${num(iv.end)}`,
      `            text = ${q(iv.label)}`,
    ]),
  ]
  return lines.join('\n') + '\n'
}

/** The label file text for a prediction; `perFrame` writes `time,label` rows (series inputs). */
export function formatPrediction(p: Prediction, format: PredictFormat, perFrame: boolean): string {
  switch (format) {
    case 'audacity':
      return audacity(p.segments)
    case 'raven':
      return raven(p.segments)
    case 'textgrid':
      return textgrid(p.segments, durationOf(p))
    case 'json':
      return (
        JSON.stringify(
          { classes: p.classes, duration: durationOf(p), segments: p.segments },
          null,
          2,
        ) + '\n'
      )
    case 'csv':
      if (perFrame) {
        const rows = ['time,label']
        for (let t = 0; t < p.frames; t++)
          rows.push(`${num(p.frameTimes[t])},${field(p.classes[p.labels[t]])}`)
        return rows.join('\n') + '\n'
      }
      return (
        [
          'start,end,label',
          ...p.segments.map((s) => `${num(s.start)},${num(s.end)},${field(s.label)}`),
        ].join('\n') + '\n'
      )
  }
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
