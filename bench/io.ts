/**
 * `npm run bench:io`: writes a 1-hour 44.1 kHz stereo 16-bit WAV to /tmp (once, reused), then
 * times decoding it to mono and building the peaks pyramid, and prints one JSON line with both
 * times, the real-time factors and the peak RSS (which must stay near one mono copy, ≈ 635 MB).
 */
import { statSync } from 'node:fs'
import { decodeAudio } from '../engine/media/audio/decode'
import { buildPeaks, encodePeaks } from '../engine/media/audio/peaks'
import { writeLongWav } from './wav'

const seconds = Number(process.env.FW_BENCH_SECONDS ?? 3600)
const rate = 44100
const path = `/tmp/framewise-bench-${seconds}s.wav`

// 440 Hz under a 0.1 Hz envelope on the left, 1 kHz on the right.
const writeTestWav = () =>
  writeLongWav(path, seconds, rate, 2, (c, t) =>
    c === 0
      ? 12000 * (0.5 + 0.5 * Math.sin(2 * Math.PI * 0.1 * t)) * Math.sin(2 * Math.PI * 440 * t)
      : 8000 * Math.sin(2 * Math.PI * 1000 * t),
  )

await writeTestWav()
const rssBefore = process.memoryUsage().rss
let peakRss = rssBefore
const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)
const t0 = performance.now()
const audio = await decodeAudio(path)
const t1 = performance.now()
const peaks = buildPeaks(audio.samples, audio.sampleRate)
const bytes = encodePeaks(peaks).length
const t2 = performance.now()
clearInterval(timer)
peakRss = Math.max(peakRss, process.memoryUsage().rss)
const decodeS = (t1 - t0) / 1000
const peaksS = (t2 - t1) / 1000
console.log(
  JSON.stringify({
    bench: 'io',
    audioSeconds: seconds,
    file: path,
    fileMB: +(statSync(path).size / 2 ** 20).toFixed(1),
    decodeS: +decodeS.toFixed(3),
    peaksS: +peaksS.toFixed(3),
    decodeRtf: Math.round(seconds / decodeS),
    peaksRtf: Math.round(seconds / peaksS),
    peaksCacheMB: +(bytes / 2 ** 20).toFixed(2),
    monoCopyMB: +(audio.samples.byteLength / 2 ** 20).toFixed(1),
    peakRssMB: Math.round(peakRss / 2 ** 20),
    rssBeforeMB: Math.round(rssBefore / 2 ** 20),
  }),
)
