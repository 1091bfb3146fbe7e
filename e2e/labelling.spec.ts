/**
 * The labelling loop in browser mode, with the mouse and with keys: several files added at once,
 * segments created, resized, moved, relabelled and deleted, undo/redo, autosave, reload. The
 * same for a multichannel CSV. Screenshots go to the test's output folder.
 */
import { expect, test, type Locator, type Page } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { sensorCsv, startEngine, tempDir, toneWav, type Engine } from './helpers'

let engine: Engine
let root: string

test.beforeAll(async () => {
  root = await tempDir('fw-label-')
  for (const [name, seconds] of [
    ['a.wav', 6],
    ['b.wav', 4],
    ['c.wav', 3],
  ] as const)
    await fs.writeFile(path.join(root, name), toneWav(seconds))
  await fs.writeFile(path.join(root, 'imu.csv'), sensorCsv(30))
})
test.afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})
// An engine per test: each starts with no project open.
test.beforeEach(async () => {
  engine = await startEngine()
})
test.afterEach(async () => {
  await engine.stop()
})

/** Page x of time `t` on a full-file view of `duration` seconds drawn in `box`. */
const xAt = (box: { x: number; width: number }, t: number, duration: number) =>
  box.x + (t / duration) * box.width

async function drag(page: Page, from: [number, number], to: [number, number]) {
  await page.mouse.move(...from)
  await page.mouse.down()
  await page.mouse.move((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, { steps: 6 })
  await page.mouse.move(...to, { steps: 6 })
  await page.mouse.up()
}

/** The saved label file, once the header says everything is saved. */
async function savedLabels(page: Page, file: string) {
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  return JSON.parse(await fs.readFile(file, 'utf8')).tiers[0].segments as {
    start: number
    end: number
    label: string
  }[]
}

const cells = async (rows: Locator) =>
  (await rows.allInnerTexts()).map((r) =>
    r
      .split('\t')
      .slice(0, 3)
      .map((c) => c.trim()),
  )

async function createProject(page: Page, dir: string) {
  await page.goto(engine.url)
  await page.getByTestId('create-project-input').fill(dir)
  await page.getByTestId('create-project-submit').click()
  await expect(page.getByTestId('media-list')).toBeVisible()
}

test('audio: add three WAVs at once, label with mouse and keys, edit, undo/redo, reload', async ({
  page,
}, testInfo) => {
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const projectDir = path.join(root, 'audio-project')
  await createProject(page, projectDir)

  // Three files in one go.
  await page
    .getByTestId('add-media-input')
    .fill(['a.wav', 'b.wav', 'c.wav'].map((f) => path.join(root, f)).join('; '))
  await page.getByTestId('add-media-submit').click()
  await expect(page.getByTestId('media-item')).toHaveCount(3)
  await expect(page.getByTestId('media-meta')).toContainText('6.00 s · 16000 Hz')

  // A second class with hotkey 2, from the class editor.
  await page.getByTestId('class-editor').locator('summary').click()
  await page.getByTestId('add-class').click()
  await page.getByTestId('class-row').last().getByLabel('Class name').fill('call')
  await page.getByTestId('save-classes').click()
  await expect(page.getByRole('radio', { name: /call/ })).toBeVisible()
  await page.getByTestId('class-editor').locator('summary').click()
  await page.screenshot({ path: testInfo.outputPath('audio-1-three-files.png') })

  // Mouse: drag across 1 s → 2 s on the waveform.
  const wave = (await page.getByTestId('waveform-surface').boundingBox())!
  const track = page.getByTestId('label-track')
  const tb = (await track.boundingBox())!
  const ty = tb.y + tb.height / 2
  await drag(
    page,
    [xAt(wave, 1, 6), wave.y + wave.height / 2],
    [xAt(wave, 2, 6), wave.y + wave.height / 2],
  )
  const rows = page.getByTestId('segment-row')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('event')

  // Mouse on the label track: drag on empty space (3 s → 4 s) creates another.
  await drag(page, [xAt(tb, 3, 6), ty], [xAt(tb, 4, 6), ty])
  await expect(rows).toHaveCount(2)

  // Keys: playhead to 4.5 s (click on the ruler), '[' , playhead to 5.5 s, ']' → a third segment.
  const ruler = (await page.getByTestId('ruler').boundingBox())!
  await page.mouse.click(xAt(ruler, 4.5, 6), ruler.y + 10)
  await page.keyboard.press('[')
  await page.mouse.click(xAt(ruler, 5.5, 6), ruler.y + 10)
  await page.keyboard.press(']')
  await expect(rows).toHaveCount(3)
  // Esc clears the selection; from the start, Tab selects segments in turn; '2' gives the
  // selected one class 'call'.
  await page.keyboard.press('Escape')
  await page.keyboard.press('Home')
  await page.keyboard.press('Tab')
  await page.keyboard.press('Tab')
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('2')
  await expect(rows.nth(1)).toContainText('call')
  await page.screenshot({ path: testInfo.outputPath('audio-2-labelled.png') })

  let saved = await savedLabels(page, path.join(projectDir, 'labels/a.labels.json'))
  expect(saved.map((s) => s.label)).toEqual(['event', 'call', 'event'])
  expect(saved[0].start).toBeCloseTo(1, 1)
  expect(saved[0].end).toBeCloseTo(2, 1)
  expect(saved[2].start).toBeCloseTo(4.5, 1)
  expect(saved[2].end).toBeCloseTo(5.5, 1)

  // Resize: drag the first segment's end edge from 2 s to 2.5 s.
  const before = await cells(rows)
  await drag(page, [xAt(tb, saved[0].end, 6), ty], [xAt(tb, 2.5, 6), ty])
  await expect.poll(async () => Number((await cells(rows))[0][2])).toBeCloseTo(2.5, 1)
  // Move: drag the middle of 'call' 0.5 s to the right (it keeps its length).
  const call = saved[1]
  await drag(
    page,
    [xAt(tb, (call.start + call.end) / 2, 6), ty],
    [xAt(tb, (call.start + call.end) / 2 + 0.3, 6), ty],
  )
  await expect.poll(async () => Number((await cells(rows))[1][1])).toBeCloseTo(call.start + 0.3, 1)
  const edited = await cells(rows)
  expect(Number(edited[1][2]) - Number(edited[1][1])).toBeCloseTo(call.end - call.start, 2)
  await page.screenshot({ path: testInfo.outputPath('audio-3-edited.png') })

  // Undo both edits (keys), then redo one (button).
  await page.keyboard.press('Control+z')
  await page.keyboard.press('Control+z')
  expect(await cells(rows)).toEqual(before)
  await page.getByTestId('redo').click()
  await expect.poll(async () => Number((await cells(rows))[0][2])).toBeCloseTo(2.5, 1)
  await page.keyboard.press('Control+Shift+z')
  expect(await cells(rows)).toEqual(edited)

  // Delete the selected ('call') segment, undo the deletion.
  await rows.nth(1).click()
  await page.keyboard.press('Delete')
  await expect(rows).toHaveCount(2)
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(3)

  // Zoom in with the keyboard and Ctrl+wheel, scroll with the wheel: the ruler changes.
  await page.keyboard.press('+')
  await page.mouse.move(xAt(wave, 3, 6), wave.y + 20)
  await page.keyboard.down('Control')
  await page.mouse.wheel(0, -300)
  await page.keyboard.up('Control')
  await page.mouse.wheel(0, 200)
  await page.screenshot({ path: testInfo.outputPath('audio-4-zoomed.png') })
  await page.keyboard.press('0')

  // The spectrogram under the waveform, computed by the engine for the visible window.
  await page.getByTestId('spectrogram-toggle').check()
  await expect(page.getByTestId('spectrogram')).toBeVisible()
  await expect(page.getByTestId('spectrogram-axis')).toContainText('8 kHz')
  await page.screenshot({ path: testInfo.outputPath('audio-4b-spectrogram.png') })
  await page.getByTestId('spectrogram-toggle').uncheck()

  saved = await savedLabels(page, path.join(projectDir, 'labels/a.labels.json'))
  expect(saved).toHaveLength(3)
  expect(saved[0].end).toBeCloseTo(2.5, 1)
  expect(saved[1].label).toBe('call')

  // Reload: the same segments are listed, from the file.
  await page.reload()
  await expect(page.getByTestId('waveform-surface')).toBeVisible()
  await expect(rows).toHaveCount(3)
  expect(await cells(rows)).toEqual(
    saved.map((s) => [s.label, s.start.toFixed(3), s.end.toFixed(3)]),
  )
  // The other files are still unlabelled; the sidebar says so.
  await expect(
    page.getByTestId('media-item').filter({ hasText: 'b.wav' }).locator('[data-status]'),
  ).toHaveAttribute('data-status', 'unlabelled')
  await expect(
    page.getByTestId('media-item').filter({ hasText: 'a.wav' }).locator('[data-status]'),
  ).toHaveAttribute('data-status', 'labelled')
  await page.screenshot({ path: testInfo.outputPath('audio-5-after-reload.png') })

  // Export the labels as an Audacity label track; import one into b.wav (a new class comes with it).
  await page.getByTestId('label-files').locator('summary').click()
  const exported = path.join(root, 'a-labels.txt')
  await page.getByTestId('export-path').fill(exported)
  await page.getByTestId('export-submit').click()
  await expect(page.getByTestId('label-files-message')).toContainText('Wrote 3 segments')
  const lines = (await fs.readFile(exported, 'utf8')).trim().split('\n')
  expect(lines.map((l) => l.split('\t')[2])).toEqual(['event', 'call', 'event'])
  await fs.writeFile(path.join(root, 'b-birds.txt'), '0.5\t1.0\tbird\n1.5\t2.5\tevent\n')
  await page.getByTestId('media-item').filter({ hasText: 'b.wav' }).click()
  await expect(page.getByTestId('media-meta')).toContainText('4.00 s')
  await page.getByTestId('import-labels-input').fill(path.join(root, 'b-birds.txt'))
  await page.getByTestId('import-labels-submit').click()
  await expect(rows).toHaveCount(2)
  await expect(rows.first()).toContainText('bird')
  await expect(page.getByRole('radio', { name: /bird/ })).toBeVisible()
  await page.screenshot({ path: testInfo.outputPath('audio-5b-imported.png') })
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(0)
  await page.keyboard.press('Control+Shift+z')
  await expect(rows).toHaveCount(2)
  await page.getByTestId('media-item').filter({ hasText: 'a.wav' }).click()
  await expect(rows).toHaveCount(3)

  // N jumps to unlabelled stretches (marking their start for ']'): 0 s, then 2.5 s.
  await page.keyboard.press('Home')
  await page.keyboard.press('n')
  await expect(page.getByTestId('time')).toHaveText(/^0:00\.000 /)
  await page.keyboard.press('n')
  await expect(page.getByTestId('time')).toHaveText(/^0:02\.[45]\d\d /)
  await page.keyboard.press('Home')

  // Playback moves the playhead.
  await page.getByTestId('play').click()
  await expect(page.getByTestId('time')).not.toHaveText(/^0:00\.000 /, { timeout: 5000 })
  await page.getByTestId('play').click()

  // The shortcut overlay.
  await page.keyboard.press('?')
  await expect(page.getByTestId('shortcuts')).toBeVisible()
  await page.screenshot({ path: testInfo.outputPath('audio-6-shortcuts.png') })
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('shortcuts')).toBeHidden()
  expect(pageErrors).toEqual([])
})

