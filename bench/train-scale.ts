/**
 * `npm run bench:train-scale`: training on a large labelled dataset with the features on disk
 * (data/feature-cache.ts). FW_TRAIN_HOURS hours (default 100) as files of one hour each: every
 * file is a stub WAV (its identity keys the cache) whose features — the product's default spec,
 * 13 MFCC + Δ + ΔΔ at a 10 ms hop, 39 floats per frame — are written straight into the feature
 * cache, so the dataset costs a few GB of disk and no extraction (extraction has its own
 * benchmarks: bench:features, bench:infer). The features are seeded noise with a class-dependent
 * offset on random segments of 3 classes (background, a, b), so the loss is not trivial.
 *
 * Then the product's path: assembleDataset (which finds every file in the cache), and the
 * training worker (runTrainingWorker) at the product's default settings (BiGRU 2 × 64,
 * chunk 400, batch 16, 2 threads). A full epoch at 100 h is ~7,200 steps; the benchmark runs
 * FW_TRAIN_STEPS steps (default 60), times the steps after the first 10, and extrapolates the
 * epoch (steps per epoch × seconds per step, plus the measured validation of one file × the
 * validation files). FW_TRAIN_MODE=memory loads every file's features into the heap first (the
 * old way), for comparison at a size that fits. Prints one JSON line: hours, frames, feature
 * bytes, steps per epoch, seconds per step, epoch estimate, peak RSS (maxRSS of the process:
 * the worker threads share it), heap, load average. Cache in FRAMEWISE_BENCH_CACHE (default
 * /tmp/framewise-bench/train-scale; kept and reused).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import type { Segment } from '../engine/api'
import { assembleDataset, type ClassMap, type DataFile } from '../engine/data/dataset'
import {
  featureCacheKey,
  featuresOf,
  readCachedFrames,
  writeCachedFeatures,
} from '../engine/data/feature-cache'
import { parseFeatureSpec } from '../engine/features/spec'
import { runTrainingWorker } from '../engine/train/job'
import { taggerConfigOf } from '../engine/train/config'
import { parseTrainSettings } from '../engine/train/settings'
import { validate } from '../engine/train/validate'
import { initTagger } from '../models/init'
import { Rng } from '../models/rng'
import { createTagger } from '../models/tagger'
import { pickKernels } from '../engine/kernels/load'
import { makeWav } from '../engine/media/audio/testing'

const hours = Number(process.env.FW_TRAIN_HOURS ?? 100)
const steps = Number(process.env.FW_TRAIN_STEPS ?? 60)
const mode = process.env.FW_TRAIN_MODE === 'memory' ? 'memory' : 'disk'
const root = path.join(process.env.FRAMEWISE_BENCH_CACHE ?? '/tmp/framewise-bench', 'train-scale')
const WARMUP = 10
const F = 39
const FRAMES = 3600 * 100 + 1 // one hour at a 10 ms hop
const classes: ClassMap = { names: ['background', 'a', 'b'], background: 'background', ignore: [] }

/** Segments of `a` and `b` of 0.5–3 s, about one every 10 s. */
function segmentsOf(rng: Rng): Segment[] {
  const out: Segment[] = []
  for (let t = rng.uniform() * 10; t < 3590; t += 4 + rng.uniform() * 12) {
    const end = t + 0.5 + rng.uniform() * 2.5
    out.push({ start: t, end, label: rng.uniform() < 0.5 ? 'a' : 'b' })
    t = end
  }
  return out
}

/** Noise plus an offset per class on its frames: (FRAMES, F). */
function featuresFor(rng: Rng, segments: Segment[]): Float32Array {
  const x = new Float32Array(FRAMES * F)
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 2 - 1
  for (const s of segments) {
    const k = s.label === 'a' ? 1 : 2
    for (let t = Math.ceil(s.start * 100); t < Math.min(FRAMES, s.end * 100); t++)
      for (let f = k; f < F; f += 3) x[t * F + f] += 0.8
  }
  return x
}

