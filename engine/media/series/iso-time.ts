/**
 * ISO 8601 date-times as sensor logs write them in a time column: `2024-05-01T10:00:00Z`, a space
 * for the `T`, fractional seconds of any length (`.123456`, or `,123456`), a zone (`Z`, `+02:00`,
 * `+0200`, `-05`) or none, or a date alone. A time without a zone is read as if in UTC: times
 * relative to the first row then never jump by an hour at a daylight-saving change.
 */

export interface IsoTime {
  /** Whole seconds since 1970-01-01T00:00:00Z (zone applied; a zone-less time as if in UTC). */
  seconds: number
  /** Fraction of a second, 0 ≤ fraction < 1: kept apart so microseconds survive in float64. */
  fraction: number
  /** Whether the text gave a zone. */
  zoned: boolean
}

const ISO_TIME =
  /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d\d(?::?\d\d)?)?$/

/**
 * An ISO 8601 date-time as it sits in a line, for telling it apart from separators (`:` and
 * space occur inside one): the form above with a time, and a `.` fraction only (`,` separates).
 */
export const ISO_TIME_IN_LINE =
  /\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)?/

/** The instant `text` names, or null when it is not an ISO 8601 date(-time) or not a real one. */
export function parseIsoTime(text: string): IsoTime | null {
  const m = ISO_TIME.exec(text)
  if (!m) return null
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0))
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  if (d.getUTCDate() !== day) return null // 2024-02-30
  d.setUTCHours(hour, minute, second, 0)
  let offset = 0
  const zone = m[8]
  if (zone && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '') // hh or hhmm
    const zh = Number(digits.slice(0, 2))
    const zm = digits.length > 2 ? Number(digits.slice(2)) : 0
    if (zh > 23 || zm > 59) return null
    offset = (zone[0] === '-' ? -1 : 1) * (zh * 3600 + zm * 60)
  }
  return {
    seconds: d.getTime() / 1000 - offset,
    fraction: m[7] ? Number(`0.${m[7]}`) : 0,
    zoned: zone !== undefined,
  }
}
