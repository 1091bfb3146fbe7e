/**
 * The labelling studio end to end, one continuous flow per project type (issue 6, "Done when"):
 * create a project → add three generated recordings → label one with the mouse and keys, the
 * others by importing label files → undo/redo → reload and find the labels → train a small
 * model (progress and curves visible) → add and predict a fourth file → accept the prediction
 * (undoable) → evaluation → export the ONNX model and the labels. Screenshots of every step are
 * test artifacts. The finer editing gestures (resize, move, delete, zoom, spectrogram, external
 * changes, recovery) are in labelling.spec.ts.
 */
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Segment } from '../engine/api'
import { rowLabelsToSegments } from '../engine/labels/csv'
import { syntheticAudio, syntheticSeries } from '../engine/data/synthetic'
import { drag, startEngine, tempDir, xAt, type Engine } from './helpers'

interface Flow {
  /** File names; the last is added after training and predicted. */
  files: string[]
  /** Seconds per file. */
  duration: number
  /** How the sidebar shows that duration, before any file is opened. */
  durationText: string
  /** Background class name, then the classes to label with (hotkeys 1, 2, …). */
  background: string
  classes: string[]
  /** Writes the files into `dir`; returns each file's true segments (background left out). */
  write(dir: string): Promise<Segment[][]>
  /** How far a hand-drawn edge may be from the truth, seconds (a few pixels). */
  tolerance: number
  epochs: number
  chunk?: number
  /** What the exported model card says about its features. */
  featureKind: 'audio' | 'series'
  /** The snap grid: one feature frame (project defaults), as the grid select shows it. */
  frame: number
  frameText: string
  /** A stretch of file 1 with no label, to try a snapped drag in. */
  free: [number, number]
}

const AUDIO: Flow = {
  files: ['rec0.wav', 'rec1.wav', 'rec2.wav', 'rec3.wav'],
  duration: 8,
  durationText: '0:08',
  background: 'background',
  classes: ['tone', 'chirp', 'noise'],
  async write(dir) {
    const truth: Segment[][] = []
    for (let i = 0; i < 4; i++) {
      const a = syntheticAudio(900 + i, 8)
      await fs.writeFile(path.join(dir, `rec${i}.wav`), a.wav)
      truth.push(a.segments)
    }
    return truth
  },
  tolerance: 0.05,
  epochs: 4,
  chunk: 200,
  featureKind: 'audio',
  frame: 0.01, // 160 samples at 16 kHz
  frameText: '10 ms',
  free: [6.9, 7.7],
}

const SERIES: Flow = {
  files: ['walk0.csv', 'walk1.csv', 'walk2.csv', 'walk3.csv'],
  duration: 60,
  durationText: '1:00',
  background: 'rest',
  classes: ['walk', 'run'],
  async write(dir) {
    const truth: Segment[][] = []
    for (let i = 0; i < 4; i++) {
      const s = syntheticSeries(3000 + i, 60)
      // The logs carry no label column: labels live in the project, as drawn in the UI.
      const csv =
        s.csv
          .trim()
          .split('\n')
          .map((line) => line.slice(0, line.lastIndexOf(',')))
          .join('\n') + '\n'
      await fs.writeFile(path.join(dir, `walk${i}.csv`), csv)
      const segments = rowLabelsToSegments(
        s.labels.map((_, r) => r / s.rate),
        s.labels,
      )
      truth.push(segments.filter((x) => x.label !== 'rest'))
    }
    return truth
  },
  tolerance: 0.3,
  epochs: 3,
  featureKind: 'series',
  frame: 0.02, // one row at 50 rows/s
  frameText: '20 ms',
  free: [41.3, 45.9],
}

let engine: Engine
let root: string
test.beforeEach(async () => {
  root = await tempDir('fw-studio-')
  engine = await startEngine()
})
test.afterEach(async () => {
  await engine.stop()
  await fs.rm(root, { recursive: true, force: true })
})

