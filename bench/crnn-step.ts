/**
 * `npx tsx bench/crnn-step.ts`: milliseconds per training step (forward + backward, T 400, B 16,
 * 40 log-mel bands, BiGRU 2 × 64) with and without the conv front end, and the front end's own
 * share, on the loaded kernels: where a CRNN epoch's extra time goes.
 */
import { convBackward, convForward } from '../models/conv'
import { initTagger } from '../models/init'
import { Rng } from '../models/rng'
import {
  allocWorkspace,
  convOf,
  createTagger,
  taggerBackward,
  taggerForward,
  type TaggerConfig,
} from '../models/tagger'
import { loadKernels } from '../engine/kernels/load'

const [T, B, F] = [400, 16, 40]
const k = loadKernels()
const base: TaggerConfig = {
  cell: 'gru',
  inputSize: F,
  hiddenSize: 64,
  numLayers: 2,
  numClasses: 4,
  bidirectional: true,
  dropout: 0,
}
const crnn: TaggerConfig = {
  ...base,
  frontEnd: { blocks: [16, 16, 16].map((channels) => ({ channels, pool: 2 })) },
}
const lengths = new Int32Array(B).fill(T)
const rng = new Rng(1)
const x = k.alloc(T * B * F).map(() => rng.normal())
const time = (fn: () => void, n = 5): number => {
  fn()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn()
  return (performance.now() - t0) / n
}
for (const [name, cfg] of [
  ['BiGRU', base],
  ['CRNN', crnn],
] as const) {
  const m = createTagger(cfg, k)
  initTagger(m.params, cfg, rng)
  const ws = allocWorkspace(cfg, k, T, B)
  const step = time(() => {
    taggerForward(ws, x, lengths, T, m, k, { training: true })
    ws.dlogits.fill(1e-3)
    taggerBackward(ws, x, lengths, T, m, k)
  })
  const front = ws.conv
    ? time(() => {
        convForward(ws.conv!, x, lengths, T, convOf(m)!, k, true, { updateRunning: false })
        convBackward(ws.conv!, x, lengths, T, convOf(m)!, k)
      })
    : 0
  console.log(
    `${name} (${k.name}): ${step.toFixed(0)} ms / step${front ? `, of which the front end ${front.toFixed(0)} ms` : ''}`,
  )
}
