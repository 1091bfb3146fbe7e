import { describe, expect, it } from 'vitest'
import {
  clampWindow,
  formatTime,
  frameSeconds,
  MIN_SPAN,
  reveal,
  snap,
  ticks,
  tickStep,
  timeToX,
  xToTime,
  zoomAt,
} from './timescale'

const v = { start: 10, span: 20, width: 1000 }

describe('timescale', () => {
  it('maps time to pixels and back', () => {
    expect(timeToX(v, 10)).toBe(0)
    expect(timeToX(v, 30)).toBe(1000)
    expect(timeToX(v, 15)).toBe(250)
    expect(xToTime(v, 250)).toBe(15)
    for (const x of [0, 1, 333.3, 999]) expect(timeToX(v, xToTime(v, x))).toBeCloseTo(x, 9)
  })

  it('clamps windows into the file', () => {
    expect(clampWindow(-5, 10, 100)).toEqual({ start: 0, span: 10 })
    expect(clampWindow(95, 10, 100)).toEqual({ start: 90, span: 10 })
    expect(clampWindow(0, 500, 100)).toEqual({ start: 0, span: 100 })
    expect(clampWindow(3, 0, 100)).toEqual({ start: 3, span: MIN_SPAN })
  })

  it('zooms about the anchor, keeping it at the same pixel', () => {
    const z = zoomAt(v, 100, 2, 15)
    expect(z.span).toBe(10)
    expect(timeToX({ ...z, width: 1000 }, 15)).toBeCloseTo(250, 9)
    const out = zoomAt(v, 100, 0.01, 15)
    expect(out).toEqual({ start: 0, span: 100 })
  })

  it('reveals a time outside the window with a margin, and leaves one inside alone', () => {
    expect(reveal(v, 100, 20)).toEqual({ start: 10, span: 20 })
    expect(reveal(v, 100, 50)).toEqual({ start: 32, span: 20 })
    expect(reveal(v, 100, 1)).toEqual({ start: 0, span: 20 })
  })

  it('snaps to the frame grid without float noise', () => {
    expect(snap(0.1234, 0.01)).toBe(0.12)
    expect(snap(0.3, 0.1)).toBe(0.3)
    expect(snap(1.005, 0)).toBe(1.005)
    expect(snap(7.77, 0.5)).toBe(8)
  })

  it('picks 1-2-5 tick steps at least minPx apart and lists ticks inside the window', () => {
    expect(tickStep(v, 80)).toBe(2) // 0.02 s/px · 80 = 1.6 s → 2 s
    expect(tickStep({ start: 0, span: 1, width: 1000 }, 80)).toBeCloseTo(0.1, 12)
    expect(tickStep({ start: 0, span: 3600, width: 1000 }, 80)).toBe(300)
    expect(ticks(v, 5)).toEqual([10, 15, 20, 25, 30])
    expect(ticks({ start: 0.05, span: 0.3, width: 100 }, 0.1)).toEqual([0.1, 0.2, 0.3])
  })

  it('formats times for the ruler', () => {
    expect(formatTime(0)).toBe('0:00')
    expect(formatTime(75)).toBe('1:15')
    expect(formatTime(3725)).toBe('1:02:05')
    expect(formatTime(1.25, 0.05)).toBe('0:01.25')
    expect(formatTime(0.5, 0.1)).toBe('0:00.5')
    // Rounding carries into minutes and hours.
    expect(formatTime(59.99999, 1)).toBe('1:00')
    expect(formatTime(3599.9996, 0.001)).toBe('1:00:00.000')
    expect(formatTime(-59.6)).toBe('-1:00')
  })

  it('takes the snap grid from the project feature hop: audio seconds, series rows / rate', () => {
    const hop = { audio: 0.02, seriesRows: 5 }
    expect(frameSeconds('audio', hop, 44100)).toBe(0.02)
    expect(frameSeconds('series', hop, 50)).toBe(0.1)
    expect(frameSeconds('series', hop, 0)).toBeNull() // rate not known yet
    expect(frameSeconds(null, hop, 50)).toBeNull()
    expect(frameSeconds('audio', undefined, 50)).toBeNull()
    // Snapped edges land on frame centres: t = k · hop.
    expect(snap(1.234, frameSeconds('series', hop, 50)!)).toBe(1.2)
  })
})
