/**
 * The screen for the data, in browser mode at 1440×900 and 1280×720, on a 44.1 kHz bird-like
 * recording: the side panels fold away and back and their splitters resize them (remembered after
 * a reload); the waveform's amplitude zooms (keys and buttons) and its row is resized; Ctrl+wheel
 * zooms about the pointer and `+` about the playhead; the Train panel shows the features it will
 * use, a preview of them on the visible window and a warning with the numbers that the 16 kHz
 * default drops 8–22.05 kHz, fixed by one click on a full-band log-mel. Nothing overflows the
 * window sideways. Screenshots of each state go to the test's output folder.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { makeWav } from '../engine/media/audio/testing'
import { Project } from '../engine/project/store'
import { collectPageErrors, startEngine, tempDir, toneWav, type Engine } from './helpers'

const RATE = 44100
const SECONDS = 8
const LONG_NAME = 'XC000001 - Turdus merula - dawn chorus by the lake, second take 07.wav'

/** A call every second: a 0.25 s sweep from 12 to 9 kHz (above what 16 kHz keeps) over faint noise. */
function birdWav(): Buffer {
  const n = RATE * SECONDS
  let seed = 5
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1
  const x = new Float64Array(n)
  let phase = 0
  for (let i = 0; i < n; i++) {
    const u = (i / RATE) % 1
    phase += (2 * Math.PI * (12000 - (3000 * u) / 0.25)) / RATE
    x[i] =
      (u < 0.25 ? 0.05 * Math.sin(phase) * Math.sin((Math.PI * u) / 0.25) : 0) + 0.002 * noise()
  }
  return makeWav({ bits: 16, rate: RATE, channels: [x] })
}

