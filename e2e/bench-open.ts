/**
 * Project-open benchmark (not a test): a project of FW_OPEN_FILES (default 2,000) one-second
 * WAVs — every third labelled, every tenth of those reviewed, one label file damaged — opened in
 * browser mode in Chromium. Reports, as one JSON line: the time from navigation until the file
 * list and its status counts are drawn (cold: a new engine on a project never opened, every
 * header probed; warm: a reload; next session: another new engine, the headers' probes kept in
 * the project's cache folder), how many rows the virtual list put in the DOM, and the time to
 * scroll to the last file. Run
 * after a build: `npm run bench:open`; figures in docs/archive-scale.md.
 */
import { chromium } from '@playwright/test'
import { promises as fs } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { startEngine, tempDir, toneWav } from './helpers'

const FILES = Number(process.env.FW_OPEN_FILES ?? 2000)

/** Writes the project; returns how many files are labelled and not reviewed. */
async function writeProject(project: string): Promise<number> {
  await fs.mkdir(path.join(project, 'rec'), { recursive: true })
  await fs.mkdir(path.join(project, 'labels'), { recursive: true })
  const wav = toneWav(1)
  const media = []
  let labelled = 0
  for (let i = 0; i < FILES; i++) {
    const name = `r${String(i).padStart(4, '0')}`
    await fs.writeFile(path.join(project, 'rec', `${name}.wav`), wav)
    const labels = `labels/${name}.labels.json`
    media.push({
      path: `rec/${name}.wav`,
      kind: 'audio',
      labels,
      ...(i % 30 === 0 ? { reviewed: true } : {}),
    })
    if (i === 7) await fs.writeFile(path.join(project, labels), '{ damaged')
    else if (i % 3 === 0) {
      if (i % 30 !== 0) labelled++
      await fs.writeFile(
        path.join(project, labels),
        JSON.stringify({
          format: 'framewise-labels',
          version: 1,
          media: `rec/${name}.wav`,
          revision: 1,
          segments: [{ start: 0.2, end: 0.6, label: 'event' }],
        }),
      )
    }
  }
  await fs.writeFile(
    path.join(project, 'framewise.json'),
    JSON.stringify({
      format: 'framewise-project',
      version: 1,
      name: 'open-bench',
      classes: [
        { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
        { name: 'event', color: '#e6550d', hotkey: 1, role: 'class' },
      ],
      labelling: 'complete',
      features: {},
      media,
    }),
  )
  return labelled
}

async function main() {
  const root = await tempDir('fw-bench-open-')
  const project = path.join(root, 'project')
  const labelled = await writeProject(project)
  let engine = await startEngine(['--project', project])
  const browser = await chromium.launch({
    executablePath: process.env.FRAMEWISE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const open = async () => {
      const t0 = Date.now()
      await page.goto(engine.url)
      await page
        .getByTestId('status-counts')
        .getByText(`${labelled} labelled`, { exact: false })
        .waitFor()
      await page.getByTestId('media-item').first().waitFor()
      return Date.now() - t0
    }
    const openColdMs = await open()
    const openWarmMs = await open()
    const counts = await page.getByTestId('status-counts').innerText()
    const rows = await page.getByTestId('media-item').count()
    const t0 = Date.now()
    await page.getByTestId('media-list').evaluate((el) => (el.scrollTop = el.scrollHeight))
    const last = `r${String(FILES - 1).padStart(4, '0')}.wav`
    await page.getByTestId('media-item').filter({ hasText: last }).waitFor()
    const scrollToEndMs = Date.now() - t0
    const problems = await page.getByTestId('media-problem').count()
    // a new session: another engine (nothing in memory), the probes kept on disk
    await engine.stop()
    engine = await startEngine(['--project', project])
    const openNextSessionMs = await open()
    console.log(
      JSON.stringify({
        bench: 'open',
        files: FILES,
        openColdMs,
        openWarmMs,
        openNextSessionMs,
        statusCounts: counts.replace(/\s+/g, ' ').trim(),
        rowsInDom: rows,
        scrollToEndMs,
        problemsShownAtEnd: problems,
        loadAvg1m: Number(loadavg()[0].toFixed(1)),
      }),
    )
  } finally {
    await browser.close()
    await engine.stop()
    await fs.rm(root, { recursive: true, force: true })
  }
}

await main()
