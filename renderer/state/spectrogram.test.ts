/** The spectrogram's and the waveform's requests, as the view and the settings change. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PeaksWindow, SpectrogramImage } from '../../engine/api'
import { fake, settle } from './fake-api'
import { SignalState } from './signal.svelte'
import { SpectrogramState } from './spectrogram.svelte'
import { ViewState } from './view.svelte'

vi.mock('../api/client', async (real) => ({
  ...(await real<object>()),
  api: (await import('./fake-api')).fake.api,
}))

const peaks = (channels: number): PeaksWindow => ({
  duration: 60,
  sampleRate: 16000,
  channels,
  bucketSize: 256,
  start: 0,
  secondsPerBucket: 0.016,
  minMax: [0, 0],
})

/** A 4 × 2 image whose byte at (row r, column c) is 10 · (r · 4 + c). */
const IMAGE: Omit<SpectrogramImage, 'start' | 'end'> = {
  columns: 4,
  bands: 2,
  scale: 'linear',
  fMin: 0,
  fMax: 8000,
  rowHz: [2000, 6000],
  fftSize: 512,
  window: 'hann',
  hop: 0.25,
  framesPerColumn: 1,
  overlap: 0.5,
  dbLo: -120,
  dbStep: 0.5,
  floorDb: -90,
  ceilingDb: -20,
  channels: 2,
  channel: 'mix',
  pixels: btoa(String.fromCharCode(...Array.from({ length: 8 }, (_, i) => 10 * i))),
}

let view: ViewState
let signal: SignalState
beforeEach(() => {
  fake.reset()
  view = new ViewState()
  signal = new SignalState(view)
})
afterEach(() => vi.useRealTimers())

describe('SignalState channels', () => {
  it('asks for a row per channel, then only the channels picked', async () => {
    fake.handle('getPeaks', () => peaks(3))
    await signal.open('three.wav', 'audio')
    await settle()
    expect(signal.channels).toBe(3)
    expect(signal.rowChannels).toEqual([0, 1, 2])
    expect(
      fake
        .paramsOf('getPeaks')
        .slice(1)
        .map((p) => p.channel),
    ).toEqual([0, 1, 2])
    expect(signal.rows.map((r) => r.channel)).toEqual([0, 1, 2])

    fake.calls = []
    signal.showChannels([2])
    await settle()
    expect(signal.rowChannels).toEqual([2])
    expect(fake.paramsOf('getPeaks').map((p) => p.channel)).toEqual([2])
    expect(signal.rows.map((r) => r.channel)).toEqual([2])
    // Showing none is refused: the waveform always has a row.
    signal.showChannels([])
    expect(signal.rowChannels).toEqual([2])
  })

  it('asks for the mix of a mono file, once per window', async () => {
    fake.handle('getPeaks', () => peaks(1))
    await signal.open('mono.wav', 'audio')
    await settle()
    expect(signal.rowChannels).toEqual(['mix'])
    const asked = fake.paramsOf('getPeaks')
    expect(asked).toHaveLength(2)
    expect(asked.every((p) => p.channel === undefined)).toBe(true)
  })
})

describe('SpectrogramState', () => {
  async function opened() {
    fake.handle('getPeaks', () => peaks(2))
    fake.handle('getSpectrogram', ({ start, end }) => ({ ...IMAGE, start, end }))
    await signal.open('stereo.wav', 'audio')
    await settle()
    view.width = 900
    const s = new SpectrogramState(view, signal)
    s.enabled = true
    return s
  }

  it('asks for the pixels of the row and the settings, once the view settles', async () => {
    const s = await opened()
    s.height = 240
    s.scale = 'mel'
    s.fftSize = 2048
    s.channel = 1
    s.zoomFrequency(2000, 10000)
    vi.useFakeTimers()
    view.setWindow(10, 5)
    s.schedule()
    s.schedule()
    expect(fake.paramsOf('getSpectrogram')).toHaveLength(0)
    vi.advanceTimersByTime(200)
    vi.useRealTimers()
    await settle()
    const asked = fake.paramsOf('getSpectrogram')
    expect(asked).toHaveLength(1)
    expect(asked[0]).toMatchObject({
      media: 'stereo.wav',
      start: 10,
      end: 15,
      columns: 900,
      bands: 240,
      scale: 'mel',
      fftSize: 2048,
      window: 'hann',
      overlap: 0.5,
      channel: 1,
      fMin: 2000,
      fMax: 10000,
    })
  })

  it('reads the level under the pointer from the image, and shows the file range by default', async () => {
    const s = await opened()
    s.height = 100
    vi.useFakeTimers()
    view.setWindow(0, 4)
    s.schedule()
    vi.advanceTimersByTime(200)
    vi.useRealTimers()
    await settle()
    expect(s.image?.meta.columns).toBe(4)
    // t = 2.5 s is column 2; y = 20 px of 100 is the top row (row 1): byte 10 · (4 + 2).
    expect(s.levelAt(2.5, 20)).toBe(-120 + 60 * 0.5)
    // Row 0, column 0 holds byte 0: at or below the range.
    expect(s.levelAt(0.1, 90)).toBe(-Infinity)
    expect(s.levelAt(5, 20)).toBeNull()
    expect(s.range).toEqual({ lo: -90, hi: -20 })
    s.floorDb = -100
    s.contrast = 1
    expect(s.range).toEqual({ lo: -80, hi: -40 })
    // Recolouring asks nothing of the engine.
    const n = fake.paramsOf('getSpectrogram').length
    s.colormap = 'viridis'
    await settle()
    expect(fake.paramsOf('getSpectrogram')).toHaveLength(n)
  })

  it('keeps the band and height within bounds', async () => {
    const s = await opened()
    s.setHeight(10)
    expect(s.height).toBe(64)
    s.setHeight(5000)
    expect(s.height).toBe(600)
    s.zoomFrequency(3000, 3005)
    expect([s.fMin, s.fMax]).toEqual([null, null])
    s.zoomFrequency(-5, 4000.4)
    expect([s.fMin, s.fMax]).toEqual([0, 4000])
  })
})
