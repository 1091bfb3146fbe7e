import { describe, expect, it } from 'vitest'
import { CLASS_COLOURS, classColour } from './class-colours'

describe('class colours', () => {
  it('are distinct #rrggbb colours, and cycle', () => {
    expect(new Set(CLASS_COLOURS).size).toBe(CLASS_COLOURS.length)
    for (const c of CLASS_COLOURS) expect(c).toMatch(/^#[0-9a-f]{6}$/)
    expect(classColour(0)).toBe(CLASS_COLOURS[0])
    expect(classColour(CLASS_COLOURS.length + 1)).toBe(CLASS_COLOURS[1])
  })
})
