/**
 * `npm run bench:longfile`: one long recording through `framewise predict`, for bounded memory.
 * Writes a 48 kHz mono 16-bit RF64 WAV of FW_LONG_HOURS hours (default 24: 8.3 GB) into
 * FRAMEWISE_BENCH_CACHE (default /tmp/framewise-bench; kept and reused), a BiGRU 2 × 64 at the
 * product's feature defaults (13 MFCC + Δ + ΔΔ, per-file CMVN, 16 kHz, hop 10 ms; weights at
 * init: the cost does not depend on them), then runs the CLI as a child under /usr/bin/time -v
 * and prints one JSON line: wall and CPU seconds, real-time factor, peak RSS (the child's
 * maxRSS: main thread and workers share one process), frames and segments written.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { loadavg } from 'node:os'
import path from 'node:path'
import { Rng } from '../models/rng'
import { parseFeatureSpec } from '../engine/features/spec'
import { exportTagger } from '../engine/onnx/export'
import { randomParams } from '../engine/onnx/testing'

const hours = Number(process.env.FW_LONG_HOURS ?? 24)
const rate = 48000
const cache = process.env.FRAMEWISE_BENCH_CACHE ?? '/tmp/framewise-bench'
mkdirSync(cache, { recursive: true })

/**
 * RF64 (EBU Tech 3306: 64-bit sizes in a ds64 chunk) 16-bit mono, written in 10 s blocks: each
 * block is noise with 0.5 s tone bursts every 2.5 s at one of 7 pitches, so features and segments
 * vary along the file; blocks are built from 7 precomputed patterns (writing 8 GB stays I/O-bound).
 */
async function writeLongRf64(file: string, seconds: number): Promise<void> {
  const frames = seconds * rate
  const dataBytes = frames * 2
  const header = 80
  if (existsSync(file) && statSync(file).size === header + dataBytes) return
  const h = Buffer.alloc(header)
  h.write('RF64', 0, 'latin1')
  h.writeUInt32LE(0xffffffff, 4)
  h.write('WAVEds64', 8, 'latin1')
  h.writeUInt32LE(28, 16)
  h.writeBigUInt64LE(BigInt(header - 8 + dataBytes), 20) // RIFF size
  h.writeBigUInt64LE(BigInt(dataBytes), 28)
  h.writeBigUInt64LE(BigInt(frames), 36)
  h.writeUInt32LE(0, 44) // table length
  h.write('fmt ', 48, 'latin1')
  h.writeUInt32LE(16, 52)
  h.writeUInt16LE(1, 56) // PCM
  h.writeUInt16LE(1, 58)
  h.writeUInt32LE(rate, 60)
  h.writeUInt32LE(rate * 2, 64)
  h.writeUInt16LE(2, 68)
  h.writeUInt16LE(16, 70)
  h.write('data', 72, 'latin1')
  h.writeUInt32LE(0xffffffff, 76)
  const block = 10 * rate
  const rng = new Rng(3)
  const patterns = Array.from({ length: 7 }, (_, k) => {
    const pcm = new Int16Array(block)
    const f = 500 + 150 * k
    for (let i = 0; i < block; i++) {
      const t = i / rate
      const on = Math.floor(t * 2) % 5 === 0 ? 1 : 0
      pcm[i] = Math.round(300 * rng.normal() + on * 8000 * Math.sin(2 * Math.PI * f * t))
    }
    return Buffer.from(pcm.buffer)
  })
  const tmp = `${file}.${process.pid}.tmp`
  const fh = await open(tmp, 'w')
  await fh.write(h, 0, header, 0)
  for (let b = 0, pos = header; b * block < frames; b++) {
    const n = Math.min(block, frames - b * block) * 2
    await fh.write(patterns[(b * 5) % 7], 0, n, pos)
    pos += n
  }
  await fh.close()
  renameSync(tmp, file)
}

const wav = path.join(cache, `long-${hours}h-48k-mono.wav`)
const t0 = performance.now()
await writeLongRf64(wav, Math.round(hours * 3600))
const writeS = (performance.now() - t0) / 1000

const model = path.join(cache, 'long-bigru-2x64.onnx')
if (!existsSync(model)) {
  const config = {
    cell: 'gru' as const,
    inputSize: 39,
    hiddenSize: 64,
    numLayers: 2,
    numClasses: 3,
    bidirectional: true,
    dropout: 0,
  }
  await exportTagger(model, {
    config,
    params: randomParams(config, 1),
    spec: parseFeatureSpec({ kind: 'audio' }),
    classes: ['background', 'a', 'b'],
  })
}

const out = path.join(cache, `long-${hours}h-out`)
rmSync(out, { recursive: true, force: true })
const cli = path.join(import.meta.dirname, '..', 'engine', 'cli.ts')
const r = spawnSync(
  '/usr/bin/time',
  ['-v', process.execPath, '--import', 'tsx', cli, 'predict', model, wav, '--out', out],
  { encoding: 'utf8', maxBuffer: 1 << 26 },
)
if (r.status !== 0) throw new Error(`framewise predict failed (${r.status}):\n${r.stderr}`)
const field = (name: string) => {
  const m = new RegExp(`${name}: (.*)`).exec(r.stderr)
  if (!m) throw new Error(`/usr/bin/time printed no "${name}"`)
  return m[1].trim()
}
// h:mm:ss or m:ss
const wallS = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
  .split(':')
  .reduce((s, part) => s * 60 + Number(part), 0)
const cpuS = Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'))
const result = JSON.parse(r.stdout) as { files: { frames: number; segments: number }[] }
const labels = readFileSync(path.join(out, `long-${hours}h-48k-mono.txt`), 'utf8')
console.log(
  JSON.stringify({
    bench: 'longfile',
    audio_h: hours,
    input: '48 kHz mono 16-bit RF64 WAV',
    file_gb: +(statSync(wav).size / 1e9).toFixed(2),
    write_s: +writeS.toFixed(1),
    model: 'BiGRU 2×64 at init, mfcc13+Δ+ΔΔ, per-file CMVN, 16 kHz, hop 10 ms',
    frames: result.files[0].frames,
    segments: result.files[0].segments,
    label_lines: labels.split('\n').length - 1,
    wall_s: +wallS.toFixed(1),
    cpu_s: +cpuS.toFixed(1),
    rtf: Math.round((hours * 3600) / wallS),
    peak_rss_mb: Math.round(Number(field('Maximum resident set size \\(kbytes\\)')) / 1024),
    load_avg_1m: Number(loadavg()[0].toFixed(1)),
  }),
)
