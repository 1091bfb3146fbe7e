/**
 * JSON labels, lossless: `{ "tiers": [{ "name", "kind", "segments": [...] }] }` with every field a
 * segment carries (frequency bounds, channel, extra columns). Read also: `{ "segments": [...] }`
 * and a bare array of segments (one tier), as earlier versions wrote and people hand-write.
 */
import { z } from 'zod'
import { DataError } from '../errors'
import type { Segment } from './segments'
import { DEFAULT_TIER_NAME, TIER_KINDS, type Tier } from './tiers'

const segmentSchema = z.object({
  start: z.number().finite().min(0),
  end: z.number().finite().min(0),
  label: z.string().trim().min(1),
  lowFreq: z.number().finite().nonnegative().optional(),
  highFreq: z.number().finite().nonnegative().optional(),
  channel: z.number().int().min(1).max(1024).optional(),
  extra: z.record(z.string(), z.string()).optional(),
})
const tierSchema = z.object({
  name: z.string().trim().min(1),
  kind: z.enum(TIER_KINDS),
  segments: z.array(segmentSchema),
})
const fileSchema = z.union([
  z.array(segmentSchema),
  z.object({ tiers: z.array(tierSchema).min(1) }),
  z.object({ segments: z.array(segmentSchema) }),
])

/** Every tier of a JSON label file; one list of segments reads as one tier ('overlapping': it may). */
export function readLabelJsonTiers(text: string, file: string): Tier[] {
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
  const one = (segments: Segment[]): Tier[] => [
    { name: DEFAULT_TIER_NAME, kind: 'overlapping', segments },
  ]
  const tiers: Tier[] = Array.isArray(r.data)
    ? one(r.data)
    : 'tiers' in r.data
      ? r.data.tiers
      : one(r.data.segments)
  tiers.forEach((t, k) =>
    t.segments.forEach((s, i) => {
      if (s.end < s.start)
        throw new DataError(file, `tiers.${k}.segments.${i}: end ${s.end} before start ${s.start}`)
    }),
  )
  return tiers
}

/** The segments of a JSON label file: of its first exclusive tier when it has tiers. */
export function readLabelJson(text: string, file: string): Segment[] {
  const tiers = readLabelJsonTiers(text, file)
  return (tiers.find((t) => t.kind === 'exclusive') ?? tiers[0]).segments
}

export function writeLabelJson(segments: readonly Segment[]): string {
  return JSON.stringify({ segments }, null, 2) + '\n'
}

export function writeLabelJsonTiers(tiers: readonly Tier[]): string {
  return JSON.stringify({ tiers }, null, 2) + '\n'
}
