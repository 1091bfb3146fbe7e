/**
 * `npm run bench:crnn`: a first measurement of the CRNN front end (models/conv.ts) against the
 * plain BiGRU on the synthetic sound-event task (engine/data/synthetic.ts: tones, chirps and
 * noise bursts over noise, a per-file "recorder" gain), 40 log-mel bands at 16 kHz. Files are
 * split three ways: training, validation (early stopping), test (scored: frame macro-F1 over the
 * test files, validate.ts). Each row trains from seeds 1..N through trainTagger with the
 * product's defaults except the front end; output: JSON lines, then a markdown table of mean ±
 * spread (per-seed values) and seconds per epoch. The synthetic task is easy and small: this
 * says whether the CRNN learns and what it costs, not which default wins on real recordings
 * (issue 20's benchmark decides that).
 *
 *   npm run bench:crnn [-- --seeds 3] [--epochs 8] [--files 10] [--seconds 10] [--threads 1]
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadavg } from 'node:os'
import { assembleDataset, type DataFile } from '../engine/data/dataset'
import { AUDIO_CLASSES, syntheticAudio } from '../engine/data/synthetic'
import { PRESETS } from '../engine/features/spec'
import { trainTagger } from '../engine/train/loop'
import { parseTrainSettings, type TrainSettingsInput } from '../engine/train/settings'
import { validate } from '../engine/train/validate'

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '8' },
    files: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
  },
})
const SEEDS = Number(args.seeds)
const FILES = Number(args.files)
const SECONDS = Number(args.seconds)

const ROWS: { name: string; settings: TrainSettingsInput }[] = [
  { name: 'BiGRU (defaults)', settings: {} },
  {
    name: 'CRNN 3 × 16 ch, pool 2',
    settings: { frontEnd: 'conv', convBlocks: 3, convChannels: 16, convPool: 2 },
  },
]

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-bench-crnn-'))
  try {
    const files: DataFile[] = []
    const test = 3
    for (let i = 0; i < FILES + test; i++) {
      const a = syntheticAudio(500 + i, SECONDS)
      const file = path.join(dir, `f${i}.wav`)
      await fs.writeFile(file, a.wav)
      files.push({
        name: `f${i}.wav`,
        path: file,
        labels: { kind: 'segments', segments: a.segments },
      })
    }
    const classes = {
      names: ['background', ...AUDIO_CLASSES],
      background: 'background',
      ignore: [],
    }
    const results: Record<string, { f1: number[]; secPerEpoch: number[] }> = {}
    for (let seed = 1; seed <= SEEDS; seed++) {
      // the test files are the last `test`; training/validation split the rest by file
      const all = await assembleDataset(files, PRESETS.logmel(), classes, {
        seed,
        valFraction: 0,
      })
      const seqs = all.data.train
      const testSeqs = seqs.slice(FILES)
      const pool = seqs.slice(0, FILES)
      const nVal = Math.max(1, Math.round(0.2 * FILES))
      const data = { ...all.data, train: pool.slice(nVal), val: pool.slice(0, nVal) }
      for (const row of ROWS) {
        const settings = parseTrainSettings({
          ...row.settings,
          seed,
          epochs: Number(args.epochs),
          threads: Number(args.threads),
        })
        const started = Date.now()
        const r = await trainTagger(data, settings)
        const seconds = (Date.now() - started) / 1000
        const score = validate(testSeqs, r.config, r.params, null)
        const secPerEpoch = r.history.reduce((s, h) => s + h.seconds, 0) / r.history.length
        const line = {
          row: row.name,
          seed,
          testMacroF1: score.macroF1,
          bestEpoch: r.bestEpoch,
          epochs: r.history.length,
          secPerEpoch,
          seconds,
          load: loadavg()[0],
        }
        console.log(JSON.stringify(line))
        ;(results[row.name] ??= { f1: [], secPerEpoch: [] }).f1.push(score.macroF1)
        results[row.name].secPerEpoch.push(secPerEpoch)
      }
    }
    const fmt = (xs: number[], d = 3) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length
      const spread = (Math.max(...xs) - Math.min(...xs)) / 2
      return `${mean.toFixed(d)} ± ${spread.toFixed(d)} (${xs.map((x) => x.toFixed(d)).join(', ')})`
    }
    console.log('\n| model | test frame macro-F1 (seeds) | s / epoch |\n|---|---|---|')
    for (const row of ROWS) {
      const r = results[row.name]
      console.log(`| ${row.name} | ${fmt(r.f1)} | ${fmt(r.secPerEpoch, 1)} |`)
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

void main()
