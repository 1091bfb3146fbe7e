/**
 * The walking-skeleton workflow in browser mode: create a project, add a WAV, see its waveform,
 * drag out a labelled segment, reload, and find it still there (and on disk).
 */
import { expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { startEngine, tempDir, toneWav, type Engine } from './helpers'

let engine: Engine
let root: string

test.beforeAll(async () => {
  root = await tempDir('fw-e2e-')
  await fs.writeFile(path.join(root, 'tone.wav'), toneWav(4))
  engine = await startEngine()
})
test.afterAll(async () => {
  await engine.stop()
  await fs.rm(root, { recursive: true, force: true })
})

test('label a WAV and find the label after a reload', async ({ page }, testInfo) => {
  const projectDir = path.join(root, 'project')
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(engine.url)

  await page.getByTestId('create-project-input').fill(projectDir)
  await page.getByTestId('create-project-submit').click()
  await page.getByTestId('add-media-input').fill(path.join(root, 'tone.wav'))
  await page.getByTestId('add-media-submit').click()
  await expect(page.getByTestId('media-item')).toHaveAttribute('title', '../tone.wav')

  const surface = page.getByTestId('waveform-surface')
  await expect(surface).toBeVisible()
  await expect(page.getByText('4.00 s · 16000 Hz')).toBeVisible()

  // Drag across the middle third of the waveform: a segment of the current class ('event').
  const box = (await surface.boundingBox())!
  const y = box.y + box.height / 2
  await page.mouse.move(box.x + box.width / 3, y)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width / 2, y, { steps: 8 })
  await page.mouse.move(box.x + (2 * box.width) / 3, y, { steps: 8 })
  await page.mouse.up()

  const rows = page.getByTestId('segment-row')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('event')
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  await page.screenshot({ path: testInfo.outputPath('labelled.png') })

  // The label file on disk holds the segment, at about a third to two thirds of 4 s.
  const saved = JSON.parse(
    await fs.readFile(path.join(projectDir, 'labels/tone.labels.json'), 'utf8'),
  ).tiers[0]
  expect(saved.segments).toHaveLength(1)
  expect(saved.segments[0].label).toBe('event')
  expect(saved.segments[0].start).toBeGreaterThan(1.1)
  expect(saved.segments[0].start).toBeLessThan(1.6)
  expect(saved.segments[0].end).toBeGreaterThan(2.4)
  expect(saved.segments[0].end).toBeLessThan(2.9)

  await page.reload()
  await expect(page.getByTestId('waveform-surface')).toBeVisible()
  await expect(page.getByTestId('segment-row')).toHaveCount(1)
  await expect(page.getByTestId('segment-row').first()).toContainText(
    saved.segments[0].start.toFixed(3),
  )
  await page.screenshot({ path: testInfo.outputPath('after-reload.png') })
  expect(pageErrors).toEqual([])
})

test('the page without the token gets no access', async ({ page }) => {
  await page.goto(engine.url.replace(/\?token=.*/, ''))
  await expect(page.locator('#app')).toContainText('needs the address printed by `npm start`')
  await page.goto(engine.url.replace(/token=[0-9a-f]+/, 'token=' + 'a'.repeat(64)))
  await expect(page.locator('#app')).toContainText('could not connect')
})
