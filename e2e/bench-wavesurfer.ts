/**
 * The wavesurfer.js 7 side of `bench:ui` (e2e/bench-ui.ts calls it; not a test): the same 1-hour
 * file and segments in a bench page of its own, with the engine's pre-computed peaks (the finest
 * pyramid level's min/max, so nothing is decoded in the page), and the Regions (one region per
 * segment), Timeline and Minimap plugins. It reports the open time (page start → 'ready' with
 * every region drawn), rAF frame deltas for the same gestures as our timeline (zoom in by the
 * same factor per frame to the same 20 ms span, scroll, zoom out) and the JS heap.
 */
import type { Browser } from '@playwright/test'
import { promises as fs } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { loadPeaks } from '../engine/media/audio/peaks'

const DIST = path.resolve('node_modules/wavesurfer.js/dist')
/** Wall-time bound of one gesture. */
const LIMIT_MS = 60_000

/** The bench page: everything the page runs comes from this server (ESM, no bundler). */
const PAGE = `<!doctype html>
<meta charset="utf-8" />
<body style="margin:0;font:13px sans-serif">
<div id="wave" style="width:100%"></div>
<div id="mini" style="width:100%"></div>
<script type="module">
  import WaveSurfer from '/ws/wavesurfer.esm.js'
  import Regions from '/ws/plugins/regions.esm.js'
  import Timeline from '/ws/plugins/timeline.esm.js'
  import Minimap from '/ws/plugins/minimap.esm.js'
  const t0 = performance.now()
  const [buf, meta] = await Promise.all([
    fetch('/peaks.bin').then((r) => r.arrayBuffer()),
    fetch('/meta.json').then((r) => r.json()),
  ])
  const peaks = new Float32Array(buf)
  const regions = Regions.create()
  const ws = WaveSurfer.create({
    container: '#wave',
    height: 160,
    peaks: [peaks],
    duration: meta.duration,
    waveColor: '#4a6fa5',
    interact: true,
    plugins: [regions, Timeline.create(), Minimap.create({ container: '#mini', height: 30 })],
  })
  ws.on('ready', () => {
    for (const s of meta.withRegions ? meta.segments : [])
      regions.addRegion({ start: s.start, end: s.end, color: s.label === 'call' ? 'rgba(49,163,84,0.3)' : 'rgba(230,85,13,0.3)', drag: false, resize: false })
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.benchOpenMs = performance.now() - t0
      window.ws = ws
    }))
  })
</script>`

export interface WavesurferFigures {
  version: string
  /** Regions drawn (the segments, or none). */
  regions: number
  openMs: number
  frameMs: Record<'all' | 'zoomIn' | 'scroll' | 'zoomOut', ReturnType<Quantiles>>
  over20ms: number
  /** Widest the scroll container grew (px) and the span on screen then, seconds. */
  widestPx: number
  narrowestSpan: number
  heapMb: number
}
type Quantiles = (xs: number[]) => { frames: number; median: number; p95: number; max: number }

export async function benchWavesurfer(
  browser: Browser,
  wav: string,
  segments: { start: number; end: number; label: string }[],
  viewport: { width: number; height: number },
  quantiles: Quantiles,
  /** Draw the segments as Regions (false: the waveform, Timeline and Minimap alone). */
  withRegions: boolean,
): Promise<WavesurferFigures> {
  const peaks = await loadPeaks(wav, path.join(path.dirname(wav), '.bench-peaks'))
  const level = peaks.levels[0]
  const duration = peaks.length / peaks.sampleRate
  const version = JSON.parse(await fs.readFile(path.join(DIST, '../package.json'), 'utf8')).version
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    try {
      if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
      if (url.pathname === '/peaks.bin')
        return res.writeHead(200).end(Buffer.from(level.minMax.buffer))
      if (url.pathname === '/meta.json')
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ duration, segments, withRegions }))
      if (url.pathname.startsWith('/ws/')) {
        const file = path.join(DIST, path.normalize(url.pathname.slice(4)))
        if (!file.startsWith(DIST)) return res.writeHead(403).end()
        return res
          .writeHead(200, { 'content-type': 'text/javascript' })
          .end(await fs.readFile(file))
      }
      res.writeHead(404).end()
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const page = await browser.newPage({ viewport })
  try {
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction('window.benchOpenMs !== undefined', null, { timeout: 300_000 })
    const openMs = (await page.evaluate('window.benchOpenMs')) as number
    // The gestures of bench-ui.ts: a wheel notch of 40 zooms by exp(40 / 300) about a point 37%
    // across, clamped to a 20 ms span; a scroll of 30 px per frame; then out again to the whole file.
    const run = (kind: 'zoom-in' | 'scroll' | 'zoom-out', frames: number) =>
      page.evaluate(`new Promise((resolve) => {
        const ws = window.ws
        const width = document.querySelector('#wave').clientWidth
        const fit = width / ${duration}
        const most = width / 0.02
        const deltas = []
        let widest = 0
        let last = performance.now()
        const first = last
        let n = 0
        function step(now) {
          if (n > 0) deltas.push(now - last)
          last = now
          // Bounded in wall time: a gesture whose frames take seconds ends early (and says so).
          if (n++ >= ${frames} || now - first > ${LIMIT_MS}) return resolve({ deltas, widest })
          const pps = ws.options.minPxPerSec || fit
          if (${kind !== 'scroll'}) {
            const anchorTime = (ws.getScroll() + 0.37 * width) / Math.max(pps, fit)
            const next = Math.min(most, Math.max(fit, pps * Math.exp(${kind === 'zoom-in' ? 40 : -40} / 300)))
            ws.zoom(next)
            ws.setScroll(anchorTime * next - 0.37 * width)
          } else ws.setScroll(ws.getScroll() + 30)
          widest = Math.max(widest, ws.getWrapper().scrollWidth)
          requestAnimationFrame(step)
        }
        requestAnimationFrame(step)
      })`) as Promise<{ deltas: number[]; widest: number }>
    const zoomIn = await run('zoom-in', 150)
    await page.screenshot({
      path: path.join(
        'test-results',
        `bench-ui-wavesurfer-${withRegions ? 'regions' : 'plain'}-zoomed.png`,
      ),
    })
    const narrowestSpan = (await page.evaluate(
      `document.querySelector('#wave').clientWidth / (window.ws.options.minPxPerSec || 1)`,
    )) as number
    const scroll = await run('scroll', 300)
    const zoomOut = await run('zoom-out', 150)
    await page.screenshot({
      path: path.join(
        'test-results',
        `bench-ui-wavesurfer-${withRegions ? 'regions' : 'plain'}.png`,
      ),
    })
    const all = [...zoomIn.deltas, ...scroll.deltas, ...zoomOut.deltas]
    const heap = (await page.evaluate(
      '(performance.memory && performance.memory.usedJSHeapSize) || 0',
    )) as number
    return {
      version,
      regions: withRegions ? segments.length : 0,
      openMs: Math.round(openMs),
      frameMs: {
        all: quantiles(all),
        zoomIn: quantiles(zoomIn.deltas),
        scroll: quantiles(scroll.deltas),
        zoomOut: quantiles(zoomOut.deltas),
      },
      over20ms: all.filter((d) => d > 20).length,
      widestPx: Math.max(zoomIn.widest, scroll.widest, zoomOut.widest),
      narrowestSpan: +narrowestSpan.toFixed(4),
      heapMb: +(heap / 2 ** 20).toFixed(1),
    }
  } finally {
    await page.close()
    await new Promise((resolve) => server.close(resolve))
  }
}
