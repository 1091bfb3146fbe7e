/**
 * `npm run bench:clip`: clip classification with the decisive cue at a random place — does
 * attention pooling find it where mean pooling averages it away?
 *
 *   x_t ~ N(0, 1)^F                       every frame, F = 8 features ("noise")
 *   x_t[c] += A  for t in [p, p + L)      one cue of L frames in feature c = the clip's class
 *   distractors: two more cues of other features at amplitude A/2 anywhere in the clip
 * C = 4 classes, p uniform over the clip, T frames per clip (default 400, cue L = 6: 1.5% of the
 * clip). A feature-level stand-in for "a short call of one of C species in a long recording"
 * (a tone of one of C frequencies lights one band); the distractors make "any cue at all" and
 * "the loudest average" useless, so the model must find the strongest cue and say which it is.
 *
 * Rows: pooling mean / max / attention × seeds, each a bidirectional GRU (H 32, 1 layer) trained
 * with trainClassifier (Adam 2e-3, batch 16, the engine defaults otherwise) for a fixed number of
 * epochs on N training clips, scored on held-out clips; for attention also the mean attention
 * weight on the decisive cue's frames (where it looked; uniform weights give 6 / T). Prints JSON
 * lines, then a markdown table.
 *
 *   npm run bench:clip [-- --epochs 12] [--train 256] [--test 256] [--frames 400] [--seeds 1,2,3]
 *                      [--pooling mean,max,attention] [--quick]
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadKernels } from '../engine/kernels/load'
import {
  clipForward,
  createClipModel,
  trainClassifier,
  validateClips,
  type ClipData,
} from '../engine/train/classify'
import { syntheticClips } from '../engine/data/clips'
import { parseTrainSettings } from '../engine/train/settings'

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      epochs: { type: 'string', default: '12' },
      train: { type: 'string', default: '256' },
      test: { type: 'string', default: '256' },
      frames: { type: 'string', default: '400' },
      seeds: { type: 'string', default: '1,2,3' },
      pooling: { type: 'string', default: 'mean,max,attention' },
      quick: { type: 'boolean', default: false },
    },
  })
  const quick = args.quick
  const epochs = quick ? 4 : Number(args.epochs)
  const nTrain = quick ? 64 : Number(args.train)
  const nTest = quick ? 64 : Number(args.test)
  const frames = quick ? 200 : Number(args.frames)
  const seeds = (quick ? '1' : args.seeds).split(',').map(Number)
  const poolings = args.pooling.split(',') as ('mean' | 'max' | 'attention')[]
  const classes = ['c0', 'c1', 'c2', 'c3']
  const rows: {
    pooling: string
    seed: number
    accuracy: number
    macroF1: number
    onCue: number
    seconds: number
  }[] = []
  for (const seed of seeds) {
    const data: ClipData = {
      F: 8,
      classes,
      train: syntheticClips(nTrain, 1000 + seed, { frames }),
      val: [],
    }
    const test = syntheticClips(nTest, 2000 + seed, { frames })
    for (const pooling of poolings) {
      const settings = parseTrainSettings({
        task: 'classify',
        pooling,
        hidden: 32,
        layers: 1,
        epochs,
        seed,
        patience: 0,
      })
      const t0 = Date.now()
      const r = await trainClassifier(data, settings, {
        onProgress: (p) => {
          if (p.step === p.stepsPerEpoch)
            process.stderr.write(
              `${pooling} seed ${seed} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)}\n`,
            )
        },
      })
      const seconds = (Date.now() - t0) / 1000
      const v = validateClips(test, r.config, r.pooling, r.params, null)
      // where it looked: the attention weight on the decisive cue's frames (uniform: 6 / T)
      let onCue = NaN
      if (pooling === 'attention') {
        const k = loadKernels()
        const m = createClipModel(r.config, r.pooling, k)
        m.params.set(r.params)
        onCue = 0
        for (const c of test) {
          const { weights } = clipForward(m, c.x, c.frames, k)
          for (let t = c.cueStart; t < c.cueStart + 6; t++) onCue += weights[t] / test.length
        }
      }
      const row = { pooling, seed, accuracy: v.accuracy, macroF1: v.macroF1, onCue, seconds }
      rows.push(row)
      console.log(JSON.stringify(row))
    }
  }
  const f = (x: number) => x.toFixed(3)
  console.log(
    `\nT = ${frames} frames, cue 6 frames, ${nTrain} training / ${nTest} test clips, ${epochs} epochs, chance 0.25\n`,
  )
  console.log(
    '| pooling | accuracy (per seed) | mean accuracy | mean macro-F1 | weight on the cue | s / run |',
  )
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const pooling of poolings) {
    const r = rows.filter((x) => x.pooling === pooling)
    const mean = (k: 'accuracy' | 'macroF1' | 'onCue' | 'seconds') =>
      r.reduce((a, b) => a + b[k], 0) / r.length
    const cue =
      pooling === 'attention'
        ? `${r.map((x) => f(x.onCue)).join(', ')} (uniform ${f(6 / frames)})`
        : '—'
    console.log(
      `| ${pooling} | ${r.map((x) => f(x.accuracy)).join(', ')} | ${f(mean('accuracy'))} | ${f(mean('macroF1'))} | ${cue} | ${mean('seconds').toFixed(0)} |`,
    )
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