let dir: string
let engine: Engine
test.beforeAll(async () => {
  dir = await tempDir('fw-e2e-screen-')
  const project = await Project.create(dir, 'screen')
  await project.setClasses([
    { name: 'background', color: '#888888', hotkey: null, role: 'background' },
    { name: 'song', color: '#e6550d', hotkey: 1, role: 'class' },
    { name: 'alarm call', color: '#31a354', hotkey: 2, role: 'class' },
  ])
  await fs.writeFile(path.join(dir, LONG_NAME), birdWav())
  // a 16 kHz recording, to open under a full-band 44.1 kHz spec
  await fs.writeFile(path.join(dir, 'a16k.wav'), toneWav(2, 16000))
  await project.addMedia([LONG_NAME, 'a16k.wav'])
  engine = await startEngine(['--project', dir])
})
test.afterAll(async () => {
  await engine?.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

const shot = (page: Page, info: TestInfo, name: string, size: string) =>
  page.screenshot({ path: info.outputPath(`screen-${size}-${name}.png`) })

const width = async (page: Page, testid: string) =>
  (await page.getByTestId(testid).boundingBox())?.width ?? 0

/** The visible window: [start, span] seconds. */
async function windowOf(page: Page): Promise<[number, number]> {
  const t = page.getByTestId('timeline')
  return [
    Number(await t.getAttribute('data-view-start')),
    Number(await t.getAttribute('data-view-span')),
  ]
}

/** Nothing is wider than the window (no sideways scrolling, no cut-off panel). */
async function expectNoSidewaysOverflow(page: Page) {
  // A string, as the other specs do: the e2e tsconfig has no DOM types.
  const over = (await page.evaluate(`(() => {
    const out = []
    if (document.documentElement.scrollWidth > window.innerWidth)
      out.push('page ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth)
    for (const el of document.querySelectorAll('aside, section, table, form, fieldset')) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        out.push(el.tagName.toLowerCase() + '.' + el.className + ': ' + el.scrollWidth + ' > ' + el.clientWidth)
    }
    return out
  })()`)) as string[]
  expect(over).toEqual([])
}

for (const [w, h] of [
  [1440, 900],
  [1280, 720],
] as const) {
  const size = `${w}x${h}`
  test(`panels, zoom and the Train panel's features at ${size}`, async ({ page }, info) => {
    const errors = collectPageErrors(page)
    await page.setViewportSize({ width: w, height: h })
    await page.goto(engine.url)
    await page.evaluate('localStorage.clear()')
    await page.reload()
    await expect(page.getByTestId('waveform-surface')).toBeVisible()

    // The long name is cut in its middle, the whole of it in the tooltip.
    const item = page.getByTestId('media-item').filter({ hasText: 'Turdus' })
    await item.click()
    await expect(item).toHaveAttribute('title', LONG_NAME)
    // its text stays whole (search and screen readers); CSS cuts the head where its room ends
    await expect(item).toContainText(LONG_NAME)
    const head = item.locator('.head')
    expect(await head.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true)
    await expect(item.locator('.tail')).toHaveText('take 07.wav')
    await expect(item.locator('.tail')).toBeVisible()
    await expect(page.getByTestId('media-meta').locator('strong')).toHaveAttribute(
      'title',
      LONG_NAME,
    )
    // The class table fits the file list: no column cut.
    await page.getByTestId('class-editor').locator('summary').click()
    await expect(page.getByTestId('class-row')).toHaveCount(3)
    await expectNoSidewaysOverflow(page)
    const list = (await page.getByTestId('pane-left').boundingBox())!
    for (const cell of await page.getByTestId('class-row').first().locator('td').all()) {
      const b = (await cell.boundingBox())!
      expect(b.x + b.width).toBeLessThanOrEqual(list.x + list.width + 0.5)
    }
    await shot(page, info, '1-studio', size)

    // Fold the file list away: the timeline takes its room; unfold it again.
    const before = await width(page, 'timeline')
    await page.getByTestId('fold-left').click()
    await expect.poll(() => width(page, 'pane-left')).toBeLessThan(2)
    await expect.poll(() => width(page, 'timeline')).toBeGreaterThan(before + 150)
    await page.getByTestId('fold-right').click()
    await expect.poll(() => width(page, 'pane-right')).toBeLessThan(2)
    await shot(page, info, '2-folded', size)
    await page.getByTestId('fold-left').click()
    await page.getByTestId('fold-right').click()
    await expect.poll(() => width(page, 'pane-left')).toBeGreaterThan(150)

    // Drag the right splitter 100 px left: the side panel grows by 100 px, and stays so after a reload.
    const right = await width(page, 'pane-right')
    const bar = (await page.getByTestId('splitter-right').boundingBox())!
    await page.mouse.move(bar.x + bar.width / 2, bar.y + 200)
    await page.mouse.down()
    await page.mouse.move(bar.x + bar.width / 2 - 50, bar.y + 200, { steps: 4 })
    await page.mouse.move(bar.x + bar.width / 2 - 100, bar.y + 200, { steps: 4 })
    await page.mouse.up()
    await expect.poll(() => width(page, 'pane-right')).toBeCloseTo(right + 100, -1)
    await page.reload()
    await expect(page.getByTestId('waveform-surface')).toBeVisible()
    await expect.poll(() => width(page, 'pane-right')).toBeCloseTo(right + 100, -1)

    // Amplitude zoom: ↑ twice magnifies ×4 (12 dB), the button shrinks it back.
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    await expect(page.getByTestId('amplitude')).toHaveText('×4 (12 dB)')
    await shot(page, info, '3-amplitude', size)
    await page.getByTestId('amplitude-down').click()
    await expect(page.getByTestId('amplitude')).toHaveText('×2 (6 dB)')
    await page.getByTestId('amplitude-down').click()
    await expect(page.getByTestId('amplitude')).toHaveCount(0)

    // The waveform row is resized by its bottom edge.
    const wave = page.getByTestId('waveform-surface')
    const wb = (await wave.boundingBox())!
    const edge = (await page.getByTestId('waveform-resize').boundingBox())!
    await page.mouse.move(edge.x + 100, edge.y + edge.height / 2)
    await page.mouse.down()
    await page.mouse.move(edge.x + 100, edge.y + edge.height / 2 - 60, { steps: 4 })
    await page.mouse.up()
    await expect
      .poll(async () => (await wave.boundingBox())!.height)
      .toBeCloseTo(wb.height - 60, -1)

    // Ctrl+wheel zooms about the pointer: the time under it stays under it.
    const [s0, span0] = await windowOf(page)
    const at = 0.75
    await page.mouse.move(wb.x + wb.width * at, wb.y + 20)
    await page.keyboard.down('Control')
    await page.mouse.wheel(0, -300)
    await page.keyboard.up('Control')
    await expect.poll(async () => (await windowOf(page))[1]).toBeLessThan(span0 * 0.6)
    const [s1, span1] = await windowOf(page)
    expect(s1 + at * span1).toBeCloseTo(s0 + at * span0, 1)

    // `+` zooms about the playhead: click at 40 % across, the playhead stays at that pixel.
    await wave.click({ position: { x: wb.width * 0.4, y: 20 } })
    const playhead = page.getByTestId('playhead')
    const x0 = (await playhead.boundingBox())!.x
    await page.keyboard.press('+')
    await expect.poll(async () => (await windowOf(page))[1]).toBeLessThan(span1 * 0.6)
    expect(Math.abs((await playhead.boundingBox())!.x - x0)).toBeLessThan(3)

    // The Train panel: the default features, their preview, and what they drop from this file.
    await page.getByTestId('tab-train').click()
    const features = page.getByTestId('train-features')
    await expect(features.getByTestId('features-summary')).toContainText('16 kHz · 13 MFCC')
    const warning = features.getByTestId('bandwidth-warning')
    await expect(warning).toContainText('above 8 kHz of this 44.1 kHz recording')
    await expect(warning).toContainText('8 kHz–22.05 kHz, 64% of its band')
    const preview = features.getByTestId('feature-preview').locator('canvas')
    await expect(preview).toHaveAttribute('data-dims', '39')
    await features.scrollIntoViewIfNeeded()
    await expectNoSidewaysOverflow(page)
    await shot(page, info, '4-features-warning', size)

    // One click: full-band log-mel at the file's rate, no warning, 64 rows in the preview.
    await warning.getByTestId('use-full-band').click()
    await expect(warning).toHaveCount(0)
    await expect(features.getByTestId('features-summary')).toContainText(
      '44.1 kHz · 64 log-mel bands',
    )
    await expect(preview).toHaveAttribute('data-dims', '64')
    await shot(page, info, '5-features-full-band', size)

    // Under that spec a 16 kHz recording leaves the bands above 8 kHz empty: said, with the count.
    await page.getByTestId('media-item').filter({ hasText: 'a16k.wav' }).click()
    await expect(features.getByTestId('empty-band-note')).toHaveText(
      'This 16 kHz recording has nothing above 8 kHz: 17 of the 64 mel bands will be empty for it.',
    )
    await expect(features.getByTestId('bandwidth-warning')).toHaveCount(0)
    await page.getByTestId('media-item').filter({ hasText: 'Turdus' }).click()
    expect(errors).toEqual([])
  })
}
