import { describe, expect, it } from 'vitest'
import type { MediaEntry } from '../../engine/api'
import { takesRate } from './series-rate'

const entry = (over: Partial<MediaEntry>): MediaEntry => ({
  id: 'x.csv',
  path: 'x.csv',
  kind: 'series',
  segmentCount: 0,
  status: 'unlabelled',
  ...over,
})
const NO_TIME =
  '/p/x.csv: no time column: rows are drawn 1 s apart; give the rate in the import dialog'

describe('a series takes a rate', () => {
  it('when the engine says it has no time column, or a rate is set', () => {
    expect(takesRate(entry({}), [NO_TIME])).toBe(true)
    expect(takesRate(entry({ seriesRate: 50 }), [])).toBe(true)
  })
  it('not when it has a time column, nor for audio', () => {
    expect(takesRate(entry({}), ['/p/x.csv: skipped columns of text, not numbers: "note"'])).toBe(
      false,
    )
    expect(takesRate(entry({ kind: 'audio' }), [NO_TIME])).toBe(false)
    expect(takesRate(null, [NO_TIME])).toBe(false)
  })
})
