/**
 * Self-attention from the Training panel in browser mode: a project with labelled recordings,
 * a tagger trained with 2 attention heads and a 20-frame window, the Models panel naming it,
 * and a prediction with it drawn on the prediction track. Screenshots are artifacts.
 */
import { expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { collectPageErrors, useLabelledAudioProject } from './helpers'

const project = useLabelledAudioProject('attention', 700)

test('train a tagger with self-attention from the panel, see it in Models, predict', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000)
  const pageErrors = collectPageErrors(page)
  await page.goto(project.engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(4)

  await page.getByTestId('tab-train').click()
  const windowInput = page.getByTestId('train-attention-window')
  await expect(windowInput).toBeDisabled() // off by default, as the engine setting
  const heads = page.getByTestId('train-attention-heads')
  // Clip classification has no self-attention: choosing it clears and disables the control, saying why.
  await heads.selectOption('2')
  await page.getByTestId('train-task').selectOption('classify')
  await expect(heads).toBeDisabled()
  await expect(heads).toHaveValue('0')
  await expect(page.locator('label', { has: heads })).toHaveAttribute('title', /Clip classifiers/)
  await page.getByTestId('train-task').selectOption('tag')
  await expect(heads).toBeEnabled()
  await heads.selectOption('2')
  await expect(windowInput).toBeEnabled()
  await windowInput.fill('20')
  await page.getByTestId('train-epochs').fill('3')
  await page.getByTestId('train-chunk').fill('200')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })
  const row = page.getByTestId('run-history').locator('tbody tr')
  await expect(row).toContainText('+att 2h')
  await expect(row).toHaveAttribute('data-scored-on', 'frames')
  await expect(page.getByTestId('epoch-curve')).toContainText('val macro-F1')
  await expect(page.getByTestId('epoch-curve')).not.toContainText('clip')
  await page.screenshot({ path: testInfo.outputPath('1-trained.png') })
  await page
    .getByTestId('run-history')
    .screenshot({ path: testInfo.outputPath('1b-run-history.png') })

  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('model-list')).toContainText('+ attention 2h ±20')
  await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
  await page.getByTestId('predict-current').click()
  await expect(page.getByTestId('prediction-track')).toBeVisible({ timeout: 60_000 })
  await page.screenshot({ path: testInfo.outputPath('2-predicted.png') })

  const runs = await fs.readdir(path.join(project.dir, 'runs'))
  const card = JSON.parse(
    await fs.readFile(path.join(project.dir, 'runs', runs[0], 'model.json'), 'utf8'),
  )
  expect(card.tagger.attention).toEqual({ heads: 2, window: 20 })
  expect(pageErrors).toEqual([])
})
