/**
 * Output recurrence from the Training panel in browser mode: a project with labelled
 * recordings, a tagger trained with the previous label fed back (Bidirectional turns off, the
 * decode settings appear), and a prediction with it — decoded frame by frame by the engine —
 * drawn on the prediction track. Screenshots are artifacts.
 */
import { expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { collectPageErrors, useLabelledAudioProject } from './helpers'

const project = useLabelledAudioProject('feedback', 800)

test('train an output-recurrent tagger from the panel and predict with it', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000)
  const pageErrors = collectPageErrors(page)
  await page.goto(project.engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(4)

  await page.getByTestId('tab-train').click()
  await expect(page.getByTestId('train-decode')).toHaveCount(0) // off by default
  // Self-attention first: output recurrence then turns it off and disables it (the engine refuses both).
  const heads = page.getByTestId('train-attention-heads')
  await heads.selectOption('2')
  await page.getByTestId('train-output-recurrence').check()
  await expect(page.getByLabel('Bidirectional')).toBeDisabled()
  await expect(page.getByLabel('Bidirectional')).not.toBeChecked()
  await expect(heads).toBeDisabled()
  await expect(heads).toHaveValue('0')
  await expect(page.getByTestId('train-attention-window')).toBeDisabled()
  await expect(page.locator('label', { has: heads })).toHaveAttribute('title', /output recurrence/)
  await page.getByTestId('train-decode').selectOption('greedy')
  await page.getByTestId('train-epochs').fill('3')
  await page.getByTestId('train-chunk').fill('200')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })
  const row = page.getByTestId('run-history').locator('tbody tr')
  await expect(row).toContainText('GRU 2×64 +feedback')
  await expect(row).toHaveAttribute('data-scored-on', 'frames')
  await expect(page.getByTestId('run-history-note')).toHaveCount(0)
  await page.screenshot({ path: testInfo.outputPath('1-trained.png') })
  await page
    .getByTestId('run-history')
    .screenshot({ path: testInfo.outputPath('1b-run-history.png') })

  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('model-list')).toContainText('GRU 2×64 + label feedback')
  await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
  await page.getByTestId('predict-current').click()
  await expect(page.getByTestId('prediction-track')).toBeVisible({ timeout: 60_000 })
  await page.screenshot({ path: testInfo.outputPath('2-predicted.png') })

  const runs = await fs.readdir(path.join(project.dir, 'runs'))
  const run = path.join(project.dir, 'runs', runs[0])
  const card = JSON.parse(await fs.readFile(path.join(run, 'model.json'), 'utf8'))
  expect(card.tagger).toMatchObject({ outputRecurrence: true, bidirectional: false })
  expect(card.tagger.attention).toBeUndefined()
  // metadata_props framewise.decoder (canonical JSON) travels in the model file
  const bytes = (await fs.readFile(path.join(run, 'model.onnx'))).toString('latin1')
  expect(bytes).toContain('framewise.decoder')
  expect(bytes).toContain('{"beam":1,"decode":"greedy","kind":"output-recurrence"}')
  expect(pageErrors).toEqual([])
})
