/**
 * Recordings where they live: a file added from outside the project and a folder granted whole
 * are still reachable after the engine restarts on the same project (the grants live in the
 * user's data folder, not in the project), a revoked grant is refused again, and a hostile
 * manifest naming a file the user never granted is refused (⚠, its samples never served).
 */
import { expect, test, type Page } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { Project } from '../engine/project/store'
import { collectPageErrors, startEngine, tempDir, toneWav, type Engine } from './helpers'

let root: string
const engines: Engine[] = []

test.beforeAll(async () => {
  root = await fs.realpath(await tempDir('fw-e2e-grants-'))
})
test.afterAll(async () => {
  for (const e of engines) await e.stop()
  await fs.rm(root, { recursive: true, force: true })
})

async function serve(project: string): Promise<Engine> {
  const engine = await startEngine(['--project', project])
  engines.push(engine)
  return engine
}

const item = (page: Page, name: string) => page.getByTestId('media-item').filter({ hasText: name })
/** The ⚠ the file list shows for a recording it cannot use. */
const warning = (page: Page, name: string) => item(page, name).getByTestId('media-problem')

test('files and folders granted outside the project survive a restart', async ({
  page,
}, testInfo) => {
  const errors = collectPageErrors(page)
  const dir = path.join(root, 'project')
  const archive = path.join(root, 'archive') // a file added from here
  const drive = path.join(root, 'drive', '2024') // a folder granted whole
  await fs.mkdir(archive, { recursive: true })
  await fs.mkdir(drive, { recursive: true })
  await fs.writeFile(path.join(archive, 'far.wav'), toneWav(3))
  await fs.writeFile(path.join(drive, 'deep.wav'), toneWav(2))
  await (await Project.create(dir, 'grants')).addMedia([])

  let engine = await serve(dir)
  await page.goto(engine.url)
  await page.getByTestId('add-media-input').fill(path.join(archive, 'far.wav'))
  await page.getByTestId('add-media-submit').click()
  await expect(item(page, 'far.wav')).toBeVisible()
  await expect(warning(page, 'far.wav')).toHaveCount(0)
  await page.getByTestId('grant-folder-input').fill(drive)
  await page.getByTestId('grant-folder-submit').click()
  const grants = page.getByTestId('grants')
  await expect(grants).toContainText(`${drive}/`)
  await expect(grants).toContainText(path.join(archive, 'far.wav'))
  await engine.stop()

  // The manifest names a recording of the granted folder (written while the engine was away,
  // as another machine's copy of the project would): never added in this session.
  const offline = await Project.open(dir)
  await offline.addMedia([path.join(drive, 'deep.wav')])
  const manifest = await fs.readFile(path.join(dir, 'framewise.json'), 'utf8')
  expect(manifest).not.toContain(root) // the project keeps relative paths, no grants

  engine = await serve(dir)
  await page.goto(engine.url)
  await expect(item(page, 'far.wav')).toBeVisible()
  await expect(item(page, 'deep.wav')).toBeVisible()
  await expect(warning(page, 'far.wav')).toHaveCount(0)
  await expect(warning(page, 'deep.wav')).toHaveCount(0)
  await item(page, 'far.wav').click()
  await expect(page.getByTestId('media-meta')).toContainText('3.00 s · 16000 Hz')
  await expect(page.getByTestId('waveform-surface')).toBeVisible()
  await item(page, 'deep.wav').click()
  await expect(page.getByTestId('media-meta')).toContainText('2.00 s · 16000 Hz')
  await page.screenshot({ path: testInfo.outputPath('after-restart.png') })

  // Revoked, the folder's recording is refused again at once.
  await page.getByRole('button', { name: `Revoke ${drive}` }).click()
  await expect(warning(page, 'deep.wav')).toHaveCount(1)
  await expect(warning(page, 'far.wav')).toHaveCount(0)
  expect(errors).toEqual([])
})

test('a manifest naming a file the user never granted is refused', async ({ page }, testInfo) => {
  const errors = collectPageErrors(page)
  const dir = path.join(root, 'hostile')
  const secret = path.join(root, 'secret')
  await fs.mkdir(secret, { recursive: true })
  await fs.writeFile(path.join(secret, 'private.wav'), toneWav(2))
  // Someone else's project: its manifest points outside its folder, at a file never granted.
  const project = await Project.create(dir, 'hostile')
  await fs.writeFile(path.join(dir, 'own.wav'), toneWav(1))
  await project.addMedia(['own.wav', path.join(secret, 'private.wav')])
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'framewise.json'), 'utf8'))
  const id: string = manifest.media[1].path
  expect(id).toBe('../secret/private.wav')

  const engine = await serve(dir)
  await page.goto(engine.url)
  await expect(warning(page, 'own.wav')).toHaveCount(0)
  await expect(warning(page, 'private.wav')).toHaveCount(1)
  await expect(item(page, 'private.wav').getByTestId('media-problem')).toHaveAttribute(
    'title',
    /grant|outside/i,
  )
  await item(page, 'private.wav').click()
  await expect(page.getByRole('alert').first()).toBeVisible()
  await expect(page.getByTestId('waveform-surface')).toHaveCount(0)
  await page.screenshot({ path: testInfo.outputPath('hostile.png') })

  // Its samples are not served, even to a page holding this run's token.
  const url = new URL(engine.url)
  const token = url.searchParams.get('token')!
  const media = await page.request.get(
    `${url.origin}/media?id=${encodeURIComponent(id)}&token=${token}`,
  )
  expect(media.status()).toBeGreaterThanOrEqual(400)
  expect((await media.body()).subarray(0, 4).toString()).not.toBe('RIFF')
  const own = await page.request.get(`${url.origin}/media?id=own.wav&token=${token}`)
  expect(own.status()).toBe(200)
  expect((await own.body()).subarray(0, 4).toString()).toBe('RIFF')
  expect(errors).toEqual([])
})