test('audio project: the whole studio flow in one go', async ({ page }, testInfo) => {
  await studio(page, testInfo, AUDIO, 'audio')
})

test('CSV sensor project: the whole studio flow in one go', async ({ page }, testInfo) => {
  await studio(page, testInfo, SERIES, 'csv')
})

/** Rows of the segment list as [label, start, end] strings. */
const cells = async (rows: Locator) =>
  (await rows.allInnerTexts()).map((r) =>
    r
      .split('\t')
      .slice(0, 3)
      .map((c) => c.trim()),
  )

async function studio(page: Page, testInfo: TestInfo, flow: Flow, name: string) {
  test.setTimeout(300_000)
  const shot = (step: string, fullPage = false) =>
    page.screenshot({ path: testInfo.outputPath(`${name}-${step}.png`), fullPage })
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const truth = await flow.write(root)
  const projectDir = path.join(root, 'project')
  const item = (file: string) => page.getByTestId('media-item').filter({ hasText: file })
  const rows = page.getByTestId('segment-row')
  const saved = async (file: string): Promise<Segment[]> => {
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    const stem = file.slice(0, file.lastIndexOf('.'))
    return JSON.parse(
      await fs.readFile(path.join(projectDir, `labels/${stem}.labels.json`), 'utf8'),
    ).tiers[0].segments
  }

  // Create the project and add three files at once: each shows its duration unopened.
  await page.goto(engine.url)
  await page.getByTestId('create-project-input').fill(projectDir)
  await page.getByTestId('create-project-submit').click()
  await expect(page.getByTestId('media-list')).toBeVisible()
  await page.getByTestId('add-media-input').fill(
    flow.files
      .slice(0, 3)
      .map((f) => path.join(root, f))
      .join('; '),
  )
  await page.getByTestId('add-media-submit').click()
  await expect(page.getByTestId('media-item')).toHaveCount(3)
  await expect(page.getByTestId('media-duration')).toHaveText([
    flow.durationText,
    flow.durationText,
    flow.durationText,
  ])

  // Classes: rename the defaults, add the rest (hotkeys 1, 2, … in order).
  await page.getByTestId('class-editor').locator('summary').click()
  const classRows = page.getByTestId('class-row')
  await classRows.nth(0).getByLabel('Class name').fill(flow.background)
  await classRows.nth(1).getByLabel('Class name').fill(flow.classes[0])
  for (const c of flow.classes.slice(1)) {
    await page.getByTestId('add-class').click()
    await classRows.last().getByLabel('Class name').fill(c)
  }
  await page.getByTestId('save-classes').click()
  for (const c of flow.classes)
    await expect(page.getByRole('radio', { name: new RegExp(c) })).toBeVisible()
  await page.getByTestId('class-editor').locator('summary').click()
  await shot('1-files-and-classes')

  // File 1 by hand: each true segment in turn, its class picked with its hotkey first; the
  // even ones dragged on the signal with the mouse, the odd ones marked with '[' and ']' at
  // playhead positions clicked on the ruler.
  const first = flow.files[0]
  await item(first).click()
  const surface = (await page.getByTestId('waveform-surface').boundingBox())!
  const ruler = (await page.getByTestId('ruler').boundingBox())!
  const sy = surface.y + surface.height / 2
  const end = (t: number) => Math.min(t, flow.duration - 0.02)
  for (const [i, s] of truth[0].entries()) {
    await page.keyboard.press('Escape')
    await page.keyboard.press(String(flow.classes.indexOf(s.label) + 1))
    if (i % 2 === 0)
      await drag(
        page,
        [xAt(surface, s.start, flow.duration), sy],
        [xAt(surface, end(s.end), flow.duration), sy],
      )
    else {
      await page.mouse.click(xAt(ruler, s.start, flow.duration), ruler.y + 10)
      await page.keyboard.press('[')
      await page.mouse.click(xAt(ruler, end(s.end), flow.duration), ruler.y + 10)
      await page.keyboard.press(']')
    }
    await expect(rows).toHaveCount(i + 1)
  }
  let drawn = await saved(first)
  expect(drawn.map((s) => s.label)).toEqual(truth[0].map((s) => s.label))
  for (const [i, s] of drawn.entries()) {
    expect(Math.abs(s.start - truth[0][i].start)).toBeLessThan(flow.tolerance)
    expect(Math.abs(s.end - end(truth[0][i].end))).toBeLessThan(flow.tolerance)
  }
  await shot('2-labelled-by-hand')

  // Undo the last segment, redo it.
  const count = truth[0].length
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(count - 1)
  await page.keyboard.press('Control+Shift+z')
  await expect(rows).toHaveCount(count)

  // Snap: the grid is the project's feature hop; at 5 frames a drag lands on multiples of it.
  const grid = page.getByTestId('grid-step')
  await expect(grid.locator('option:checked')).toHaveText(flow.frameText)
  await grid.selectOption('5')
  await page.keyboard.press('s')
  await expect(page.getByTestId('snap')).toBeChecked()
  await page.keyboard.press('Escape')
  await drag(
    page,
    [xAt(surface, flow.free[0], flow.duration), sy],
    [xAt(surface, flow.free[1], flow.duration), sy],
  )
  await expect(rows).toHaveCount(count + 1)
  const step = 5 * flow.frame
  const snapped = (await saved(first)).find(
    (s) => s.start >= flow.free[0] - step && s.end <= flow.free[1] + step,
  )!
  for (const edge of [snapped.start, snapped.end])
    expect(Math.abs(edge / step - Math.round(edge / step))).toBeLessThan(1e-6)
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(count)
  await page.keyboard.press('s')
  await grid.selectOption('1')

  // Files 2 and 3: import label files (Audacity label tracks); the import is one undo step.
  await page.getByTestId('label-files').locator('summary').click()
  for (const i of [1, 2]) {
    const track = path.join(root, `truth${i}.txt`)
    await fs.writeFile(
      track,
      truth[i].map((s) => `${s.start}\t${s.end}\t${s.label}`).join('\n') + '\n',
    )
    await item(flow.files[i]).click()
    await expect(rows).toHaveCount(0)
    await page.getByTestId('import-labels-input').fill(track)
    await page.getByTestId('import-labels-submit').click()
    await expect(rows).toHaveCount(truth[i].length)
  }
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(0)
  await page.keyboard.press('Control+Shift+z')
  await expect(rows).toHaveCount(truth[2].length)
  expect(await saved(flow.files[2])).toHaveLength(truth[2].length)
  await page.getByTestId('label-files').locator('summary').click()

  // Reload: the hand-drawn labels are there, from the file; the list says all three are labelled.
  await page.reload()
  await item(first).click()
  await expect(rows).toHaveCount(count)
  drawn = await saved(first)
  expect(await cells(rows)).toEqual(
    drawn.map((s) => [s.label, s.start.toFixed(3), s.end.toFixed(3)]),
  )
  for (const f of flow.files.slice(0, 3))
    await expect(item(f).locator('[data-status]')).toHaveAttribute('data-status', 'labelled')
  await shot('3-after-reload')

  // Train a small model: progress, the loss curve, per-epoch curves and the run history.
  await page.getByTestId('tab-train').click()
  await page.getByTestId('train-epochs').fill(String(flow.epochs))
  if (flow.chunk) await page.getByTestId('train-chunk').fill(String(flow.chunk))
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('train-progress')).toBeVisible()
  await expect(page.getByTestId('loss-curve')).toBeVisible({ timeout: 120_000 })
  await shot('4-training')
  await expect(page.getByTestId('run-history')).toContainText('done', { timeout: 180_000 })
  await expect(page.getByTestId('epoch-curve')).toHaveAttribute('data-points', String(flow.epochs))
  await shot('5-trained')

  // A fourth file, predicted; the prediction track disagrees with its (empty) labels.
  const fourth = flow.files[3]
  await page.getByTestId('add-media-input').fill(path.join(root, fourth))
  await page.getByTestId('add-media-submit').click()
  await expect(page.getByTestId('media-item')).toHaveCount(4)
  await expect(page.getByTestId('media-duration')).toHaveCount(4)
  await item(fourth).click()
  await expect(rows).toHaveCount(0)
  await page.getByTestId('tab-models').click()
  await expect(page.getByTestId('model-list').locator('li')).toHaveCount(1)
  await page.getByTestId('predict-current').click()
  const track = page.getByTestId('prediction-track')
  await expect(track).toBeVisible({ timeout: 60_000 })
  const predicted = Number(await track.getAttribute('data-segments'))
  expect(predicted).toBeGreaterThan(0)
  const disagreeing = Number(await track.getAttribute('data-disagreements'))
  expect(disagreeing).toBeGreaterThan(0)
  const status = (file: string) => item(file).locator('[data-status]')
  await expect(status(fourth)).toHaveAttribute('data-status', 'predicted')
  await shot('6-predicted')

  // Accept it all: the labels take the predicted segments; undo and redo the acceptance.
  await page.getByTestId('accept-all').click()
  await expect(rows).toHaveCount(predicted)
  await expect
    .poll(async () => Number(await track.getAttribute('data-disagreements')))
    .toBeLessThan(disagreeing)
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(0)
  await page.keyboard.press('Control+Shift+z')
  await expect(rows).toHaveCount(predicted)
  expect(await saved(fourth)).toHaveLength(predicted)
  await expect(status(fourth)).toHaveAttribute('data-status', 'labelled')
  // Checked by the user: reviewed, kept in the project, and the status filter finds it.
  await page.getByTestId('reviewed-toggle').check()
  await expect(status(fourth)).toHaveAttribute('data-status', 'reviewed')
  await page.getByLabel('Show files').selectOption('reviewed')
  await expect(page.getByTestId('media-item')).toHaveCount(1)
  await page.getByLabel('Show files').selectOption('all')
  await expect(page.getByTestId('media-item')).toHaveCount(4)
  await shot('7-accepted')

  // Evaluation on all four labelled files, chosen (by default only the model's validation files
  // count); the accepted labels are saved first, and the fourth is reviewed, so it counts.
  await page.getByTestId('eval-files-all').check()
  await page.getByTestId('evaluate').click()
  await expect(page.getByTestId('evaluation')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('eval-files').locator('tbody tr')).toHaveCount(4)
  await shot('8-evaluation', true)

  // Export the model with its card, and the fourth file's labels as an Audacity label track.
  const onnx = path.join(root, 'export', `${name}.onnx`)
  await fs.mkdir(path.dirname(onnx))
  await page.getByTestId('export-model-input').fill(onnx)
  await page.getByTestId('export-model-submit').click()
  await expect(page.getByTestId('exported')).toBeVisible()
  expect((await fs.stat(onnx)).size).toBeGreaterThan(10_000)
  const card = JSON.parse(await fs.readFile(onnx.replace(/\.onnx$/, '.json'), 'utf8'))
  expect(card.classes).toEqual([flow.background, ...flow.classes])
  expect(card.features.kind).toBe(flow.featureKind)
  await page.getByTestId('label-files').locator('summary').click()
  const labelsOut = path.join(root, 'export', `${name}-labels.txt`)
  await page.getByTestId('export-path').fill(labelsOut)
  await page.getByTestId('export-submit').click()
  await expect(page.getByTestId('label-files-message')).toContainText(`Wrote ${predicted} segments`)
  const lines = (await fs.readFile(labelsOut, 'utf8')).trim().split('\n')
  expect(lines).toHaveLength(predicted)
  await shot('9-exported', true)
  expect(pageErrors).toEqual([])
}
