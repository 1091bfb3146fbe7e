/**
 * UI benchmark (not a test): a project with a 1-hour WAV and 5,000 segments, opened in browser
 * mode in Chromium; reports how long the file takes to open (cold: peaks built; warm: cached)
 * and requestAnimationFrame deltas while zooming and scrolling (one wheel event per frame),
 * first with the waveform only, then with the spectrogram on (and how long its first image
 * takes), as one JSON line. Then the same 5,000 segments over 3 tiers (an exclusive one, an
 * overlapping one whose events overlap, stacked two deep, and one of time–frequency boxes), with
 * the overlapping tier's lane selected and then the boxes on the spectrogram (`tiers` in the
 * line). Run after a build: `npm run bench:ui`; figures in docs/ui-bench.md.
 */
import { chromium } from '@playwright/test'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { benchWavesurfer } from './bench-wavesurfer'
import { startEngine, tempDir } from './helpers'

const SECONDS = 3600
const RATE = 16000
const SEGMENTS = 5000
const VIEWPORT = { width: 1280, height: 800 }

/** A 1-hour 16-bit mono WAV: noise bursts over a quiet tone, so the waveform has shape everywhere. */
async function writeLongWav(file: string): Promise<void> {
  const n = SECONDS * RATE
  const b = Buffer.alloc(44 + 2 * n)
  b.write('RIFF', 0)
  b.writeUInt32LE(36 + 2 * n, 4)
  b.write('WAVEfmt ', 8)
  b.writeUInt32LE(16, 16)
  b.writeUInt16LE(1, 20)
  b.writeUInt16LE(1, 22)
  b.writeUInt32LE(RATE, 24)
  b.writeUInt32LE(RATE * 2, 28)
  b.writeUInt16LE(2, 32)
  b.writeUInt16LE(16, 34)
  b.write('data', 36)
  b.writeUInt32LE(2 * n, 40)
  let seed = 1
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    const loud = Math.floor(i / (RATE * 0.7)) % 3 === 0
    const v = (loud ? 12000 : 1500) * ((seed / 0x7fffffff) * 2 - 1) + 2000 * Math.sin(i * 0.05)
    b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), 44 + 2 * i)
  }
  await fs.writeFile(file, b)
}

function quantiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return {
    frames: s.length,
    median: +q(0.5).toFixed(2),
    p95: +q(0.95).toFixed(2),
    max: +s[s.length - 1].toFixed(2),
  }
}

/** Segments of the 3-tier case: exclusive, overlapping (stacked two deep), boxes; 5,000 in all. */
const TIERED = [2000, 2000, 1000] as const

/** A project of the hour (hard-linked) with TIERED segments over 3 tiers (format 2). */
async function writeTieredProject(dir: string, wav: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'labels'), { recursive: true })
  await fs.link(wav, path.join(dir, 'hour.wav'))
  const step = SECONDS / TIERED[0]
  const species = Array.from({ length: TIERED[0] }, (_, i) => ({
    start: +(i * step).toFixed(3),
    end: +(i * step + 0.4 * step).toFixed(3),
    label: i % 3 ? 'event' : 'call',
  }))
  // each event lasts 1.3 steps, so it overlaps the next: two rows in the lane
  const events = Array.from({ length: TIERED[1] }, (_, i) => ({
    start: +(i * step + 0.2 * step).toFixed(3),
    end: +(i * step + 1.5 * step).toFixed(3),
    label: i % 2 ? 'event' : 'call',
  }))
  const boxStep = SECONDS / TIERED[2]
  const calls = Array.from({ length: TIERED[2] }, (_, i) => ({
    start: +(i * boxStep + 0.5).toFixed(3),
    end: +(i * boxStep + 0.5 + 0.3 * boxStep).toFixed(3),
    label: 'call',
    lowFreq: 300 + (i % 5) * 1200,
    highFreq: 1500 + (i % 5) * 1200,
  }))
  await fs.writeFile(
    path.join(dir, 'framewise.json'),
    JSON.stringify({
      format: 'framewise-project',
      version: 2,
      name: 'bench-tiers',
      classes: [
        { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
        { name: 'event', color: '#e6550d', hotkey: 1, role: 'class' },
        { name: 'call', color: '#31a354', hotkey: 2, role: 'class' },
      ],
      labelling: 'complete',
      features: {},
      media: [{ path: 'hour.wav', kind: 'audio', labels: 'labels/hour.labels.json' }],
    }),
  )
  await fs.writeFile(
    path.join(dir, 'labels/hour.labels.json'),
    JSON.stringify({
      format: 'framewise-labels',
      version: 2,
      media: 'hour.wav',
      revision: 1,
      tiers: [
        { name: 'species', kind: 'exclusive', segments: species },
        { name: 'events', kind: 'overlapping', segments: events },
        { name: 'calls', kind: 'overlapping', segments: calls },
      ],
    }),
  )
}

