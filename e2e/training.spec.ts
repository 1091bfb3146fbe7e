/**
 * Train → predict → accept → evaluate → export, through the UI in browser mode, on a project of
 * generated recordings (three labelled, one not). Screenshots of each step are test artifacts.
 */
import { expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { rowLabelsToSegments } from '../engine/labels/csv'
import { Project } from '../engine/project/store'
import { AUDIO_CLASSES, SERIES_CLASSES, syntheticAudio, syntheticSeries } from '../engine/train/synthetic'
import { startEngine, tempDir, type Engine } from './helpers'

let engine: Engine
let dir: string

test.beforeAll(async () => {
  dir = await tempDir('fw-e2e-train-')
  const project = await Project.create(dir, 'birds')
  await project.setClasses([
    { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
    { name: 'tone', color: '#e6550d', hotkey: 1, role: 'class' },
    { name: 'chirp', color: '#3182bd', hotkey: 2, role: 'class' },
    { name: 'noise', color: '#31a354', hotkey: 3, role: 'class' },
  ])
  for (let i = 0; i < 4; i++) {
    const a = syntheticAudio(900 + i, 8)
    await fs.writeFile(path.join(dir, `rec${i}.wav`), a.wav)
    await project.addMedia([`rec${i}.wav`])
    if (i < 3) await project.writeLabels(`rec${i}.wav`, a.segments, 0)
  }
  expect(AUDIO_CLASSES).toHaveLength(3)
  engine = await startEngine(['--project', dir])
})
test.afterAll(async () => {
  await engine.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

test('train a model, predict a new file, accept, evaluate and export', async ({ page }, testInfo) => {
  test.setTimeout(240_000)
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(4)

  // Train: a few epochs, small chunks; progress, curves and the run history appear.
  await page.getByTestId('tab-train').click()
  await page.getByTestId('train-epochs').fill('4')
  await page.getByTestId('train-chunk').fill('200')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('train-progress')).toBeVisible()
  await expect(page.getByTestId('loss-curve')).toBeVisible({ timeout: 120_000 })
  await page.screenshot({ path: testInfo.outputPath('1-training.png') })
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })
  await expect(page.getByTestId('epoch-curve')).toHaveAttribute('data-points', '4')
  await page.screenshot({ path: testInfo.outputPath('2-trained.png') })

  // Predict the unlabelled file; the prediction track shows, and accepting it labels the file.
  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('model-list').locator('li')).toHaveCount(1)
  await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
  await expect(page.getByTestId('segment-row')).toHaveCount(0)
  await page.getByTestId('predict-current').click()
  const track = page.getByTestId('prediction-track')
  await expect(track).toBeVisible({ timeout: 60_000 })
  const predicted = Number(await track.getAttribute('data-segments'))
  expect(predicted).toBeGreaterThan(0)
  await page.screenshot({ path: testInfo.outputPath('3-predicted.png') })
  const before = Number(await track.getAttribute('data-disagreements'))
  expect(before).toBeGreaterThan(0) // unlabelled: every predicted event disagrees with "background"
  await page.getByTestId('accept-all').click()
  await expect(page.getByTestId('segment-row')).toHaveCount(predicted)
  // Left: only frames the post-processing (median filter, minimum duration) changed.
  await expect.poll(async () => Number(await track.getAttribute('data-disagreements'))).toBeLessThan(before)
  await page.keyboard.press('Control+z')
  await expect(page.getByTestId('segment-row')).toHaveCount(0)
  await page.keyboard.press('Control+Shift+z')
  await expect(page.getByTestId('segment-row')).toHaveCount(predicted)
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  const saved = JSON.parse(await fs.readFile(path.join(dir, 'labels/rec3.labels.json'), 'utf8'))
  expect(saved.segments).toHaveLength(predicted)

  // Evaluate on the labelled files; the worst file first.
  await page.getByTestId('evaluate').click()
  await expect(page.getByTestId('evaluation')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('eval-files').locator('tbody tr')).toHaveCount(4)
  await page.screenshot({ path: testInfo.outputPath('4-evaluation.png'), fullPage: true })

  // Export the model with its card.
  const out = path.join(dir, 'export', 'birds.onnx')
  await fs.mkdir(path.dirname(out))
  await page.getByTestId('export-model-input').fill(out)
  await page.getByTestId('export-model-submit').click()
  await expect(page.getByTestId('exported')).toBeVisible()
  expect((await fs.stat(out)).size).toBeGreaterThan(10_000)
  expect(JSON.parse(await fs.readFile(out.replace(/\.onnx$/, '.json'), 'utf8')).classes).toEqual(['background', 'tone', 'chirp', 'noise'])
  expect(pageErrors).toEqual([])
})

