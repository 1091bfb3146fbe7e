/**
 * Tier edits as pure functions (the engine's rules are engine/labels/tiers.ts): where a new
 * segment goes in a tier of each kind, and the names of new tiers.
 */
import type { Segment, TierKind } from '../../engine/api'
import { byStart, paint } from './segments'

/**
 * `segments` with [start, end) labelled `label`: an exclusive tier paints over what was there
 * (ops.paint), an overlapping one keeps it and adds the event. Returns the new index too.
 */
export function place(
  kind: TierKind,
  segments: readonly Segment[],
  start: number,
  end: number,
  label: string,
  /** What else the new segment holds (its channel, a box's lowFreq/highFreq). */
  extra?: Pick<Segment, 'lowFreq' | 'highFreq' | 'channel'>,
): { segments: Segment[]; index: number } {
  if (kind === 'exclusive') {
    const r = paint(segments, start, end, label)
    if (!extra) return r
    const out = r.segments.map((s, i) => (i === r.index ? { ...s, ...extra } : s))
    return { segments: out, index: r.index }
  }
  const a = Math.min(start, end)
  const added: Segment = { start: a, end: Math.max(start, end), label, ...extra }
  const next = [...segments, added].sort(byStart)
  return { segments: next, index: next.indexOf(added) }
}

/** `base`, or `base 2`, `base 3`, … : the first not among `taken`. */
export function freeTierName(base: string, taken: readonly string[]): string {
  const name = base.trim() || 'tier'
  if (!taken.includes(name)) return name
  for (let n = 2; ; n++) if (!taken.includes(`${name} ${n}`)) return `${name} ${n}`
}
