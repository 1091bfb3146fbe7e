/**
 * The spectrogram one measures on, and a multichannel recording, in browser mode at 1440×900 and
 * 1280×720: the header names the channels and the waveform has a row per channel (the picker
 * shows one); the spectrogram has labelled frequency ticks and a time/frequency/level read-out;
 * colour map, dB range, frequency band, channel and height are changed; zoomed in, the engine's
 * image has a column per pixel. Screenshots of each state go to the test's output folder.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { makeWav } from '../engine/media/audio/testing'
import { Project } from '../engine/project/store'
import { collectPageErrors, startEngine, tempDir, type Engine } from './helpers'

const RATE = 44100
const SECONDS = 10

/**
 * Two channels: a bird-like call every second on channel 1 (a 0.3 s sweep from 8 to 4 kHz), a
 * steady 1 kHz tone with two harmonics on channel 2, both over faint noise.
 */
function stereoWav(): Buffer {
  const n = RATE * SECONDS
  let seed = 3
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1
  const a = new Float64Array(n)
  const b = new Float64Array(n)
  let phase = 0
  for (let i = 0; i < n; i++) {
    const t = i / RATE
    const u = t % 1
    const f = 8000 - (4000 * u) / 0.3
    phase += (2 * Math.PI * f) / RATE
    a[i] = (u < 0.3 ? 0.4 * Math.sin(phase) * Math.sin((Math.PI * u) / 0.3) : 0) + 0.003 * noise()
    const w = 2 * Math.PI * 1000 * t
    b[i] = 0.3 * Math.sin(w) + 0.1 * Math.sin(2 * w) + 0.05 * Math.sin(3 * w) + 0.003 * noise()
  }
  return makeWav({ bits: 16, rate: RATE, channels: [a, b] })
}

