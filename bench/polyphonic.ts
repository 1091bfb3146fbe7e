/**
 * `npm run bench:polyphonic`: overlapping events — what does the multi-label (sigmoid) tagger
 * gain over the softmax tagger, which sees the same events flattened to one class per frame?
 *
 * Data: engine/data/synthetic-polyphonic.ts, 4 classes of sources that start and stop
 * independently (their events overlap for real), as log band energies of the mixture. Per seed:
 * `--train` files for training, `--val` for validation (early stopping; the sigmoid head's
 * thresholds), `--test` held-out files scored here; `--seconds` each, 20 ms hop.
 *
 * Rows (both GRU, bidirectional, H 32, 2 layers, trainTagger with the defaults otherwise — Adam
 * 2e-3, batch 16, chunks 400, sqrt-balanced class weighting — `--epochs`, patience 4, 1 thread):
 *   sigmoid            multi-label head on the multi-hot targets (data/multi-hot.ts), thresholds
 *                      chosen on the validation files, median filter 3 frames per class
 *   sigmoid, 0.5       the same model with every threshold at 0.5: what choosing them gains
 *   softmax            softmax head on the flattened labels (frame-centre rule: the event that
 *                      starts last wins a frame), argmax, median filter 3 frames, background
 *                      writes nothing: its events never overlap
 *   flattened ref      the flattened reference itself scored against the overlapping one: the
 *                      best any one-class-per-frame prediction can do
 * Scores on the test files, pooled (eval/polyphonic.ts, docs/metrics.md): segment-based F1 and
 * error rate on 1 s segments, event-based F1 with a 200 ms onset collar and an offset collar of
 * max(200 ms, 20%); micro (pooled over classes) and macro (mean over classes).
 *
 *   npm run bench:polyphonic [-- --seeds 1,2,3] [--epochs 20] [--train 8] [--val 2] [--test 4]
 *                            [--seconds 60] [--classes 4] [--rare]
 * --rare makes the first class 6× rarer (mean gap 15 s) and weights classes 'balanced', where a
 * heavy positive weight moves that class's best threshold away from 0.5.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { frameLabels, type ClassMap } from '../engine/data/dataset'
import { multiHotTargets, multiLabelClasses } from '../engine/data/multi-hot'
import type { Sequence, TrainData } from '../engine/data/sequences'
import {
  overlapFraction,
  POLYPHONIC_CLASSES,
  polyphonicFile,
  type PolyphonicFile,
} from '../engine/data/synthetic-polyphonic'
import { concatFiles, polyphonicMetrics } from '../engine/eval/polyphonic'
import { multiLabelSegments } from '../engine/infer/postprocess-multilabel'
import { smoothLabels } from '../engine/infer/postprocess'
import { framesToSegments, type Segment } from '../engine/labels/segments'
import { trainTagger, type TrainResult } from '../engine/train/loop'
import { parseTrainSettings } from '../engine/train/settings'
import { multiLabelPostDefaults, sequenceProbabilities } from '../engine/train/validate-multilabel'

const HOP = 0.02
const MEDIAN = 3 // frames: ~50 ms, the default of both heads' post-processing at this hop

interface Scores {
  segF1: number
  segER: number
  segMacroF1: number
  evF1: number
  evMacroF1: number
}

function score(
  files: { reference: Segment[]; predicted: Segment[]; duration: number }[],
  classes: string[],
): Scores {
  const all = concatFiles(files)
  const m = polyphonicMetrics(all.reference, all.predicted, { classes, duration: all.duration })
  return {
    segF1: m.segment.micro.f1,
    segER: m.segment.micro.errorRate,
    segMacroF1: m.segment.macroF1,
    evF1: m.event.micro.f1,
    evMacroF1: m.event.macroF1,
  }
}

function sequenceOf(f: PolyphonicFile, map: ClassMap): Sequence {
  return {
    name: f.name,
    x: f.x,
    labels: frameLabels(f.segments, f.frameTimes, map, f.name),
    targets: multiHotTargets(f.segments, f.frameTimes, map, f.name),
  }
}

/** Softmax probabilities (T, C) of the softmax tagger on a whole file. */
function softmaxProbs(r: TrainResult, seq: Sequence): Float32Array {
  // the sigmoid helper gives σ(z); the softmax tagger's argmax is that of its logits, and σ is
  // monotone, so the argmax of σ(z) is the argmax of softmax(z)
  return sequenceProbabilities(seq, r.config, r.params)
}