async function main() {
  const spec = parseFeatureSpec({ kind: 'audio' })
  const cache = path.join(root, 'features')
  mkdirSync(path.join(root, 'media'), { recursive: true })
  const files: DataFile[] = []
  const t0 = performance.now()
  let written = 0
  for (let i = 0; i < hours; i++) {
    const rng = new Rng(1000 + i)
    const segments = segmentsOf(rng)
    const media = path.join(root, 'media', `h${String(i).padStart(4, '0')}.wav`)
    if (!existsSync(media))
      writeFileSync(media, makeWav({ bits: 16, rate: 16000, channels: [Float64Array.of(i)] }))
    const key = await featureCacheKey(media, spec)
    if (!(await readCachedFrames(cache, key))) {
      const times = Float64Array.from({ length: FRAMES }, (_, t) => t / 100)
      await writeCachedFeatures(cache, key, featuresFor(rng, segments), times, F)
      written++
    }
    files.push({ name: path.basename(media), path: media, labels: { kind: 'segments', segments } })
  }
  const generateSeconds = (performance.now() - t0) / 1000

  const settings = parseTrainSettings({ epochs: 1, patience: 0 })
  const t1 = performance.now()
  const assembled = await assembleDataset(files, spec, classes, {
    seed: settings.seed,
    valFraction: settings.valFraction,
    featureCache: cache,
  })
  const data = assembled.data
  if (mode === 'memory')
    for (const s of [...data.train, ...data.val]) {
      s.x = featuresOf(s)
      delete s.rows
    }
  const assembleSeconds = (performance.now() - t1) / 1000
  const rssAfterAssembly = process.memoryUsage().rss

  // train until FW_TRAIN_STEPS steps, timing those after the warm-up
  const controller = new AbortController()
  let stepsPerEpoch = 0
  let tWarm = 0
  let done = 0
  const t2 = performance.now()
  await runTrainingWorker(data, settings, {
    signal: controller.signal,
    onProgress: (p) => {
      stepsPerEpoch = p.stepsPerEpoch
      done = p.step
      if (p.step === WARMUP) tWarm = performance.now()
      if (p.step >= steps) controller.abort()
    },
  }).catch((err: Error) => {
    if (err.name !== 'AbortError') throw err
  })
  const trainSeconds = (performance.now() - t2) / 1000
  const perStep = (performance.now() - tWarm) / 1000 / Math.max(1, done - WARMUP)

  // validation of one file (the loop validates every held-out file once per epoch)
  const config = taggerConfigOf(settings, data.F, data.classes.length)
  const params = new Float32Array(createTagger(config, pickKernels('auto')).params.length)
  initTagger(params, config, new Rng(1), { scheme: settings.init, maxTimescale: settings.chunk })
  const t3 = performance.now()
  validate(data.val.slice(0, 1), config, params, null, 'auto')
  const valFileSeconds = (performance.now() - t3) / 1000

  const frames = [...data.train, ...data.val].reduce((a, s) => a + s.labels.length, 0)
  console.log(
    JSON.stringify({
      bench: 'train-scale',
      mode,
      hours,
      files: files.length,
      trainFiles: data.train.length,
      valFiles: data.val.length,
      frames,
      featureBytes: frames * F * 4,
      cacheFilesWritten: written,
      generateSeconds: +generateSeconds.toFixed(1),
      assembleSeconds: +assembleSeconds.toFixed(1),
      stepsRun: done,
      stepsPerEpoch,
      secondsPerStep: +perStep.toFixed(4),
      trainSecondsRun: +trainSeconds.toFixed(1),
      valSecondsPerFile: +valFileSeconds.toFixed(1),
      epochSecondsEstimate: Math.round(stepsPerEpoch * perStep + valFileSeconds * data.val.length),
      rssAfterAssemblyMB: Math.round(rssAfterAssembly / 2 ** 20),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      loadAvg1m: Number(loadavg()[0].toFixed(1)),
    }),
  )
}

await main()
