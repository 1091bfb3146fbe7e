/**
 * Test entry for crash tests of training and export (training-crash.test.ts), SIGKILLed by it:
 *   train PROJECT [RUN_ID]  trains (or resumes) through the service, printing one JSON line per epoch
 *   export FILE             exports a small tagger to FILE over and over, printing each count
 */
import { exportTagger } from '../onnx/export'
import { configA, randomParams, specF40 } from '../onnx/testing'
import { Service } from '../service'

const [mode, target, resume] = process.argv.slice(2)
/** FW_KILL_AT=<fraction>: SIGKILL itself that fraction of an epoch after epoch 2 (no parent latency). */
const killAt = process.env.FW_KILL_AT === undefined ? null : Number(process.env.FW_KILL_AT)
if (mode === 'train') {
  let firstEpochAt = 0
  const service = new Service((event, ...args) => {
    if (event === 'training') {
      const t = args[0] as { runId: string; epoch?: { epoch: number } }
      if (!t.epoch) return
      process.stdout.write(JSON.stringify({ runId: t.runId, epoch: t.epoch.epoch }) + '\n')
      if (t.epoch.epoch === 1) firstEpochAt = performance.now()
      if (t.epoch.epoch === 2 && killAt !== null)
        setTimeout(
          () => process.kill(process.pid, 'SIGKILL'),
          killAt * (performance.now() - firstEpochAt),
        )
    }
  })
  const opened = await service.call('openProject', { dir: target })
  if (!opened.ok) throw new Error(opened.error.message)
  const settings = {
    hidden: 8,
    layers: 1,
    epochs: 12,
    batch: 4,
    chunk: 100,
    threads: 1,
    patience: 0,
  }
  const r = await service.call('train', { jobId: 'crash', ...(resume ? { resume } : { settings }) })
  process.stdout.write(JSON.stringify({ done: r }) + '\n')
  await service.close()
} else if (mode === 'export') {
  const config = { ...configA('gru'), hiddenSize: 16, numClasses: 3 }
  for (let i = 0; ; i++) {
    await exportTagger(target!, {
      config,
      params: randomParams(config, i),
      spec: specF40(),
      classes: ['a', 'b', 'c'],
    })
    process.stdout.write(`${i}\n`)
  }
}