async function runSeed(
  seed: number,
  o: {
    epochs: number
    train: number
    val: number
    test: number
    seconds: number
    C: number
    rare: boolean
  },
) {
  const names = POLYPHONIC_CLASSES.slice(0, o.C) as string[]
  const map: ClassMap = { names: ['background', ...names], background: 'background', ignore: [] }
  const file = (i: number) =>
    polyphonicFile(seed * 1000 + i, {
      classes: o.C,
      seconds: o.seconds,
      hop: HOP,
      // --rare: the first class's events come 6× less often
      ...(o.rare ? { gaps: [15] } : {}),
    })
  const files = Array.from({ length: o.train + o.val + o.test }, (_, i) => file(i))
  const seqs = files.map((f) => sequenceOf(f, map))
  const [train, val, test] = [
    seqs.slice(0, o.train),
    seqs.slice(o.train, o.train + o.val),
    seqs.slice(o.train + o.val),
  ]
  const testFiles = files.slice(o.train + o.val)
  const common = {
    hidden: 32,
    layers: 2,
    epochs: o.epochs,
    patience: 4,
    threads: 1,
    seed,
    ...(o.rare ? { classWeights: 'balanced' } : {}),
  }
  const t0 = performance.now()
  const sig = await trainTagger(
    { F: 16, classes: multiLabelClasses(map), train, val, frameHop: HOP },
    parseTrainSettings({ ...common, head: 'sigmoid' }),
  )
  const tSig = (performance.now() - t0) / 1000
  const t1 = performance.now()
  const soft = await trainTagger(
    { F: 16, classes: map.names, train, val } satisfies TrainData,
    parseTrainSettings({ ...common, head: 'softmax' }),
  )
  const tSoft = (performance.now() - t1) / 1000
  const post = multiLabelPostDefaults(sig.multiLabel!.thresholds, HOP)
  const duration = o.seconds
  const sigProbs = test.map((s) => sequenceProbabilities(s, sig.config, sig.params))
  const sigmoidRowsAt = (perClass: typeof post) =>
    testFiles.map((f, i) => ({
      reference: f.segments,
      predicted: multiLabelSegments(sigProbs[i], f.frameTimes, names, perClass),
      duration,
    }))
  const sigmoidRows = sigmoidRowsAt(post)
  const halfRows = sigmoidRowsAt(post.map((p) => ({ ...p, threshold: 0.5 })))
  const softmaxRows = testFiles.map((f, i) => {
    const labels = smoothLabels(softmaxProbs(soft, test[i]), map.names.length, MEDIAN)
    return {
      reference: f.segments,
      predicted: framesToSegments(labels, f.frameTimes, map.names, { background: 0 }),
      duration,
    }
  })
  const flatRows = testFiles.map((f, i) => ({
    reference: f.segments,
    predicted: framesToSegments(test[i].labels, f.frameTimes, map.names, { background: 0 }),
    duration,
  }))
  const overlap =
    testFiles.reduce((a, f) => a + overlapFraction(f.segments, o.seconds), 0) / testFiles.length
  return {
    seed,
    overlap,
    sigmoid: { ...score(sigmoidRows, names), seconds: tSig, epochs: sig.history.length },
    sigmoidHalf: score(halfRows, names),
    softmax: { ...score(softmaxRows, names), seconds: tSoft, epochs: soft.history.length },
    flattened: score(flatRows, names),
    thresholds: sig.multiLabel!.thresholds,
  }
}

