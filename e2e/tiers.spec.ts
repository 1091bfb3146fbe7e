/**
 * Tiers in the studio: add an overlapping tier next to the file's exclusive one, draw two events
 * that overlap in it, find both tiers on disk and after a reload, and undo the tier's addition.
 */
import { expect, test, type Page } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { startEngine, tempDir, toneWav, type Engine } from './helpers'

let engine: Engine
let root: string

test.beforeAll(async () => {
  root = await tempDir('fw-e2e-tiers-')
  await fs.writeFile(path.join(root, 'tone.wav'), toneWav(4))
  engine = await startEngine()
})
test.afterAll(async () => {
  await engine.stop()
  await fs.rm(root, { recursive: true, force: true })
})

/** Drag across the waveform from fraction `a` to `b` of its width. */
async function draw(page: Page, a: number, b: number) {
  const box = (await page.getByTestId('waveform-surface').boundingBox())!
  const y = box.y + box.height / 2
  await page.mouse.move(box.x + a * box.width, y)
  await page.mouse.down()
  await page.mouse.move(box.x + ((a + b) / 2) * box.width, y, { steps: 6 })
  await page.mouse.move(box.x + b * box.width, y, { steps: 6 })
  await page.mouse.up()
}

test('two overlapping events in an overlapping tier, kept on disk and after a reload', async ({
  page,
}) => {
  const projectDir = path.join(root, 'project')
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(engine.url)
  await page.getByTestId('create-project-input').fill(projectDir)
  await page.getByTestId('create-project-submit').click()
  await page.getByTestId('add-media-input').fill(path.join(root, 'tone.wav'))
  await page.getByTestId('add-media-submit').click()
  await expect(page.getByTestId('waveform-surface')).toBeVisible()

  const select = page.getByTestId('tier-select')
  await expect(select.locator('option')).toHaveText(['labels · exclusive'])
  // one event in the exclusive tier
  await draw(page, 0.1, 0.3)
  const rows = page.getByTestId('segment-row')
  await expect(rows).toHaveCount(1)

  await page.getByTestId('tier-add').click()
  await page.getByTestId('tier-name').fill('events')
  await page.getByTestId('tier-kind').selectOption('overlapping')
  await page.getByTestId('tier-submit').click()
  await expect(select.locator('option')).toHaveText(['labels · exclusive', 'events · overlapping'])
  await expect(rows).toHaveCount(0)
  // two events that overlap: the second keeps the first whole
  await draw(page, 0.2, 0.6)
  await draw(page, 0.4, 0.8)
  await expect(rows).toHaveCount(2)

  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  const file = JSON.parse(
    await fs.readFile(path.join(projectDir, 'labels/tone.labels.json'), 'utf8'),
  )
  expect(file.version).toBe(2)
  expect(file.tiers.map((t: { name: string; kind: string }) => [t.name, t.kind])).toEqual([
    ['labels', 'exclusive'],
    ['events', 'overlapping'],
  ])
  const [a, b] = file.tiers[1].segments as { start: number; end: number }[]
  expect(a.end).toBeGreaterThan(b.start) // they overlap
  expect(file.tiers[0].segments).toHaveLength(1)

  await page.reload()
  await expect(page.getByTestId('waveform-surface')).toBeVisible()
  await expect(select.locator('option')).toHaveText(['labels · exclusive', 'events · overlapping'])
  await expect(rows).toHaveCount(1)
  await select.selectOption({ label: 'events · overlapping' })
  await expect(rows).toHaveCount(2)

  // rename the tier, then undo the rename
  await page.getByTestId('tier-rename').click()
  await page.getByTestId('tier-name').fill('birds')
  await page.getByTestId('tier-submit').click()
  await expect(select.locator('option')).toHaveText(['labels · exclusive', 'birds · overlapping'])
  await page.keyboard.press('Control+z')
  await expect(select.locator('option')).toHaveText(['labels · exclusive', 'events · overlapping'])
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  const after = JSON.parse(
    await fs.readFile(path.join(projectDir, 'labels/tone.labels.json'), 'utf8'),
  )
  expect(after.tiers[1].name).toBe('events')
  expect(pageErrors).toEqual([])
})