test('CSV: three channels stacked and overlaid, label, resize, undo/redo, reload', async ({
  page,
}, testInfo) => {
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const projectDir = path.join(root, 'csv-project')
  await createProject(page, projectDir)
  await page.getByTestId('add-media-input').fill(path.join(root, 'imu.csv'))
  await page.getByTestId('add-media-submit').click()
  await expect(page.getByTestId('media-meta')).toContainText('1500 rows · 3 channels')
  const plot = page.getByTestId('series-plot')
  await expect(plot.locator('.plot')).toHaveCount(3)
  await page.screenshot({ path: testInfo.outputPath('csv-1-stacked.png') })

  const duration = 30
  const surface = (await page.getByTestId('waveform-surface').boundingBox())!
  const sy = surface.y + surface.height / 2
  await drag(page, [xAt(surface, 10, duration), sy], [xAt(surface, 20, duration), sy])
  const rows = page.getByTestId('segment-row')
  await expect(rows).toHaveCount(1)
  const tb = (await page.getByTestId('label-track').boundingBox())!
  const ty = tb.y + tb.height / 2
  const before = await cells(rows)
  await drag(page, [xAt(tb, Number(before[0][1]), duration), ty], [xAt(tb, 8, duration), ty])
  await expect.poll(async () => Number((await cells(rows))[0][1])).toBeCloseTo(8, 0)
  await page.keyboard.press('Control+z')
  expect(await cells(rows)).toEqual(before)
  await page.keyboard.press('Control+Shift+z')
  await expect.poll(async () => Number((await cells(rows))[0][1])).toBeCloseTo(8, 0)

  await page.getByTestId('channel-picker').getByLabel('overlaid').check()
  await expect(plot.locator('.plot')).toHaveCount(1)
  await page.getByTestId('channel-picker').getByLabel('az').uncheck()
  await page.screenshot({ path: testInfo.outputPath('csv-2-overlaid.png') })

  const saved = await savedLabels(page, path.join(projectDir, 'labels/imu.labels.json'))
  expect(saved).toHaveLength(1)
  expect(saved[0].start).toBeCloseTo(8, 0)
  expect(saved[0].end).toBeCloseTo(20, 0)
  await page.reload()
  await expect(plot.locator('.plot')).toHaveCount(3)
  expect(await cells(rows)).toEqual(
    saved.map((s) => [s.label, s.start.toFixed(3), s.end.toFixed(3)]),
  )
  await page.screenshot({ path: testInfo.outputPath('csv-3-after-reload.png') })

  // Another program rewrites the label file: the page says so and loads it on request.
  const file = path.join(projectDir, 'labels/imu.labels.json')
  const onDisk = JSON.parse(await fs.readFile(file, 'utf8'))
  onDisk.tiers[0].segments = [
    { start: 1, end: 2, label: 'event' },
    { start: 3, end: 4, label: 'event' },
  ]
  await fs.writeFile(file, JSON.stringify(onDisk))
  await expect(page.getByTestId('labels-conflict')).toBeVisible()
  await page.screenshot({ path: testInfo.outputPath('csv-4-external-change.png') })
  await page.getByTestId('conflict-reload').click()
  await expect(rows).toHaveCount(2)
  await expect(page.getByTestId('labels-conflict')).toBeHidden()

  // A damaged label file: the page offers the stored earlier versions and restores one.
  await fs.writeFile(file, '{"format": "framewise-labels", "segm')
  await page.getByTestId('conflict-reload').click()
  const recovery = page.getByTestId('recovery')
  await expect(recovery).toBeVisible()
  await page.screenshot({ path: testInfo.outputPath('csv-5-recovery.png') })
  // Newest first: the last version saved from the page (8 s → 20 s).
  await recovery.getByRole('listitem').first().getByRole('button', { name: 'Restore' }).click()
  await expect(recovery).toBeHidden()
  await expect(rows).toHaveCount(1)
  expect(await cells(rows)).toEqual(
    saved.map((s) => [s.label, s.start.toFixed(3), s.end.toFixed(3)]),
  )
  expect(JSON.parse(await fs.readFile(file, 'utf8')).tiers[0].segments).toEqual(saved)
  expect(pageErrors).toEqual([])
})
