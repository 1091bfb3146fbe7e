/**
 * The same workflow in the real Electron app (Playwright's _electron). Runs wherever the
 * Electron binary is installed; elsewhere it is skipped with the reason.
 */
import { _electron as electron, expect, test } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { findElectronBinary } from '../scripts/electron-binary.js'
import { tempDir, toneWav } from './helpers'

const binary = findElectronBinary()
const skipReason =
  'Electron binary not installed (node_modules/electron/dist is missing: electron downloads it on first use, which this machine cannot). Install it with `npx install-electron` to run this test.'
if (binary === null) console.log(`[electron e2e] skipped: ${skipReason}`)

test.skip(binary === null, skipReason)

test('Electron: label a WAV, find the label after a reload, play it; the renderer has no Node', async () => {
  const root = await tempDir('fw-electron-')
  await fs.writeFile(path.join(root, 'tone.wav'), toneWav(4))
  const app = await electron.launch({ executablePath: binary!, args: ['out/main/main.js'] })
  try {
    const page = await app.firstWindow()
    // Hardening as the renderer sees it: no Node, no require, only the bridge.
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    )
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
      'undefined',
    )
    expect(
      await page.evaluate(() =>
        Object.keys((globalThis as unknown as { framewise: object }).framewise),
      ),
    ).toContain('saveLabels')
    // The bridge exposes API functions only, never ipcRenderer.
    expect(
      await page.evaluate(
        () => 'ipcRenderer' in (globalThis as unknown as { framewise: object }).framewise,
      ),
    ).toBe(false)

    const projectDir = path.join(root, 'project')
    await page.getByTestId('create-project-input').fill(projectDir)
    await page.getByTestId('create-project-submit').click()
    await page.getByTestId('add-media-input').fill(path.join(root, 'tone.wav'))
    await page.getByTestId('add-media-submit').click()
    const surface = page.getByTestId('waveform-surface')
    await expect(surface).toBeVisible()
    const box = (await surface.boundingBox())!
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + (2 * box.width) / 3, box.y + box.height / 2, { steps: 12 })
    await page.mouse.up()
    await expect(page.getByTestId('segment-row')).toHaveCount(1)

    // Undo and redo by keyboard reach the page: the Edit menu shows Ctrl+Z / Ctrl+Shift+Z but
    // does not register them (electron/menu-template.ts), so they run the label history, as in
    // browser mode. The menu's own Undo/Redo (clicked here) run the same history.
    const mod = process.platform === 'darwin' ? 'Meta' : 'Control'
    await page.keyboard.press(`${mod}+z`)
    await expect(page.getByTestId('segment-row')).toHaveCount(0)
    await page.keyboard.press(`${mod}+Shift+z`)
    await expect(page.getByTestId('segment-row')).toHaveCount(1)
    const clickMenu = (id: string) =>
      app.evaluate(({ Menu }, id) => Menu.getApplicationMenu()?.getMenuItemById(id)?.click(), id)
    await clickMenu('undo')
    await expect(page.getByTestId('segment-row')).toHaveCount(0)
    await clickMenu('redo')
    await expect(page.getByTestId('segment-row')).toHaveCount(1)

    await expect(page.getByTestId('save-status')).toHaveAttribute('data-status', 'saved')
    await page.reload()
    await expect(page.getByTestId('segment-row')).toHaveCount(1)
    await page.screenshot({ path: test.info().outputPath('electron-after-reload.png') })

    // Playback streams from the framewise-media: protocol (electron/media.ts): the playhead
    // follows the <audio> element's clock, so it moves only when the file really plays.
    await page.getByTestId('play').click()
    await expect(page.getByTestId('time')).not.toHaveText(/^0:00\.000 /, { timeout: 5000 })
    await expect(page.getByRole('alert')).toHaveCount(0)
    await page.getByTestId('play').click()

    // Add files through the native open dialog (answered by a stand-in in the main process): the
    // dialog's choice is added at once, and a dialog with bad arguments is refused.
    await fs.writeFile(path.join(root, 'second.wav'), toneWav(2))
    await app.evaluate(
      ({ dialog }, file) => {
        dialog.showOpenDialog = (async () => ({
          canceled: false,
          filePaths: [file],
        })) as typeof dialog.showOpenDialog
      },
      path.join(root, 'second.wav'),
    )
    await page.getByTestId('add-media-browse').click()
    await expect(page.getByTestId('media-item')).toHaveCount(2)
    const refused = await page.evaluate(() =>
      (
        globalThis as unknown as {
          framewiseDialogs: { open: (a: unknown) => Promise<{ ok: boolean }> }
        }
      ).framewiseDialogs.open({ kind: 'exe' }),
    )
    expect(refused.ok).toBe(false)
  } finally {
    await app.close()
    await fs.rm(root, { recursive: true, force: true })
  }
})
