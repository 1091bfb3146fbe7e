/**
 * Clip classification through the UI in browser mode: clip classes set on files in the sidebar,
 * a clip classifier trained with attention pooling from the Training panel, then a prediction
 * showing the file's class and the attention strip under the waveform. Screenshots are artifacts.
 */
import { expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { makeWav } from '../engine/media/audio/testing'
import { Project } from '../engine/project/store'
import { Rng } from '../models/rng'
import { startEngine, tempDir, type Engine } from './helpers'

let engine: Engine
let dir: string

/** 3 s of noise with one 0.3 s tone (500 Hz 'low', 2500 Hz 'high') at a seeded random place. */
function clipWav(freq: number, seed: number): Buffer {
  const rng = new Rng(seed)
  const rate = 16000
  const x = new Float64Array(3 * rate)
  for (let i = 0; i < x.length; i++) x[i] = 0.03 * rng.normal()
  const at = rng.int(x.length - 0.3 * rate)
  for (let i = 0; i < 0.3 * rate; i++) x[at + i] += 0.5 * Math.sin((2 * Math.PI * freq * i) / rate)
  return makeWav({ bits: 16, rate, channels: [x] })
}

const FILES = ['low0', 'low1', 'low2', 'low3', 'high0', 'high1', 'high2', 'high3', 'mystery']

test.beforeAll(async () => {
  dir = await tempDir('fw-e2e-clip-')
  const project = await Project.create(dir, 'clips')
  for (const [i, name] of FILES.entries()) {
    await fs.writeFile(
      path.join(dir, `${name}.wav`),
      clipWav(name.startsWith('low') ? 500 : 2500, 40 + i),
    )
    await project.addMedia([`${name}.wav`])
  }
  // Most files get their clip class here; the test sets two more in the sidebar.
  for (const name of FILES.slice(0, 8))
    if (!['low3', 'high3'].includes(name))
      await project.setClipClass(`${name}.wav`, name.replace(/\d$/, ''))
  engine = await startEngine(['--project', dir])
})
test.afterAll(async () => {
  await engine.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

test('set clip classes, train a clip classifier, predict: class and attention strip', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000)
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(FILES.length)
  await expect(page.getByTestId('media-clip-class')).toHaveCount(6)

  for (const [name, cls] of [
    ['low3', 'low'],
    ['high3', 'high'],
  ]) {
    await page
      .getByTestId('media-item')
      .filter({ hasText: `${name}.wav` })
      .click()
    await page.getByTestId('clip-class-input').fill(cls)
    await page.getByTestId('clip-class-input').press('Enter')
    await expect(
      page
        .getByTestId('media-item')
        .filter({ hasText: `${name}.wav` })
        .getByTestId('media-clip-class'),
    ).toHaveText(cls)
  }
  await expect(page.getByTestId('media-clip-class')).toHaveCount(8)
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'framewise.json'), 'utf8'))
  expect(manifest.media.find((m: { path: string }) => m.path === 'high3.wav').clipClass).toBe(
    'high',
  )
  await page.screenshot({ path: testInfo.outputPath('1-clip-classes.png') })

  await page.getByTestId('tab-train').click()
  // Output recurrence set for tagging is cleared by clip classification (and hidden), so
  // Bidirectional comes back; self-attention is disabled with the reason as its tooltip.
  await page.getByTestId('train-output-recurrence').check()
  await expect(page.getByTestId('train-bidirectional')).toBeDisabled()
  await page.getByTestId('train-task').selectOption('classify')
  await expect(page.getByTestId('train-output-recurrence')).toHaveCount(0)
  await expect(page.getByTestId('train-bidirectional')).toBeEnabled()
  await page.getByTestId('train-bidirectional').check()
  const heads = page.getByTestId('train-attention-heads')
  await expect(heads).toBeDisabled()
  await expect(page.locator('label', { has: heads })).toHaveAttribute('title', /Clip classifiers/)
  await expect(page.getByTestId('train-attention-window')).toBeDisabled()
  await page.getByTestId('train-pooling').selectOption('attention')
  await page.getByTestId('train-epochs').fill('8')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })
  await expect(page.getByTestId('run-history')).toContainText('BiGRU 2×64 clip/attention')
  // Clip runs are scored on files, not frames: the row, its tooltips and a note say so.
  const row = page.getByTestId('run-history').locator('tbody tr')
  await expect(row).toHaveAttribute('data-scored-on', 'files')
  await expect(row.locator('td').nth(4)).toHaveAttribute(
    'title',
    /macro-F1 over the \d+ validation files \(one clip class each\)/,
  )
  await expect(page.getByTestId('run-history-note')).toContainText(
    'scored on whole validation files',
  )
  await expect(page.getByTestId('epoch-curve')).toContainText('val clip macro-F1')
  const runs = await fs.readdir(path.join(dir, 'runs'))
  const settings = JSON.parse(
    await fs.readFile(path.join(dir, 'runs', runs[0], 'run.json'), 'utf8'),
  ).settings
  expect(settings).toMatchObject({
    task: 'classify',
    outputRecurrence: false,
    attentionHeads: 0,
    bidirectional: true,
  })
  await page.screenshot({ path: testInfo.outputPath('2-trained.png') })
  await page
    .getByTestId('run-history')
    .screenshot({ path: testInfo.outputPath('2b-run-history.png') })

  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('model-list')).toContainText(
    'clip classifier · high, low · val clip macro-F1',
  )
  await page.getByTestId('media-item').filter({ hasText: 'mystery.wav' }).click()
  await page.getByTestId('predict-current').click()
  const strip = page.getByTestId('attention-strip')
  await expect(strip).toBeVisible({ timeout: 60_000 })
  expect(['low', 'high']).toContain(await strip.getAttribute('data-class'))
  expect(Number(await strip.getAttribute('data-weights'))).toBeGreaterThan(100) // one weight per frame
  await expect(page.getByTestId('clip-class')).toContainText(/clip: (low|high) \d+%/)
  await expect(page.getByTestId('prediction-track')).toHaveCount(0)
  await page.screenshot({ path: testInfo.outputPath('3-predicted.png') })
  await strip.screenshot({ path: testInfo.outputPath('4-strip.png') })
  // A clip prediction has no segments to accept; its class can become the file's clip class.
  await expect(page.getByTestId('accept-all')).toHaveCount(0)
  const predictedClass = (await strip.getAttribute('data-class'))!
  const mystery = page.getByTestId('media-item').filter({ hasText: 'mystery.wav' })
  await expect(mystery.getByTestId('media-clip-class')).toHaveCount(0)
  await page.getByTestId('accept-clip').click()
  await expect(mystery.getByTestId('media-clip-class')).toHaveText(predictedClass)
  await expect(page.getByTestId('clip-class-input')).toHaveValue(predictedClass)

  // By default Evaluate scores the model's validation files only, and says so.
  await page.getByTestId('evaluate').click()
  await expect(page.getByTestId('eval-scope')).toContainText(
    "Scored the model's validation files",
    {
      timeout: 60_000,
    },
  )
  await expect(page.locator('[data-testid="eval-files"] tr[data-split="train"]')).toHaveCount(0)
  // Evaluate on all 9 files with a clip class (the mystery file's now too): accuracy over files.
  await page.getByTestId('eval-files-all').check()
  await page.getByTestId('evaluate').click()
  await expect(page.getByTestId('eval-clip')).toContainText('9 files with a clip class', {
    timeout: 60_000,
  })
  await expect(page.getByTestId('eval-files').locator('tbody tr')).toHaveCount(9)
  // Files, not frames: per-file clip class and prediction, no event columns.
  await expect(page.getByTestId('eval-files').locator('thead')).toHaveText(
    /File \(wrong first\)\s*Split\s*Clip class\s*Predicted\s*Confidence/,
  )
  const first = page.getByTestId('eval-files').locator('tbody tr').first()
  await expect(first.locator('td').nth(1)).toHaveText(/^(train|validation|not in its run)$/)
  await expect(first.locator('td').nth(2)).toHaveText(/^(low|high)$/)
  await expect(first.locator('td').nth(3)).toHaveText(/^(low|high)$/)
  await expect(first.locator('td').nth(4)).toHaveText(/^\d+\.\d%$/)
  await expect(page.getByTestId('evaluation')).not.toContainText('Event F1')
  await expect(page.getByTestId('evaluation')).not.toContainText('Frames')
  await page.screenshot({ path: testInfo.outputPath('5-evaluation.png'), fullPage: true })
  expect(pageErrors).toEqual([])
})