async function main() {
  const root = await tempDir('fw-bench-ui-')
  const project = path.join(root, 'project')
  await fs.mkdir(path.join(project, 'labels'), { recursive: true })
  await writeLongWav(path.join(project, 'hour.wav'))
  const segments = Array.from({ length: SEGMENTS }, (_, i) => {
    const start = (i * SECONDS) / SEGMENTS
    return {
      start: +start.toFixed(3),
      end: +(start + 0.4 * (SECONDS / SEGMENTS)).toFixed(3),
      label: i % 3 ? 'event' : 'call',
    }
  })
  await fs.writeFile(
    path.join(project, 'framewise.json'),
    JSON.stringify({
      format: 'framewise-project',
      version: 1,
      name: 'bench',
      classes: [
        { name: 'background', color: '#9e9e9e', hotkey: null, role: 'background' },
        { name: 'event', color: '#e6550d', hotkey: 1, role: 'class' },
        { name: 'call', color: '#31a354', hotkey: 2, role: 'class' },
      ],
      labelling: 'complete',
      features: {},
      media: [{ path: 'hour.wav', kind: 'audio', labels: 'labels/hour.labels.json' }],
    }),
  )
  await fs.writeFile(
    path.join(project, 'labels/hour.labels.json'),
    JSON.stringify({
      format: 'framewise-labels',
      version: 1,
      media: 'hour.wav',
      revision: 1,
      segments,
    }),
  )

  const engine = await startEngine(['--project', project])
  const browser = await chromium.launch({
    executablePath: process.env.FRAMEWISE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-precise-memory-info'],
  })
  try {
    let page = await browser.newPage({ viewport: VIEWPORT })
    const open = async (url = engine.url, shown = SEGMENTS) => {
      const t0 = Date.now()
      await page.goto(url)
      await page.getByTestId('waveform-surface').waitFor()
      await page.getByText(`${shown} segments`).waitFor()
      return Date.now() - t0
    }
    const openColdMs = await open()
    const openWarmMs = await open()

    // One synthetic wheel event per animation frame on the timeline, recording frame deltas.
    // Plain JS text: tsx would wrap named functions in a helper the page does not have.
    const run = (kind: 'zoom-in' | 'scroll' | 'zoom-out', frames: number): Promise<number[]> =>
      page.evaluate(`new Promise((resolve) => {
        const el = document.querySelector('[data-testid=timeline]')
        const r = el.getBoundingClientRect()
        const deltas = []
        let last = performance.now()
        let n = 0
        function step(now) {
          if (n > 0) deltas.push(now - last)
          last = now
          if (n++ >= ${frames}) return resolve(deltas)
          el.dispatchEvent(new WheelEvent('wheel', {
            deltaY: ${kind === 'zoom-in' ? -40 : kind === 'zoom-out' ? 40 : 30},
            ctrlKey: ${kind !== 'scroll'},
            clientX: r.left + r.width * 0.37,
            clientY: r.top + 60,
            bubbles: true,
            cancelable: true,
          }))
          requestAnimationFrame(step)
        }
        requestAnimationFrame(step)
      })`)
    /** Zoom in, scroll, zoom out; the frame deltas of each and all. */
    const gestures = async (name: string) => {
      const zoomIn = await run('zoom-in', 150)
      await page.screenshot({ path: path.join('test-results', `bench-ui-${name}-zoomed.png`) })
      const scroll = await run('scroll', 300)
      const zoomOut = await run('zoom-out', 150)
      await page.screenshot({ path: path.join('test-results', `bench-ui-${name}.png`) })
      const all = [...zoomIn, ...scroll, ...zoomOut]
      return {
        all: quantiles(all),
        zoomIn: quantiles(zoomIn),
        scroll: quantiles(scroll),
        zoomOut: quantiles(zoomOut),
        over20ms: all.filter((d) => d > 20).length,
      }
    }
    const heapMb = async () =>
      +(
        ((await page.evaluate(
          '(performance.memory && performance.memory.usedJSHeapSize) || 0',
        )) as number) /
        2 ** 20
      ).toFixed(1)
    const waveform = await gestures('waveform')
    const waveformHeapMb = await heapMb()

    // The spectrogram on: the time to its first image of the whole hour, then the same gestures.
    const t0 = Date.now()
    await page.getByTestId('spectrogram-toggle').check()
    const image = page.getByTestId('spectrogram')
    while (!(Number(await image.getAttribute('data-columns')) > 0)) await page.waitForTimeout(20)
    const spectrogramFirstImageMs = Date.now() - t0
    const spectrogram = await gestures('spectrogram')
    const spectrogramHeapMb = await heapMb()
    await page.close()
    // wavesurfer.js 7 on the same file: with the segments as Regions, and without them.
    const wav = path.join(project, 'hour.wav')
    const wavesurfer = {
      regions: await benchWavesurfer(browser, wav, segments, VIEWPORT, quantiles, true),
      plain: await benchWavesurfer(browser, wav, segments, VIEWPORT, quantiles, false),
    }
    // The 3-tier case: the same hour, 5,000 segments over 3 tiers, in a project of its own.
    const tiered = path.join(root, 'tiers')
    await writeTieredProject(tiered, wav)
    const engine3 = await startEngine(['--project', tiered])
    let tiers
    try {
      page = await browser.newPage({ viewport: VIEWPORT })
      const openTiersMs = await open(engine3.url, TIERED[0])
      await page.getByTestId('tier-select').selectOption({ label: 'events · overlapping' })
      await page.getByText(`${TIERED[1]} segments`).waitFor()
      const lanes = await gestures('tiers-waveform')
      await page.getByTestId('tier-select').selectOption({ label: 'calls · overlapping' })
      await page.getByTestId('spectrogram-toggle').check()
      const image = page.getByTestId('spectrogram')
      while (!(Number(await image.getAttribute('data-columns')) > 0)) await page.waitForTimeout(20)
      const boxes = await gestures('tiers-spectrogram')
      tiers = {
        segments: TIERED,
        openMs: openTiersMs,
        frameMs: { lanes, boxes },
        heapMb: await heapMb(),
      }
      await page.close()
    } finally {
      await engine3.stop()
    }
    console.log(
      JSON.stringify({
        bench: 'ui',
        file: { seconds: SECONDS, sampleRate: RATE, segments: SEGMENTS },
        viewport: VIEWPORT,
        openColdMs,
        openWarmMs,
        frameMs: { waveform, spectrogram },
        spectrogramFirstImageMs,
        heapMb: { waveform: waveformHeapMb, spectrogram: spectrogramHeapMb },
        wavesurfer,
        tiers,
      }),
    )
  } finally {
    await browser.close()
    await engine.stop()
    await fs.rm(root, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
