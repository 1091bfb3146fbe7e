/**
 * evsonganaly `.not.mat` annotations: a MATLAB v5 MAT-file whose `onsets`/`offsets` hold segment
 * times in milliseconds and whose `labels` char row holds one character per segment.
 */
import { readMat5 } from './mat5'
import type { Segment } from './segments'

export function readEvsonganaly(bytes: Uint8Array, file: string): Segment[] {
  const vars = readMat5(bytes, file)
  const onsets = vars.get('onsets')
  const offsets = vars.get('offsets')
  const labels = vars.get('labels')
  if (onsets?.kind !== 'number' || offsets?.kind !== 'number' || labels?.kind !== 'char')
    throw new Error(
      `${file}: not an evsonganaly .not.mat (needs numeric onsets, offsets and a char labels): export it from evsonganaly again`,
    )
  const n = onsets.data.length
  if (offsets.data.length !== n || labels.text.length !== n)
    throw new Error(
      `${file}: ${n} onsets, ${offsets.data.length} offsets and ${labels.text.length} labels: they must be as many (one label character per segment)`,
    )
  const out: Segment[] = []
  for (let i = 0; i < n; i++) {
    const start = onsets.data[i] / 1000
    const end = offsets.data[i] / 1000
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start)
      throw new Error(
        `${file}: segment ${i + 1} has onset ${onsets.data[i]} ms after offset ${offsets.data[i]} ms: fix the times`,
      )
    out.push({ start, end, label: labels.text[i] })
  }
  return out
}
