/**
 * A PyTorch-trained model in the studio: the project's data exported (export-dataset), a tagger
 * trained by recipes/pytorch/train.py under torchrun (2 gloo processes, 2 steps), imported from
 * the Models panel, listed with its classes, predicting the open file, and exported with its
 * features (the box on Export), whose card says it takes samples. Needs Debian's python3-torch;
 * skipped without it off CI (engine/testing/tools.ts).
 */
import { expect, test } from '@playwright/test'
import { spawn } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { hasTool } from '../engine/testing/tools'
import { collectPageErrors, useLabelledAudioProject } from './helpers'

const PYTHON = '/usr/bin/python3'
const hasTorch = hasTool(
  'python3-torch',
  PYTHON,
  ['-c', 'import torch, onnx'],
  'apt-get install python3-torch python3-onnx',
)
const project = useLabelledAudioProject('pytorch', 960)

/** Runs a command to its end; rejects with its stderr when it fails. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, OMP_NUM_THREADS: '1' } })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err.slice(-2000)))))
  })
}

test.skip(!hasTorch, 'python3-torch is missing')

test('a PyTorch-trained model is imported, listed, predicts, and exports taking samples', async ({
  page,
}) => {
  test.setTimeout(240_000)
  const pageErrors = collectPageErrors(page)
  const data = path.join(project.dir, 'torch-data')
  // the built CLI, as a user runs it
  await run(process.execPath, ['bin/framewise.js', 'export-dataset', project.dir, '--out', data])
  const onnx = path.join(path.dirname(project.dir), `${path.basename(project.dir)}-torch.onnx`)
  await run(PYTHON, [
    ...['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2'],
    ...['--redirects', '1', '--tee', '1', 'recipes/pytorch/train.py', data, '--out', onnx],
    ...['--hidden', '8', '--steps', '2', '--chunk', '200'],
  ])

  await page.goto(project.engine.url)
  await expect(page.getByTestId('media-item')).toHaveCount(4)
  await page.getByTestId('tab-models').click()
  await page.getByRole('button', { name: 'Import ONNX model…' }).click()
  await page.locator('form.import input').first().fill(onnx)
  await page.getByRole('button', { name: 'Check and import' }).click()
  const card = page.getByTestId('model-list').locator('li').filter({ hasText: 'torch' })
  await expect(card).toHaveCount(1)
  await expect(card).toContainText('background')
  await card.locator('input[type=radio]').check()

  await page.getByTestId('media-item').filter({ hasText: 'rec3.wav' }).click()
  await page.getByTestId('predict-current').click()
  await expect(page.getByTestId('prediction-track')).toBeVisible({ timeout: 60_000 })

  const raw = path.join(path.dirname(project.dir), `${path.basename(project.dir)}-raw.onnx`)
  await page.getByTestId('export-model-input').fill(raw)
  await page.getByTestId('export-with-features').check()
  await page.getByTestId('export-model-submit').click()
  await expect(page.getByTestId('exported')).toBeVisible()
  const written = JSON.parse(await fs.readFile(raw.replace(/\.onnx$/, '.json'), 'utf8'))
  expect(written.input).toMatchObject({ name: 'samples', kind: 'samples', sampleRate: 16000 })
  expect(written.classes).toEqual(['background', 'tone', 'chirp', 'noise'])
  await Promise.all(
    [onnx, onnx.replace(/\.onnx$/, '.pt'), raw, raw.replace(/\.onnx$/, '.json')].map((f) =>
      fs.rm(f, { force: true }),
    ),
  )
  expect(pageErrors).toEqual([])
})