test.describe('CSV sensor project', () => {
  let csvEngine: Engine
  let csvDir: string

  test.beforeAll(async () => {
    csvDir = await tempDir('fw-e2e-train-csv-')
    const project = await Project.create(csvDir, 'gait')
    const colours = ['#9e9e9e', '#e6550d', '#3182bd']
    await project.setClasses(SERIES_CLASSES.map((name, i) => ({ name, color: colours[i], hotkey: i + 1, role: 'class' as const })))
    for (let i = 0; i < 4; i++) {
      const s = syntheticSeries(3000 + i, 60)
      // The files carry no label column; labels live in the project, as drawn in the UI.
      const csv = s.csv.trim().split('\n').map((line) => line.slice(0, line.lastIndexOf(','))).join('\n') + '\n'
      await fs.writeFile(path.join(csvDir, `walk${i}.csv`), csv)
      await project.addMedia([`walk${i}.csv`])
      const times = s.labels.map((_, r) => r / s.rate)
      if (i < 3) await project.writeLabels(`walk${i}.csv`, rowLabelsToSegments(times, s.labels), 0)
    }
    csvEngine = await startEngine(['--project', csvDir])
  })
  test.afterAll(async () => {
    await csvEngine.stop()
    await fs.rm(csvDir, { recursive: true, force: true })
  })

  test('train on CSV series, predict the unlabelled log, accept, evaluate, export', async ({ page }, testInfo) => {
    test.setTimeout(240_000)
    const pageErrors: string[] = []
    page.on('pageerror', (err) => pageErrors.push(err.message))
    await page.goto(csvEngine.url)
    await expect(page.getByTestId('media-item')).toHaveCount(4)
    await page.getByTestId('train-epochs').fill('3')
    await page.getByTestId('train-start').click()
    await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })
    await page.screenshot({ path: testInfo.outputPath('csv-1-trained.png') })

    await page.getByTestId('tab-models').click()
    await page.getByTestId('media-item').filter({ hasText: 'walk3.csv' }).click()
    await page.getByTestId('predict-current').click()
    const track = page.getByTestId('prediction-track')
    await expect(track).toBeVisible({ timeout: 60_000 })
    await page.getByTestId('accept-all').click()
    const accepted = Number(await track.getAttribute('data-segments'))
    expect(accepted).toBeGreaterThan(0)
    await expect(page.getByTestId('segment-row')).toHaveCount(accepted)
    await page.screenshot({ path: testInfo.outputPath('csv-2-accepted.png') })
    // Evaluate right away: the accepted labels are saved first, so all four files count.

    await page.getByTestId('evaluate').click()
    await expect(page.getByTestId('eval-files').locator('tbody tr')).toHaveCount(4, { timeout: 60_000 })
    const out = path.join(csvDir, 'gait.onnx')
    await page.getByTestId('export-model-input').fill(out)
    await page.getByTestId('export-model-submit').click()
    await expect(page.getByTestId('exported')).toBeVisible()
    const card = JSON.parse(await fs.readFile(out.replace(/\.onnx$/, '.json'), 'utf8'))
    expect(card.features.kind).toBe('series')
    expect(card.classes).toEqual([...SERIES_CLASSES])
    await page.screenshot({ path: testInfo.outputPath('csv-3-evaluated.png'), fullPage: true })
    expect(pageErrors).toEqual([])
  })
})
