/**
 * The review loop in browser mode, as a researcher goes through it: train a small model, predict
 * an unlabelled file, accept one predicted segment and reject another, undo; Evaluate scores the
 * model's validation files only (a training file is not in the per-file table) unless "all
 * labelled files" is chosen, which marks the training files; rename the model; the start page
 * lists the project; the engine stops and starts again: one banner, then it reconnects by itself
 * and the edit made meanwhile is saved. Screenshots of each state at 1440×900 and 1280×720.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { collectPageErrors, labelledAudioProject, startEngine, xAt, type Engine } from './helpers'

// One token for both runs of the engine, so the page can reconnect to the restarted one.
process.env.FRAMEWISE_TOKEN = randomBytes(32).toString('hex')

let dir = ''
let engine: Engine
test.beforeAll(async () => {
  dir = await labelledAudioProject('review', 1600)
  engine = await startEngine(['--project', dir])
})
test.afterAll(async () => {
  await engine?.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

/** The page at both sizes the issue asks for, then back to the larger. */
async function shots(page: Page, info: TestInfo, name: string) {
  for (const [width, height] of [
    [1280, 720],
    [1440, 900],
  ]) {
    await page.setViewportSize({ width, height })
    await page.screenshot({ path: info.outputPath(`${name}-${width}x${height}.png`) })
  }
}

const readJson = async <T>(file: string): Promise<T> =>
  JSON.parse(await fs.readFile(file, 'utf8')) as T

