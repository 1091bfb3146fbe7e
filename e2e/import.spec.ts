/**
 * What researchers arrive with, through the UI: a Raven selection table made over several files
 * (Begin File, File Offset, two label columns) labels each project recording it names and reports
 * the one the project lacks; a DAS CSV (`,name,start_seconds,stop_seconds`) and a table whose
 * columns the user maps go through the import dialog's preview; the open file's reader notes (a
 * cut-off data chunk, skipped text columns) show beside its header, and a series without a time
 * column takes its rows per second there.
 */
import { expect, test, type Page } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { Project } from '../engine/project/store'
import { collectPageErrors, startEngine, tempDir, toneWav, type Engine } from './helpers'

let engine: Engine
let dir: string
let tables: string

const RAVEN = [
  [
    'Selection',
    'View',
    'Channel',
    'Begin File',
    'File Offset (s)',
    'Begin Time (s)',
    'End Time (s)',
    'Low Freq (Hz)',
    'High Freq (Hz)',
    'Species',
    'Call Type',
  ],
  ['1', 'Spectrogram 1', '1', 'a.wav', '0.5', '0.5', '1.0', '1000', '4000', 'AMRO', 'song'],
  ['2', 'Spectrogram 1', '1', 'a.wav', '2.0', '2.0', '2.5', '1000', '4000', 'BLJA', 'call'],
  // b.wav starts 4 s into the file sequence: its selection is 1 s into b.wav
  ['3', 'Spectrogram 1', '1', 'b.wav', '1.0', '5.0', '5.8', '1200', '3000', 'AMRO', 'call'],
  ['4', 'Spectrogram 1', '1', 'c.wav', '0.2', '8.2', '8.4', '900', '2000', 'BLJA', 'song'],
]
  .map((r) => r.join('\t'))
  .join('\n')

test.beforeAll(async () => {
  dir = await tempDir('fw-e2e-import-')
  tables = await tempDir('fw-e2e-tables-')
  const project = await Project.create(dir, 'import')
  await fs.writeFile(path.join(dir, 'a.wav'), toneWav(4))
  await fs.writeFile(path.join(dir, 'b.wav'), toneWav(4))
  // a recorder that lost power: the header promises 4 s, 1.5 s of samples are there
  const cut = toneWav(4)
  await fs.writeFile(path.join(dir, 'cut.wav'), cut.subarray(0, 44 + 2 * 16000 * 1.5))
  // a sensor log without a time column, and a column of text
  const rows = ['ax,ay,note']
  for (let i = 0; i < 100; i++) rows.push(`${Math.sin(i / 5).toFixed(3)},${i % 7},ok`)
  await fs.writeFile(path.join(dir, 'log.csv'), rows.join('\n') + '\n')
  await project.addMedia(['a.wav', 'b.wav', 'cut.wav', 'log.csv'])
  await fs.writeFile(path.join(tables, 'birds.selections.txt'), RAVEN + '\n')
  await fs.writeFile(
    path.join(tables, 'das.csv'),
    ',name,start_seconds,stop_seconds\n0,pulse,0.50,0.52\n1,sine,1.0,1.8\n2,pulse,3.1,3.12\n',
  )
  await fs.writeFile(
    path.join(tables, 'calls.csv'),
    'onset_ms,offset_ms,species,call_type\n250,750,AMRO,song\n3000,3500,BLJA,song\n',
  )
  engine = await startEngine(['--project', dir])
})
test.afterAll(async () => {
  await engine?.stop()
  await fs.rm(dir, { recursive: true, force: true })
  await fs.rm(tables, { recursive: true, force: true })
})

const item = (page: Page, name: string) => page.getByTestId('media-item').filter({ hasText: name })

async function pickTable(page: Page, file: string) {
  await page.getByTestId('import-labels-input').fill(path.join(tables, file))
  await page.getByTestId('import-labels-submit').click()
  await expect(page.getByTestId('import-dialog')).toBeVisible()
}

async function savedLabels(
  media: string,
): Promise<{ start: number; end: number; label: string }[]> {
  const file = path.join(dir, 'labels', media.replace(/\.\w+$/, '.labels.json'))
  const saved = JSON.parse(await fs.readFile(file, 'utf8'))
  // format 2 holds named tiers; an import fills the default one
  return saved.tiers ? saved.tiers[0].segments : saved.segments
}

