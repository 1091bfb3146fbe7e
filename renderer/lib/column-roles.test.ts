import { describe, expect, it } from 'vitest'
import { mappingOf, missingChoices, rolesOf, withRole } from './column-roles'

// What DAS writes: an unnamed pandas index, then name, start_seconds, stop_seconds.
const DAS = ['', 'name', 'start_seconds', 'stop_seconds']

describe('column roles', () => {
  it('reads the roles of the mapping the engine proposes, and writes the same mapping back', () => {
    const proposed = {
      start: 'start_seconds',
      end: 'stop_seconds',
      label: 'name',
      unit: 's' as const,
    }
    const roles = rolesOf(DAS, proposed)
    expect(roles).toEqual([null, 'label', 'start', 'end'])
    expect(mappingOf(DAS, roles, 's')).toEqual(proposed)
  })
  it('moves a role to the column given it, and keeps end and duration apart', () => {
    const cols = ['onset', 'offset', 'dur', 'species', 'call']
    let roles = rolesOf(cols, { start: 'onset', end: 'offset', label: 'species' })
    roles = withRole(roles, 4, 'label')
    expect(roles).toEqual(['start', 'end', null, null, 'label'])
    roles = withRole(roles, 2, 'duration')
    expect(roles).toEqual(['start', null, 'duration', null, 'label'])
    expect(mappingOf(cols, roles, 'ms')).toEqual({
      start: 'onset',
      duration: 'dur',
      label: 'call',
      unit: 'ms',
    })
    roles = withRole(roles, 4, null)
    expect(mappingOf(cols, roles, undefined)).toEqual({ start: 'onset', duration: 'dur' })
  })
  it('names the columns of a table without header by number', () => {
    expect(rolesOf(['1', '2', '3'], { start: '1', end: '2', label: '3' })).toEqual([
      'start',
      'end',
      'label',
    ])
  })
  it('says what is still to choose: start, end or duration, label or one class', () => {
    expect(missingChoices([null, null], '')).toHaveLength(3)
    expect(missingChoices(['start', 'duration'], '')).toEqual([
      'Choose the label column, or name the one class of every row.',
    ])
    expect(missingChoices(['start', 'duration'], 'pulse')).toEqual([])
    expect(missingChoices(['start', 'end', 'label'], '')).toEqual([])
    // instants (the engine's preview says points): no end needed
    expect(missingChoices(['start', 'label'], '', true)).toEqual([])
    expect(missingChoices(['start', 'label'], '')).toEqual(['Choose an end or a duration column.'])
  })
})
