/**
 * What `framewise predict` writes per input: a label file of the predicted segments in the chosen
 * format, or for series a per-frame `time,label` CSV, and optionally `<stem>.probs.csv`.
 */
import { writeRowLabelCsv } from '../labels/csv'
import { formatByName } from '../labels/formats'
import { writeTextGrid } from '../labels/textgrid'
import type { LabelFormatName } from '../labels/format-list'
import type { Prediction } from './predict'

const num = (x: number) => String(Number(x.toFixed(6)))
/** A CSV field, quoted when it holds a comma, quote or newline. */
const field = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** Duration covered by the frames: the last frame's centre plus half a hop. */
export const durationOf = (p: Prediction) =>
  p.frames === 0 ? 0 : p.frameTimes[p.frames - 1] + p.hop / 2

/**
 * The predicted class of each input row at `rowTimes`: the label of the frame whose centre is
 * nearest (frames of a series are centred on rows, so each row takes its own frame's label).
 */
export function labelsAtTimes(p: Prediction, rowTimes: ArrayLike<number>): string[] {
  const out = new Array<string>(rowTimes.length)
  let f = 0
  for (let r = 0; r < rowTimes.length; r++) {
    const t = rowTimes[r]
    while (f + 1 < p.frames && Math.abs(p.frameTimes[f + 1] - t) <= Math.abs(p.frameTimes[f] - t))
      f++
    out[r] = p.classes[p.labels[f]]
  }
  return out
}

/**
 * The label file text for a prediction, written by engine/labels (so `framewise train` reads it
 * back); with `rowTimes` (series inputs) CSV output is one `time,label` row per input row.
 */
export function formatPrediction(
  p: Prediction,
  format: LabelFormatName,
  rowTimes?: ArrayLike<number>,
): string {
  // a multi-label prediction's events overlap: one label per row or a TextGrid tier cannot hold them
  if (format === 'csv' && rowTimes && !p.multiLabel)
    return writeRowLabelCsv(rowTimes, labelsAtTimes(p, rowTimes))
  if (format === 'textgrid' && p.multiLabel)
    throw new RangeError(
      `${p.file}: the multi-label model's events overlap, which a TextGrid tier cannot hold; write json, raven, audacity or csv`,
    )
  if (format === 'textgrid') return writeTextGrid(p.segments, 'labels', durationOf(p))
  const write = formatByName(format)?.write
  if (!write) throw new RangeError(`Framewise reads ${format} labels but does not write them`)
  return write(p.segments)
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