let dir: string
let engine: Engine
test.beforeAll(async () => {
  dir = await tempDir('fw-e2e-spectro-')
  const project = await Project.create(dir, 'spectrogram')
  await project.setClasses([
    { name: 'background', color: '#888888', hotkey: null, role: 'background' },
    { name: 'call', color: '#e6550d', hotkey: 1, role: 'class' },
  ])
  await fs.writeFile(path.join(dir, 'stereo.wav'), stereoWav())
  await project.addMedia(['stereo.wav'])
  engine = await startEngine(['--project', dir])
})
test.afterAll(async () => {
  await engine?.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Waits until the image on screen was computed for the window shown now, at its pixels. */
async function settled(page: Page) {
  const canvas = page.getByTestId('spectrogram')
  await expect
    .poll(async () => {
      const box = await canvas.boundingBox()
      return (
        Number(await canvas.getAttribute('data-columns')) === Math.round(box?.width ?? -1) &&
        Number(await canvas.getAttribute('data-rows')) === Math.round(box?.height ?? -1)
      )
    })
    .toBe(true)
  // And it is the image of the window shown.
  await expect
    .poll(async () => {
      const [a, b, c, d] = await Promise.all(
        ['data-start', 'data-end', 'data-view-start', 'data-view-end'].map(async (k) =>
          Number(await canvas.getAttribute(k)),
        ),
      )
      return Math.abs(a - c) + Math.abs(b - d) < 1e-6
    })
    .toBe(true)
}

const shot = (page: Page, info: TestInfo, name: string, size: string) =>
  page.screenshot({ path: info.outputPath(`spectrogram-${size}-${name}.png`) })

for (const [width, height] of [
  [1440, 900],
  [1280, 720],
] as const) {
  const size = `${width}x${height}`
  test(`spectrogram and channels at ${size}`, async ({ page }, info) => {
    const errors = collectPageErrors(page)
    await page.setViewportSize({ width, height })
    await page.goto(engine.url)
    await expect(page.getByTestId('waveform-surface')).toBeVisible()

    // The header names the channels; the waveform has a row for each.
    await expect(page.getByTestId('channel-count')).toHaveText('2 channels')
    await expect(page.getByTestId('channel-row-label')).toHaveText(['ch 1', 'ch 2'])
    await shot(page, info, '1-channels', size)

    // The spectrogram: linear by default, ticks to the Nyquist frequency, a read-out under the pointer.
    await page.getByTestId('spectrogram-toggle').check()
    const spectro = page.getByTestId('spectrogram')
    await expect(spectro).toBeVisible()
    await settled(page)
    const axis = page.getByTestId('spectrogram-axis')
    await expect(axis).toContainText('10 kHz')
    await expect(axis).toContainText('20 kHz')
    const box = (await spectro.boundingBox())!
    // Channel 1's sweep at 0.15 s into the 4th second, about 6 kHz: about a third of the way up.
    await page.mouse.move(box.x + box.width * 0.315, box.y + box.height * (1 - 6000 / 22050))
    const readout = page.getByTestId('spectrogram-readout')
    await expect(readout).toBeVisible()
    await expect(readout).toHaveText(/0:03\.\d+ · \d+ Hz · -?\d+\.\d dB/)
    await shot(page, info, '2-spectrogram-readout', size)

    // Settings: colour map, dB range, frequency band.
    await page.getByTestId('spectrogram-settings-button').click()
    const settings = page.getByTestId('spectro-settings')
    await expect(settings).toBeVisible()
    await expect(settings.getByTestId('spectro-shown')).toContainText(/file -?\d+ … -?\d+ dB/)
    await settings.getByTestId('spectro-colormap').selectOption('viridis')
    await settings.getByTestId('spectro-floor').fill('-90')
    await settings.getByTestId('spectro-floor').press('Enter')
    await settings.getByTestId('spectro-ceiling').fill('-10')
    await settings.getByTestId('spectro-ceiling').press('Enter')
    await expect(settings.getByTestId('spectro-shown')).toContainText('showing -90 … -10 dB')
    await settings.getByTestId('spectro-fmin').fill('2000')
    await settings.getByTestId('spectro-fmin').press('Enter')
    await settings.getByTestId('spectro-fmax').fill('10000')
    await settings.getByTestId('spectro-fmax').press('Enter')
    await expect(axis).toContainText('2 kHz')
    await expect(axis).toContainText('10 kHz')
    await expect(axis).not.toContainText('20 kHz')
    await settled(page)
    await shot(page, info, '3-settings-viridis-2-10kHz', size)
    await settings.getByRole('button', { name: 'Close settings' }).click()
    await expect(settings).toBeHidden()

    // The spectrogram of channel 2 (the 1 kHz tone), in greyscale, the whole band again.
    await page.getByTestId('spectrogram-settings-button').click()
    await settings.getByTestId('spectro-channel').selectOption('1')
    await settings.getByTestId('spectro-colormap').selectOption('greyscale')
    await settings.getByRole('button', { name: 'The whole band' }).click()
    await page.keyboard.press('Escape')
    await expect(settings).toBeHidden()
    await expect(axis).toContainText('20 kHz')

    // A taller row, dragged by its bottom edge.
    const before = (await spectro.boundingBox())!.height
    const handle = (await page.getByTestId('spectrogram-resize').boundingBox())!
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + handle.width / 2, handle.y + 80, { steps: 5 })
    await page.mouse.up()
    await expect
      .poll(async () => (await spectro.boundingBox())!.height)
      .toBeGreaterThan(before + 60)
    await settled(page)
    await shot(page, info, '4-channel2-greyscale-taller', size)

    // Frequency zoom by dragging on the axis: from 1.5 kHz down to about 0.
    const a = (await axis.boundingBox())!
    const yOf = (hz: number) => a.y + a.height * (1 - hz / 22050)
    await page.mouse.move(a.x + 10, yOf(3500))
    await page.mouse.down()
    await page.mouse.move(a.x + 10, yOf(500), { steps: 5 })
    await page.mouse.up()
    await expect(axis).not.toContainText('10 kHz')
    await expect(axis).toContainText('1 kHz')
    await settled(page)

    // Zoomed in to a few milliseconds: still a column per pixel, not a stretched image.
    for (let i = 0; i < 9; i++) await page.getByTestId('zoom-in').click()
    await settled(page)
    const cols = Number(await spectro.getAttribute('data-columns'))
    expect(cols).toBe(Math.round((await spectro.boundingBox())!.width))
    const span =
      Number(await spectro.getAttribute('data-end')) -
      Number(await spectro.getAttribute('data-start'))
    expect(span).toBeLessThan(0.05)
    await shot(page, info, '5-zoomed-1kHz-band', size)

    // One waveform row: channel 2 only.
    await page.getByTestId('channel-picker').getByLabel('ch 1').uncheck()
    await expect(page.getByTestId('channel-row-label')).toHaveText(['ch 2'])
    await expect(page.getByTestId('waveform-surface')).toHaveAttribute('data-channels', '1')
    await shot(page, info, '6-one-channel', size)
    expect(errors).toEqual([])
  })
}
