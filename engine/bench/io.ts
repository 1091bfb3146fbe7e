/**
 * `npm run bench:io`: writes a 1-hour 44.1 kHz stereo 16-bit WAV to /tmp (once, reused), then
 * times decoding it to mono and building the peaks pyramid, and prints one JSON line with both
 * times, the real-time factors and the peak RSS (which must stay near one mono copy, ≈ 635 MB).
 */
import { existsSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { decodeAudio } from '../audio/decode'
import { buildPeaks, encodePeaks } from '../audio/peaks'

const seconds = Number(process.env.FW_BENCH_SECONDS ?? 3600)
const rate = 44100
const path = `/tmp/framewise-bench-${seconds}s.wav`

async function writeTestWav(): Promise<void> {
  const frames = seconds * rate
  const dataBytes = frames * 4
  if (existsSync(path) && statSync(path).size === 44 + dataBytes) return
  const fh = await open(path, 'w')
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'latin1')
  h.writeUInt32LE(36 + dataBytes, 4)
  h.write('WAVEfmt ', 8, 'latin1')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20)
  h.writeUInt16LE(2, 22)
  h.writeUInt32LE(rate, 24)
  h.writeUInt32LE(rate * 4, 28)
  h.writeUInt16LE(4, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'latin1')
  h.writeUInt32LE(dataBytes, 40)
  await fh.write(h, 0, 44, 0)
  const block = rate * 10
  const buf = Buffer.alloc(block * 4)
  const pcm = new Int16Array(buf.buffer, buf.byteOffset, block * 2)
  let pos = 44
  for (let f0 = 0; f0 < frames; f0 += block) {
    for (let i = 0; i < block; i++) {
      const t = (f0 + i) / rate
      const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.1 * t)
      pcm[2 * i] = Math.round(12000 * env * Math.sin(2 * Math.PI * 440 * t))
      pcm[2 * i + 1] = Math.round(8000 * Math.sin(2 * Math.PI * 1000 * t))
    }
    const n = Math.min(block, frames - f0) * 4
    await fh.write(buf, 0, n, pos)
    pos += n
  }
  await fh.close()
}

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
