/**
 * What bench:infer's product rows run on, made once into a cache folder outside the repository
 * (FRAMEWISE_BENCH_CACHE, default /tmp/framewise-bench) and reused while present:
 * - the recordings users have: 16 kHz mono, 44.1 kHz stereo, 48 kHz stereo, as 16-bit WAV and as
 *   FLAC (sox converts the WAV), of any length (1 h for the rows);
 * - a model trained with today's defaults (TRAIN_DEFAULTS, the default FeatureSpec: 13 MFCC + Δ +
 *   ΔΔ, per-file CMVN; BiGRU 2 × 64) by `framewise train` itself, on a small synthetic folder for
 *   one epoch: its weights do not matter for speed, its graph and spec are the product's.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Rng } from '../models/rng'
import { syntheticAudio } from '../engine/data/synthetic'
import { writeLongWav } from './wav'

export const CACHE = process.env.FRAMEWISE_BENCH_CACHE ?? '/tmp/framewise-bench'

/** The inputs of the product rows. */
export const INPUTS = {
  'wav-16k-mono': { rate: 16000, channels: 1, format: 'wav' },
  'wav-44k-stereo': { rate: 44100, channels: 2, format: 'wav' },
  'wav-48k-stereo': { rate: 48000, channels: 2, format: 'wav' },
  'flac-16k-mono': { rate: 16000, channels: 1, format: 'flac' },
  'flac-44k-stereo': { rate: 44100, channels: 2, format: 'flac' },
  'flac-48k-stereo': { rate: 48000, channels: 2, format: 'flac' },
} as const
export type InputName = keyof typeof INPUTS

/**
 * `seconds` of the input: 0.5 s tone bursts every 2.5 s (a different pitch per channel) over
 * noise, so features and segments are not constant. Returns its path.
 */
export async function benchInput(name: InputName, seconds: number): Promise<string> {
  const { rate, channels, format } = INPUTS[name]
  mkdirSync(CACHE, { recursive: true })
  const stem = path.join(CACHE, `${seconds}s-${rate}-${channels}ch`)
  const wav = `${stem}.wav`
  const rng = new Rng(3)
  await writeLongWav(wav, seconds, rate, channels, (c, t) => {
    const on = Math.floor(t * 2) % 5 === 0 ? 1 : 0
    const f = 500 + 100 * (Math.floor(t) % 7) + 150 * c
    return 300 * rng.normal() + on * 8000 * Math.sin(2 * Math.PI * f * t)
  })
  if (format === 'wav') return wav
  const flac = `${stem}.flac`
  if (!existsSync(flac)) {
    const tmp = `${stem}.${process.pid}.tmp.flac`
    const r = spawnSync('sox', [wav, tmp], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`sox ${wav} → FLAC failed: ${r.stderr || r.error}`)
    renameSync(tmp, flac)
  }
  return flac
}

/** A model trained at the product defaults (once; `framewise train` with no settings flags). */
export async function productModel(): Promise<string> {
  const model = path.join(CACHE, 'product-defaults.onnx')
  if (existsSync(model)) return model
  const data = path.join(CACHE, 'train-data')
  mkdirSync(data, { recursive: true })
  for (let i = 0; i < 4; i++) {
    const a = syntheticAudio(10 + i, 30)
    writeFileSync(path.join(data, `f${i}.wav`), a.wav)
    const labels = a.segments.map((s) => `${s.start}\t${s.end}\t${s.label}\n`).join('')
    writeFileSync(path.join(data, `f${i}.txt`), labels)
  }
  // a child process: the CLI prints its result on stdout, which carries the bench's JSON lines
  const cli = path.join(import.meta.dirname, '..', 'engine', 'cli.ts')
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', cli, 'train', data, '--out', model, '--epochs', '1'],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`framewise train for the bench model failed: ${r.stderr}`)
  return model
}
