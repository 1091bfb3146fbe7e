/**
 * Viterbi post-processing in browser mode: a tagger trained from the panel ships its label
 * transitions with Viterbi on; the Models panel shows the toggle and weight, and changing them
 * re-predicts the shown file (a live preview from the engine's cached probabilities: the saved
 * prediction changes without a feature or model run) and applies to evaluation.
 */
import { expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { collectPageErrors, useLabelledAudioProject } from './helpers'

const project = useLabelledAudioProject('viterbi', 900)

test('Viterbi toggle and weight re-predict the shown file', async ({ page }, testInfo) => {
  test.setTimeout(240_000)
  const pageErrors = collectPageErrors(page)
  await page.goto(project.engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(4)

  await page.getByTestId('tab-train').click()
  await page.getByTestId('train-epochs').fill('3')
  await page.getByTestId('train-chunk').fill('200')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })

  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('postprocess')).toBeVisible()
  await expect(page.getByTestId('viterbi-toggle')).toBeChecked() // shipped on by training
  await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
  await page.getByTestId('predict-current').click()
  await expect(page.getByTestId('prediction-track')).toBeVisible({ timeout: 60_000 })
  await page.screenshot({ path: testInfo.outputPath('1-viterbi-on.png') })

  const saved = async () => {
    const preds = path.join(
      project.dir,
      (await fs.readdir(project.dir)).find((d) => /pred/i.test(d))!,
    )
    const files = await fs.readdir(preds, { recursive: true })
    const f = files.find((n) => String(n).endsWith('.json'))!
    return JSON.parse(await fs.readFile(path.join(preds, String(f)), 'utf8')) as {
      created: string
      labels: number[]
    }
  }
  const first = await saved()
  // off: the preview re-predicts by itself (no button press)
  await page.getByTestId('viterbi-toggle').uncheck()
  await expect
    .poll(async () => (await saved()).created, { timeout: 30_000 })
    .not.toBe(first.created)
  const off = await saved()
  await expect(page.getByTestId('viterbi-weight')).toBeDisabled()
  await page.screenshot({ path: testInfo.outputPath('2-viterbi-off.png') })
  // on again with a heavy weight: fewer or equal label changes than the argmax
  await page.getByTestId('viterbi-toggle').check()
  await page.getByTestId('viterbi-weight').fill('4')
  await expect(page.locator('[data-testid="postprocess"] output')).toHaveText('4.00')
  await expect.poll(async () => (await saved()).created, { timeout: 30_000 }).not.toBe(off.created)
  await expect
    .poll(
      async () => {
        const changes = (l: number[]) => l.filter((c, t) => t > 0 && c !== l[t - 1]).length
        const heavy = await saved()
        return changes(heavy.labels) <= changes(off.labels)
      },
      { timeout: 30_000 },
    )
    .toBe(true)

  await page.getByTestId('evaluate').click()
  await expect(page.getByTestId('model-progress')).toHaveCount(0, { timeout: 60_000 })
  expect(pageErrors).toEqual([])
})
