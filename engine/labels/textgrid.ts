/**
 * Praat TextGrid, long ("ooTextFile" with `key = value` lines) and short (values only) text
 * forms, UTF-8 or UTF-16. Both are read by one tokenizer that keeps the values — numbers,
 * "strings" ("" escapes a quote), <exists> — and skips keys, `[n]:` indices and `!` comments,
 * so the value sequence is the same for both forms:
 *   "ooTextFile" "TextGrid" xmin xmax <exists> tierCount
 *   per tier: "IntervalTier" name xmin xmax n, n × (xmin xmax "text")
 *          or "TextTier" name xmin xmax n, n × (time "mark")
 * Intervals with empty text are gaps (unlabelled). Point tiers give point labels (start = end).
 * As Framewise tiers: an interval tier is exclusive (its intervals tile time), a point tier an
 * overlapping tier of points; writing maps them back, so a round trip keeps every tier.
 */
import { DataError } from '../errors'
import type { Segment } from './segments'
import { firstOverlap, type Tier } from './tiers'

interface Token {
  /** A number or a string value. */
  v: number | string
  /** True for quoted strings. */
  str: boolean
  /** 1-based line. */
  line: number
}

function tokenize(text: string, file: string): Token[] {
  const out: Token[] = []
  let line = 1
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]
    if (c === '\n') {
      line++
      i++
    } else if (c === '"') {
      const startLine = line
      let s = ''
      i++
      for (;;) {
        if (i >= n) throw new DataError(file, 'unterminated string', { line: startLine })
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            s += '"'
            i += 2
            continue
          }
          i++
          break
        }
        if (text[i] === '\n') line++
        s += text[i++]
      }
      out.push({ v: s, str: true, line: startLine })
    } else if (c === '!') {
      while (i < n && text[i] !== '\n') i++
    } else if (c === '[') {
      while (i < n && text[i] !== ']') i++
      i++
    } else if (c === '<') {
      const j = text.indexOf('>', i)
      out.push({ v: text.slice(i, j + 1), str: false, line })
      i = j < 0 ? n : j + 1
    } else if (/[-+.\d]/.test(c)) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i, i + 64))
      if (!m) {
        i++
        continue
      }
      out.push({ v: Number(m[0]), str: false, line })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[\w:]/.test(text[i])) i++ // a key such as xmin, intervals:, size
    } else i++
  }
  return out
}

export interface TextGridTier {
  /** Tier name. */
  name: string
  /** 'interval' or 'point'. */
  kind: 'interval' | 'point'
  /** Labelled intervals (or points, start = end). */
  segments: Segment[]
}

export function readTextGridTiers(text: string, file: string): TextGridTier[] {
  const t = tokenize(text, file)
  let p = 0
  const next = (what: string): Token => {
    if (p >= t.length)
      throw new DataError(file, `truncated TextGrid: expected ${what}`, {
        line: t[t.length - 1]?.line,
      })
    return t[p++]
  }
  const number = (what: string) => {
    const k = next(what)
    if (k.str || typeof k.v !== 'number')
      throw new DataError(file, `expected ${what}, found ${JSON.stringify(k.v)}`, { line: k.line })
    return k.v
  }
  const string = (what: string) => {
    const k = next(what)
    if (!k.str)
      throw new DataError(
        file,
        `expected ${what} (a quoted string), found ${JSON.stringify(k.v)}`,
        { line: k.line },
      )
    return k.v as string
  }
  if (string('"ooTextFile"') !== 'ooTextFile' || string('"TextGrid"') !== 'TextGrid') {
    throw new DataError(file, 'not a Praat TextGrid (no "ooTextFile" "TextGrid" header)', {
      line: 1,
    })
  }
  number('xmin')
  number('xmax')
  if (t[p] && t[p].v === '<absent>') return []
  if (t[p] && t[p].v === '<exists>') p++
  const tiers: TextGridTier[] = []
  const count = number('tier count')
  for (let k = 0; k < count; k++) {
    const cls = string('tier class')
    const name = string('tier name')
    number('tier xmin')
    number('tier xmax')
    const n = number('interval count')
    const segments: Segment[] = []
    if (cls === 'IntervalTier') {
      for (let j = 0; j < n; j++) {
        const line = t[p]?.line
        const start = number('interval xmin')
        const end = number('interval xmax')
        const label = string('interval text').trim()
        if (end < start)
          throw new DataError(file, `interval ends (${end}) before it starts (${start})`, { line })
        if (label !== '') segments.push({ start, end, label })
      }
    } else if (cls === 'TextTier') {
      for (let j = 0; j < n; j++) {
        const time = number('point time')
        const label = string('point mark').trim()
        if (label !== '') segments.push({ start: time, end: time, label })
      }
    } else throw new DataError(file, `unknown tier class "${cls}"`, { line: t[p - 5]?.line })
    tiers.push({ name, kind: cls === 'IntervalTier' ? 'interval' : 'point', segments })
  }
  return tiers
}

