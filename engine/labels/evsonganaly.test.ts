import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readEvsonganaly } from './evsonganaly'

const REAL = '/work/shared/realworld/labels/other/evsonganaly/or60yw70_300912_0725.437.cbin.not.mat'

describe('readEvsonganaly', () => {
  it.skipIf(!existsSync(REAL))('reads the crowsetta single-segment file (ms to seconds)', () => {
    const segs = readEvsonganaly(readFileSync(REAL), 'or60yw70.not.mat')
    expect(segs).toHaveLength(1)
    expect(segs[0].label).toBe('-')
    expect(segs[0].start).toBeCloseTo(0.3441741694905135, 12)
    expect(segs[0].end).toBeCloseTo(0.4522680793490239, 12)
  })

  it('refuses a file that is not a MAT-file in one line', () => {
    expect(() => readEvsonganaly(Buffer.from('hello'), 'x.not.mat')).toThrow(
      /^x\.not\.mat: [^\n]+$/,
    )
  })
})
