/**
 * Tiers: a file's labels are one or more named layers, each exclusive (one class per frame,
 * segments never overlap: the frame tagger's target) or overlapping (events may overlap, points
 * included). This file owns their rules: which tier is the default, how one tier is picked by
 * name, and what a valid set of tiers is (unique names, no overlaps in an exclusive tier).
 */
import type { Segment } from './segments'

/** The kinds of tier: one class per frame (the frame tagger's target), or events that may overlap. */
export const TIER_KINDS = ['exclusive', 'overlapping'] as const
export type TierKind = (typeof TIER_KINDS)[number]

/** One named layer of a file's labels. */
export interface Tier {
  /** Unique among the file's tiers ('species', 'call type'). */
  name: string
  /** 'exclusive': segments never overlap; 'overlapping': events may. */
  kind: TierKind
  /** Sorted by start, then end. */
  segments: Segment[]
}

/** The name of the one tier a file written before tiers (and a single-tier format) reads as. */
export const DEFAULT_TIER_NAME = 'labels'

/** Sorted by start, then end (the order label files and views keep). */
export function byTime(a: Segment, b: Segment): number {
  return a.start - b.start || a.end - b.end
}

export function tierOf(segments: readonly Segment[], kind: TierKind, name = DEFAULT_TIER_NAME) {
  const tier: Tier = { name, kind, segments: [...segments].sort(byTime) }
  return tier
}

/** The tier a caller that knows one tier means: the first exclusive one, else the first. */
export function defaultTier(tiers: readonly Tier[]): Tier | undefined {
  return tiers.find((t) => t.kind === 'exclusive') ?? tiers[0]
}

/**
 * The tier called `name`, else the default one; a name the file does not have is refused naming
 * `where` and the tiers it has.
 */
export function pickTier(tiers: readonly Tier[], name: string | undefined, where: string): Tier {
  const pick = name === undefined ? defaultTier(tiers) : tiers.find((t) => t.name === name)
  if (pick) return pick
  throw new RangeError(
    `${where}: no tier named "${name}" (tiers: ${tiers.map((t) => `"${t.name}"`).join(', ') || 'none'}); name one of them`,
  )
}

/** The segments of tier `name` (default tier when undefined); no such tier: none. */
export function segmentsOf(tiers: readonly Tier[], name?: string): Segment[] {
  return (
    (name === undefined ? defaultTier(tiers) : tiers.find((t) => t.name === name))?.segments ?? []
  )
}

/**
 * `tiers` with tier `name` (default: the default tier) holding `segments`; a tier of that name
 * that does not exist yet is added, exclusive unless the segments overlap.
 */
export function withSegments(
  tiers: readonly Tier[],
  segments: readonly Segment[],
  name?: string,
): Tier[] {
  const target = name ?? defaultTier(tiers)?.name ?? DEFAULT_TIER_NAME
  const sorted = [...segments].sort(byTime)
  if (!tiers.some((t) => t.name === target))
    return [...tiers, tierOf(sorted, firstOverlap(sorted) ? 'overlapping' : 'exclusive', target)]
  return tiers.map((t) => (t.name === target ? { ...t, segments: sorted } : t))
}

/** Tiers rather than segments (an empty list counts as segments: none). */
export function isTierList(list: readonly (Tier | Segment)[]): list is Tier[] {
  const first = list[0]
  return first !== undefined && 'segments' in first && 'kind' in first
}

/** Two segments of an exclusive tier that overlap (sorted input), or null. */
export function firstOverlap(segments: readonly Segment[]): [Segment, Segment] | null {
  let last: Segment | undefined
  for (const s of segments) {
    // points (start = end) take no frames, so they overlap nothing
    if (s.end <= s.start) continue
    if (last && s.start < last.end - 1e-9) return [last, s]
    if (!last || s.end > last.end) last = s
  }
  return null
}

/**
 * Why these tiers cannot be saved, in one line naming `where` (null: they can): tier names must
 * be unique, and segments in an exclusive tier must not overlap.
 */
export function tierProblem(tiers: readonly Tier[], where: string): string | null {
  const seen = new Set<string>()
  for (const t of tiers) {
    if (seen.has(t.name))
      return `${where}: two tiers are named "${t.name}"; give each tier its own name`
    seen.add(t.name)
    if (t.kind !== 'exclusive') continue
    const hit = firstOverlap([...t.segments].sort(byTime))
    if (hit) {
      const [a, b] = hit
      return `${where}: in exclusive tier "${t.name}", '${a.label}' ${a.start}–${a.end} s overlaps '${b.label}' ${b.start}–${b.end} s; shorten one, or make the tier overlapping`
    }
  }
  return null
}