/** Segments of the tier called `tier`, else of the first interval tier. */
export function readTextGrid(text: string, file: string, tier?: string): Segment[] {
  const tiers = readTextGridTiers(text, file)
  const pick =
    tier !== undefined
      ? tiers.find((t) => t.name === tier)
      : tiers.find((t) => t.kind === 'interval')
  if (!pick) {
    const names = tiers.map((t) => `"${t.name}"`).join(', ') || 'none'
    throw new DataError(
      file,
      tier !== undefined
        ? `no tier named "${tier}" (tiers: ${names})`
        : `no interval tier (tiers: ${names})`,
    )
  }
  return pick.segments
}

/** Every tier of a TextGrid as a Framewise tier: interval tiers exclusive, point tiers overlapping. */
export function readTextGridAsTiers(text: string, file: string): Tier[] {
  return readTextGridTiers(text, file).map((t) => ({
    name: t.name,
    kind: t.kind === 'point' || firstOverlap(t.segments) ? 'overlapping' : 'exclusive',
    segments: t.segments,
  }))
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`

/**
 * Long-form TextGrid with one interval tier; gaps between segments become empty intervals, as
 * Praat requires the tier to tile [xmin, xmax]. Overlapping segments cannot be expressed in one
 * tier: a segment is cut where the next starts. Point labels (start = end) are left out.
 */
export function writeTextGrid(
  segments: readonly Segment[],
  tierName = 'labels',
  duration?: number,
): string {
  return writeTextGridTiers(
    [{ name: tierName, kind: 'exclusive', segments: [...segments] }],
    duration,
  )
}

/**
 * Long-form TextGrid with one item per tier: a tier holding only points (start = end) is a
 * TextTier (Praat's point tier), any other an IntervalTier as writeTextGrid writes it.
 */
export function writeTextGridTiers(tiers: readonly Tier[], duration?: number): string {
  const all = tiers.flatMap((t) => t.segments)
  const xmax = Math.max(duration ?? 0, ...all.map((s) => s.end), 0)
  const items = tiers.map((t, k) => {
    const points = t.segments.length > 0 && t.segments.every((s) => s.end === s.start)
    const head = `    item [${k + 1}]:\n        class = "${points ? 'TextTier' : 'IntervalTier'}"\n        name = ${q(t.name)}\n        xmin = 0\n        xmax = ${xmax}\n`
    if (points) {
      const sorted = [...t.segments].sort((a, b) => a.start - b.start)
      const body = sorted
        .map(
          (s, j) =>
            `        points [${j + 1}]:\n            number = ${s.start}\n            mark = ${q(s.label)}\n`,
        )
        .join('')
      return `${head}        points: size = ${sorted.length}\n${body}`
    }
    const iv = tiling(t.segments, xmax)
    const body = iv
      .map(
        ([a, b, text], j) =>
          `        intervals [${j + 1}]:\n            xmin = ${a}\n            xmax = ${b}\n            text = ${q(text)}\n`,
      )
      .join('')
    return `${head}        intervals: size = ${iv.length}\n${body}`
  })
  return (
    `File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = ${xmax}\ntiers? <exists>\nsize = ${tiers.length}\nitem []:\n` +
    items.join('')
  )
}

/** Intervals tiling [0, xmax]: labelled ones, cut where the next starts, and empty gaps. */
function tiling(segments: readonly Segment[], xmax: number): Array<[number, number, string]> {
  const sorted = segments
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || a.end - b.end)
  const iv: Array<[number, number, string]> = []
  let at = 0
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]
    const start = Math.max(s.start, at)
    const end = Math.min(s.end, sorted[i + 1]?.start ?? Infinity)
    if (end <= start) continue
    if (start > at) iv.push([at, start, ''])
    iv.push([start, end, s.label])
    at = end
  }
  if (at < xmax || iv.length === 0) iv.push([at, xmax, ''])
  return iv
}
