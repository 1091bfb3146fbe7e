/** The visible window's zoom anchors and the waveform's amplitude zoom. */
import { describe, expect, it } from 'vitest'
import { MAX_AMPLITUDE, ViewState } from './view.svelte'

function view(): ViewState {
  const v = new ViewState()
  v.reset(100)
  v.width = 1000
  return v
}

/** Where `t` is across the width, 0 … 1. */
const at = (v: ViewState, t: number) => (t - v.start) / v.span

describe('ViewState zoom', () => {
  it('zooms about the playhead when it is in view: it stays at its place across the width', () => {
    const v = view()
    v.setWindow(20, 40)
    v.cursor = 50
    const before = at(v, 50)
    v.zoom(2)
    expect(v.span).toBeCloseTo(20)
    expect(at(v, 50)).toBeCloseTo(before)
    v.zoom(0.5)
    expect(v.span).toBeCloseTo(40)
    expect(at(v, 50)).toBeCloseTo(before)
  })

  it('zooms about the centre when the playhead is out of view, and about a given anchor', () => {
    const v = view()
    v.setWindow(20, 40)
    v.cursor = 90
    v.zoom(2)
    expect(v.start + v.span / 2).toBeCloseTo(40)
    v.zoom(2, 35)
    expect(at(v, 35)).toBeCloseTo((35 - 30) / 20)
  })

  it('magnifies the amplitude by factors within 1 … MAX_AMPLITUDE', () => {
    const v = view()
    expect(v.amplitude).toBe(1)
    v.zoomAmplitude(2)
    v.zoomAmplitude(2)
    expect(v.amplitude).toBe(4)
    for (let i = 0; i < 20; i++) v.zoomAmplitude(2)
    expect(v.amplitude).toBe(MAX_AMPLITUDE)
    for (let i = 0; i < 20; i++) v.zoomAmplitude(0.5)
    expect(v.amplitude).toBe(1)
  })
})