test('review loop, honest evaluation, named models, start page, reconnection', async ({
  page,
  browser,
}, info) => {
  test.setTimeout(420_000)
  const pageErrors = collectPageErrors(page)
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(4)

  // train a small model
  await page.getByTestId('tab-train').click()
  await page.getByTestId('train-epochs').fill('6')
  await page.getByTestId('train-chunk').fill('200')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 240_000 })
  const [runId] = await fs.readdir(path.join(dir, 'runs'))
  const run = await readJson<{ files: { train: string[]; val: string[] } }>(
    path.join(dir, 'runs', runId, 'run.json'),
  )
  expect(run.files.val).toHaveLength(1)
  expect(run.files.train).toHaveLength(2)

  // predict the unlabelled file
  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('model-name')).toHaveText(
    /^tagger · BiGRU \d+×\d+ · \d+ \w{3} \d\d:\d\d$/,
  )
  // the file list marks what the selected model trained and validated on
  const item = (name: string) => page.getByTestId('media-item').filter({ hasText: name })
  await expect(item(run.files.val[0]).getByTestId('media-split')).toHaveText('V')
  for (const train of run.files.train)
    await expect(item(train).getByTestId('media-split')).toHaveText('T')
  await expect(item('rec3.wav').getByTestId('media-split')).toHaveCount(0)
  await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
  await page.getByTestId('predict-current').click()
  const track = page.getByTestId('prediction-track')
  await expect(track).toBeVisible({ timeout: 60_000 })
  const predictions = path.join(dir, 'predictions')
  const predFile = (await fs.readdir(predictions, { recursive: true })).find((n) =>
    String(n).endsWith('rec3.prediction.json'),
  )!
  const savedPrediction = () =>
    readJson<{ segments: { start: number; end: number; label: string }[]; rejected?: number[] }>(
      path.join(predictions, String(predFile)),
    )
  const predicted = (await savedPrediction()).segments
  expect(predicted.length).toBeGreaterThanOrEqual(2)

  // accept the first predicted segment (click), reject the second (Shift+click), undo the rejection
  await page.keyboard.press('0') // the whole file: x maps to time over 8 s
  // where a predicted segment is on screen now (rows above may grow as labels are added)
  const at = async (s: { start: number; end: number }): Promise<[number, number]> => {
    const box = (await track.locator('canvas').boundingBox())!
    return [xAt(box, (s.start + s.end) / 2, 8), box.y + 10]
  }
  await page.mouse.click(...(await at(predicted[0])))
  await expect(page.getByTestId('segment-row')).toHaveCount(1)
  await page.keyboard.down('Shift')
  await page.mouse.click(...(await at(predicted[1])))
  await page.keyboard.up('Shift')
  await expect(track).toHaveAttribute('data-rejected', '1')
  await expect(page.getByTestId('prediction-summary')).toContainText('1 rejected')
  await expect(page.getByTestId('segment-row')).toHaveCount(1) // a rejection labels nothing
  // kept with the saved prediction, so it outlives the session
  await expect.poll(async () => (await savedPrediction()).rejected).toEqual([1])
  await shots(page, info, '1-review-accepted-rejected')
  await page.keyboard.press('Control+z')
  await expect(track).toHaveAttribute('data-rejected', '0')
  await expect(page.getByTestId('segment-row')).toHaveCount(1) // the accepted one stays
  await expect.poll(async () => (await savedPrediction()).rejected).toEqual([])
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')

  // Evaluate: the validation file only by default; a training file is not counted
  await expect(page.getByTestId('eval-files-validation')).toBeChecked()
  await page.getByTestId('evaluate').click()
  const rows = page.locator('[data-testid="eval-files"] tbody tr')
  await expect(rows).toHaveCount(1, { timeout: 60_000 })
  await expect(rows.first()).toHaveAttribute('data-split', 'validation')
  await expect(rows.first()).toContainText(run.files.val[0])
  for (const train of run.files.train)
    await expect(page.getByTestId('eval-files')).not.toContainText(train)
  await expect(page.getByTestId('eval-scope')).toContainText("Scored the model's validation files")
  await expect(page.getByTestId('eval-scope')).toContainText('2 training files are left out')
  // rec3 was labelled after training (an accepted prediction): not a validation file either
  await expect(page.getByTestId('eval-scope')).toContainText('its training run did not use')
  await shots(page, info, '2-evaluate-validation')

  // all labelled files, chosen: the training files are scored and marked
  await page.getByTestId('eval-files-all').check()
  await page.getByTestId('evaluate').click()
  await expect(rows).toHaveCount(3, { timeout: 60_000 })
  await expect(page.locator('[data-testid="eval-files"] tr[data-split="train"]')).toHaveCount(2)
  // rec3's labels are an accepted prediction, not reviewed: left out, and said so
  await expect(page.getByTestId('eval-files')).not.toContainText('rec3.wav')
  await expect(page.getByTestId('eval-scope')).toContainText(
    'accepted predictions not marked reviewed',
  )
  await shots(page, info, '3-evaluate-all')

  // rename the model
  await page.getByTestId('model-rename').click()
  await page.getByTestId('model-name-input').fill('night calls v1')
  await page.getByTestId('model-name-input').press('Enter')
  await expect(page.getByTestId('model-name')).toHaveText('night calls v1')
  const names = await readJson<{ names: Record<string, string> }>(
    path.join(dir, 'model-names.json'),
  )
  expect(names.names).toEqual({ [`run:${runId}`]: 'night calls v1' })
  await shots(page, info, '4-model-renamed')

  // the start page of another engine (no project open) lists this project
  const other = await startEngine([])
  try {
    const start = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await start.goto(other.url)
    await expect(start.getByTestId('start-page')).toContainText('Framewise labels recordings')
    await expect(start.getByTestId('recent-projects')).toContainText('review')
    await shots(start, info, '5-start-page')
    await start.close()
  } finally {
    await other.stop()
  }

  // the engine stops: one banner; an edit made meanwhile waits; it starts again: reconnected, saved
  const port = new URL(engine.url).port
  await engine.stop()
  const banner = page.getByTestId('connection-banner')
  await expect(banner).toBeVisible()
  await expect(page.getByRole('alert')).toHaveCount(1)
  await page.keyboard.press('Home')
  await page.keyboard.press('[')
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight')
  await page.keyboard.press(']')
  await expect(page.getByTestId('segment-row')).toHaveCount(2)
  // the segment just drawn is selected, and the class keys' rule for it is on screen
  await expect(page.getByTestId('class-rule')).toBeVisible()
  await page.waitForTimeout(1000) // the autosave is sent (and waits) while the engine is down
  await expect(page.getByTestId('save-status')).not.toHaveAttribute('data-status', 'saved')
  await expect(page.getByRole('alert')).toHaveCount(1)
  await shots(page, info, '6-connection-lost')
  engine = await startEngine(['--project', dir, '--port', port])
  await expect(banner).toHaveCount(0, { timeout: 20_000 })
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved', {
    timeout: 10_000,
  })
  await expect(page.getByTestId('connection-back')).toBeVisible()
  // a label file holds its segments, or (with tiers) each tier's
  const saved = await readJson<{ segments?: unknown[]; tiers?: { segments: unknown[] }[] }>(
    path.join(dir, 'labels/rec3.labels.json'),
  )
  expect(saved.segments?.length ?? saved.tiers?.flatMap((t) => t.segments).length).toBe(2)
  await shots(page, info, '7-reconnected')
  expect(pageErrors).toEqual([])
})