test('a Raven table over several files labels each recording it names', async ({
  page,
}, testInfo) => {
  const errors = collectPageErrors(page)
  await page.setViewportSize({ width: 1280, height: 720 })
  await page.goto(engine.url)
  await item(page, 'a.wav').click()
  await expect(page.getByTestId('media-meta')).toContainText('4.00 s')
  await page.getByTestId('label-files').locator('summary').click()
  await pickTable(page, 'birds.selections.txt')

  const dialog = page.getByTestId('import-dialog')
  await expect(dialog).toContainText('Read as Raven selection table')
  await expect(page.getByTestId('import-preview').locator('tbody tr')).toHaveCount(4)
  await expect(page.getByTestId('import-ambiguous')).toContainText('"Species" or "Call Type"')
  // two label columns: nothing is imported until one is chosen (or one class named)
  await expect(page.getByTestId('import-submit')).toBeDisabled()
  await page.getByTestId('import-label-column').selectOption('Call Type')
  await page.screenshot({ path: testInfo.outputPath('raven-dialog.png') })
  await page.getByTestId('import-submit').click()

  const summary = dialog.getByTestId('import-summary')
  await expect(summary).toContainText('Labelled 2 recordings')
  await expect(summary.getByTestId('import-recordings')).toContainText('a.wav 2 segments')
  await expect(summary.getByTestId('import-recordings')).toContainText('b.wav 1 segment')
  await expect(summary.getByTestId('import-missing')).toContainText('c.wav')
  await expect(summary).toContainText('Added classes: song, call')
  await page.screenshot({ path: testInfo.outputPath('raven-summary.png') })
  await page.getByTestId('import-close').click()

  const rows = page.getByTestId('segment-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toContainText('song')
  await expect(rows.nth(0)).toContainText('0.500')
  await expect(rows.nth(1)).toContainText('call')
  expect((await savedLabels('a.wav')).map((s) => s.label)).toEqual(['song', 'call'])
  // the open file's part is one undo step (a.wav had no labels), and redo brings it back
  await page.keyboard.press('Control+z')
  await expect(rows).toHaveCount(0)
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  expect(await savedLabels('a.wav')).toEqual([])
  await page.keyboard.press('Control+Shift+z')
  await expect(rows).toHaveCount(2)
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  expect(await savedLabels('a.wav')).toHaveLength(2)
  // the other recording got its rows at its own times (File Offset), saved by the engine
  const b = await savedLabels('b.wav')
  expect(b).toMatchObject([{ start: 1, label: 'call' }])
  expect(b[0].end).toBeCloseTo(1.8, 9)
  await item(page, 'b.wav').click()
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('1.000')
  await expect(rows.first()).toContainText('1.800')
  expect(errors).toEqual([])
})

test('a DAS CSV and a table whose label column the user maps', async ({ page }, testInfo) => {
  const errors = collectPageErrors(page)
  await page.setViewportSize({ width: 1280, height: 720 })
  await page.goto(engine.url)
  await item(page, 'a.wav').click()
  await expect(page.getByTestId('media-meta')).toContainText('4.00 s')
  await page.getByTestId('label-files').locator('summary').click()
  await pickTable(page, 'das.csv')

  // DAS: the unnamed index is left out, name/start_seconds/stop_seconds are recognised
  await expect(page.getByTestId('import-dialog')).toContainText('Read as CSV label table')
  await expect(page.getByTestId('import-dialog')).toContainText('unnamed index column')
  const roles = page.getByTestId('import-role')
  await expect(roles).toHaveCount(4)
  expect(await Promise.all([0, 1, 2, 3].map((i) => roles.nth(i).inputValue()))).toEqual([
    '',
    'label',
    'start',
    'end',
  ])
  await expect(page.getByTestId('import-unit')).toHaveValue('s')
  await page.screenshot({ path: testInfo.outputPath('das-dialog.png') })
  await page.getByTestId('import-submit').click()
  await expect(page.getByTestId('import-dialog').getByTestId('import-summary')).toContainText(
    'Imported 3 segments',
  )
  await page.getByTestId('import-close').click()
  const rows = page.getByTestId('segment-row')
  await expect(rows).toHaveCount(3)
  await expect(rows.nth(1)).toContainText('sine')
  await expect(rows.nth(1)).toContainText('1.800')
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  expect((await savedLabels('a.wav')).map((s) => s.label)).toEqual(['pulse', 'sine', 'pulse'])

  // Two label candidates in milliseconds: the user gives call_type the label role, then
  // takes it away and names the one class instead.
  expect(await savedLabels('b.wav')).toHaveLength(1)
  await item(page, 'b.wav').click()
  await expect(rows).toHaveCount(1)
  await pickTable(page, 'calls.csv')
  await expect(page.getByTestId('import-unit')).toHaveValue('ms')
  await expect(page.getByTestId('import-ambiguous')).toContainText('"species" or "call_type"')
  await expect(page.getByTestId('import-submit')).toBeDisabled()
  await page.getByRole('combobox', { name: 'Role of column call_type' }).selectOption('label')
  await expect(page.getByTestId('import-submit')).toBeEnabled()
  await page.getByRole('combobox', { name: 'Role of column call_type' }).selectOption('')
  await expect(page.getByTestId('import-submit')).toBeDisabled()
  await page.getByTestId('import-class').fill('song')
  await page.getByTestId('import-submit').click()
  await expect(page.getByTestId('import-dialog').getByTestId('import-summary')).toContainText(
    'Imported 2 segments',
  )
  await page.getByTestId('import-close').click()
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toContainText('0.250')
  await expect(rows.nth(1)).toContainText('3.500')
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
  expect(await savedLabels('b.wav')).toEqual([
    { start: 0.25, end: 0.75, label: 'song' },
    { start: 3, end: 3.5, label: 'song' },
  ])
  expect(errors).toEqual([])
})

test("the reader's notes show for the open file; a series without time takes its rate", async ({
  page,
}, testInfo) => {
  const errors = collectPageErrors(page)
  await page.setViewportSize({ width: 1280, height: 720 })
  await page.goto(engine.url)
  await item(page, 'cut.wav').click()
  const notices = page.getByTestId('file-notices')
  await expect(notices).toContainText('truncated')
  await expect(notices).toContainText('read the 1.499 s')
  await expect(page.getByTestId('media-meta')).toContainText('1.50 s')

  await item(page, 'log.csv').click()
  await expect(notices).toContainText('skipped columns of text')
  await expect(notices).toContainText('"note"')
  await expect(notices).toContainText('no time column')
  await expect(page.getByTestId('media-meta')).toContainText('100.00 s')
  await page.screenshot({ path: testInfo.outputPath('series-notices.png') })
  await page.getByTestId('series-rate-input').fill('50')
  await page.getByTestId('series-rate-submit').click()
  await expect(page.getByTestId('media-meta')).toContainText('2.00 s · 100 rows')
  await expect(notices).not.toContainText('no time column')
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'framewise.json'), 'utf8'))
  expect(manifest.media.find((m: { path: string }) => m.path === 'log.csv').seriesRate).toBe(50)
  expect(errors).toEqual([])
})
