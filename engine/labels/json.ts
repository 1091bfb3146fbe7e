/** JSON labels: `{ "segments": [{ "start", "end", "label" }] }` or a bare array of those. */
import { z } from 'zod'
import { DataError } from '../errors'
import type { Segment } from './segments'

const segmentSchema = z.object({
  start: z.number().finite().min(0),
  end: z.number().finite().min(0),
  label: z.string().trim().min(1),
  lowFreq: z.number().optional(),
  highFreq: z.number().optional(),
})
const fileSchema = z.union([z.array(segmentSchema), z.object({ segments: z.array(segmentSchema) })])

export function readLabelJson(text: string, file: string): Segment[] {
  let raw: unknown
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (e) {
    throw new DataError(file, `invalid JSON: ${(e as Error).message}`)
  }
  const r = fileSchema.safeParse(raw)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new DataError(file, `${issue.path.join('.') || 'top level'}: ${issue.message}`)
  }
  const segs = Array.isArray(r.data) ? r.data : r.data.segments
  segs.forEach((s, i) => {
    if (s.end < s.start)
      throw new DataError(file, `segments.${i}: end ${s.end} before start ${s.start}`)
  })
  return segs
}

export function writeLabelJson(segments: readonly Segment[]): string {
  return JSON.stringify({ segments }, null, 2) + '\n'
}
