/**
 * The import dialog's column mapping as data: one role per column of a CSV label table (start,
 * end, duration, label, file, or none), read from the mapping the engine proposes
 * (previewLabelTable) and turned back into the `mapping` importLabels takes, with what is still
 * missing before the table can be read.
 */
import type { ColumnMapping } from '../../engine/api'

export const ROLES = ['start', 'end', 'duration', 'label', 'file'] as const
export type Role = (typeof ROLES)[number]

/** What each role means, for the column's role menu. */
export const ROLE_TITLES: Record<Role, string> = {
  start: 'start',
  end: 'end',
  duration: 'duration',
  label: 'label',
  file: 'recording (file)',
}

/** Each column's role (null: not read), in column order. */
export type Roles = (Role | null)[]

/** The roles a mapping gives `columns` (a column named by two roles keeps the first). */
export function rolesOf(columns: readonly string[], mapping: ColumnMapping): Roles {
  const roles: Roles = columns.map(() => null)
  for (const role of ROLES) {
    const i = mapping[role] === undefined ? -1 : columns.indexOf(mapping[role])
    if (i >= 0 && roles[i] === null) roles[i] = role
  }
  return roles
}

/**
 * `roles` with column `i` given `role`: a role is one column's, so it leaves the column that had
 * it; end and duration exclude each other (end = start + duration).
 */
export function withRole(roles: Roles, i: number, role: Role | null): Roles {
  const rival = role === 'end' ? 'duration' : role === 'duration' ? 'end' : null
  return roles.map((r, k) => {
    if (k === i) return role
    return r !== null && (r === role || r === rival) ? null : r
  })
}

/** The mapping importLabels reads the table with: the columns by name, and the time unit. */
export function mappingOf(
  columns: readonly string[],
  roles: Roles,
  unit: ColumnMapping['unit'],
): ColumnMapping {
  const m: ColumnMapping = unit ? { unit } : {}
  roles.forEach((role, i) => {
    if (role) m[role] = columns[i]
  })
  return m
}

/**
 * What the user must still choose before the table can be read, one line each. `points`: the
 * engine reads the rows as instants (Sonic Visualiser's `time[,label]`), so no end is needed.
 */
export function missingChoices(roles: Roles, className: string, points = false): string[] {
  const has = (r: Role) => roles.includes(r)
  const out: string[] = []
  if (!has('start')) out.push('Choose the start column.')
  if (!has('end') && !has('duration') && !points) out.push('Choose an end or a duration column.')
  if (!has('label') && className.trim() === '')
    out.push('Choose the label column, or name the one class of every row.')
  return out
}