const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length
const sd = (a: number[]) => {
  const m = mean(a)
  return Math.sqrt(a.reduce((p, q) => p + (q - m) ** 2, 0) / Math.max(1, a.length - 1))
}
const cell = (a: number[]) => `${mean(a).toFixed(3)} ± ${sd(a).toFixed(3)}`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1,2,3' },
      epochs: { type: 'string', default: '20' },
      train: { type: 'string', default: '8' },
      val: { type: 'string', default: '2' },
      test: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '60' },
      classes: { type: 'string', default: '4' },
      rare: { type: 'boolean', default: false },
    },
  })
  const o = {
    epochs: Number(values.epochs),
    train: Number(values.train),
    val: Number(values.val),
    test: Number(values.test),
    seconds: Number(values.seconds),
    C: Number(values.classes),
    rare: values.rare,
  }
  const seeds = values.seeds.split(',').map(Number)
  const runs: Awaited<ReturnType<typeof runSeed>>[] = []
  for (const seed of seeds) {
    const r = await runSeed(seed, o)
    console.error(
      `seed ${seed}: overlap ${(100 * r.overlap).toFixed(1)}% of the time; ` +
        `sigmoid seg F1 ${r.sigmoid.segF1.toFixed(3)} ev F1 ${r.sigmoid.evF1.toFixed(3)} ` +
        `(${r.sigmoid.epochs} epochs, ${r.sigmoid.seconds.toFixed(0)} s; thresholds ${r.thresholds.join(' ')}); ` +
        `softmax seg F1 ${r.softmax.segF1.toFixed(3)} ev F1 ${r.softmax.evF1.toFixed(3)} ` +
        `(${r.softmax.epochs} epochs, ${r.softmax.seconds.toFixed(0)} s); ` +
        `flattened ref seg F1 ${r.flattened.segF1.toFixed(3)} ev F1 ${r.flattened.evF1.toFixed(3)}`,
    )
    runs.push(r)
  }
  const rows: [string, (r: (typeof runs)[number]) => Scores][] = [
    ['sigmoid (multi-label)', (r) => r.sigmoid],
    ['sigmoid, every threshold 0.5', (r) => r.sigmoidHalf],
    ['softmax (flattened labels)', (r) => r.softmax],
    ['flattened reference', (r) => r.flattened],
  ]
  console.log(
    `${o.C} classes, ${o.train}/${o.val}/${o.test} files of ${o.seconds} s per seed, seeds ${seeds.join(', ')}; ` +
      `events overlap ${(100 * mean(runs.map((r) => r.overlap))).toFixed(1)}% of the time (test files)\n`,
  )
  console.log(
    '| model | segment F1 (micro) | segment ER | segment F1 (macro) | event F1 (micro) | event F1 (macro) |',
  )
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const [name, pick] of rows) {
    const s = runs.map(pick)
    console.log(
      `| ${name} | ${cell(s.map((x) => x.segF1))} | ${cell(s.map((x) => x.segER))} | ${cell(s.map((x) => x.segMacroF1))} | ${cell(s.map((x) => x.evF1))} | ${cell(s.map((x) => x.evMacroF1))} |`,
    )
  }
  const gain = (f: (x: Scores) => number) => cell(runs.map((r) => f(r.sigmoid) - f(r.softmax)))
  console.log(
    `\ngain of the multi-label tagger (per seed, sigmoid − softmax): segment F1 ${gain((x) => x.segF1)}, event F1 ${gain((x) => x.evF1)}, segment ER ${gain((x) => x.segER)}`,
  )
  console.log(
    `training seconds per run: sigmoid ${cell(runs.map((r) => r.sigmoid.seconds))}, softmax ${cell(runs.map((r) => r.softmax.seconds))}`,
  )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
