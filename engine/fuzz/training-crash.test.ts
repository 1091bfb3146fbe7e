/**
 * A training killed with SIGKILL leaves its run readable and its last checkpoint usable (it
 * resumes to the end), and a model export killed mid-write leaves a loadable model. Both run in
 * child processes (train-entry.ts) through the existing service and exportTagger.
 * `FW_FUZZ_SCALE` multiplies the kills (one training and two exports at scale 1); the figures
 * are reported with reportFuzz, also when a case fails.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cardPathOf, readModelCard } from '../onnx/card'
import { inspectModel, releaseSessions } from '../onnx/read'
import { Project } from '../project/store'
import { RunStore } from '../train/runs'
import { syntheticAudio } from '../data/synthetic'
import { fuzzScale, reportFuzz } from './report'
import { rng } from './rng'

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'train-entry.ts')
const TRAIN_KILLS = Math.max(1, Math.round(fuzzScale()))
const EXPORT_KILLS = Math.max(2, Math.round(2 * fuzzScale()))
/** Kills done, and those after which the run did not resume to the end or the model did not load. */
const figures = {
  trainingKills: 0,
  resumed: 0,
  exportKills: 0,
  exportsLoadable: 0,
  losses: 0,
  seconds: 0,
}
const startedAt = performance.now()
let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-train-crash-'))
})
afterAll(async () => {
  await releaseSessions()
  await fs.rm(dir, { recursive: true, force: true })
  figures.losses =
    figures.trainingKills - figures.resumed + figures.exportKills - figures.exportsLoadable
  figures.seconds = Math.round((performance.now() - startedAt) / 1000)
  reportFuzz('training-crash', { cases: figures.trainingKills + figures.exportKills, ...figures })
})

/** Starts the entry; `lines` collects its stdout lines. */
function child(
  args: string[],
  env: Record<string, string> = {},
): { proc: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const lines: string[] = []
  let out = ''
  proc.stdout!.on('data', (d) => {
    out += d
    const parts = out.split('\n')
    out = parts.pop()!
    lines.push(...parts)
  })
  let err = ''
  proc.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => (code ? console.error(err) : 0, resolve(code))),
  )
  return { proc, lines, exited }
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('killed training and export', () => {
  it(
    'a training killed mid-run leaves a readable run and a checkpoint it resumes from',
    { timeout: 60_000 + TRAIN_KILLS * 60_000 },
    async () => {
      for (let k = 0; k < TRAIN_KILLS; k++) await killTraining(k)
    },
  )

  async function killTraining(k: number): Promise<void> {
    const project = path.join(dir, `project-${k}`)
    await fs.mkdir(project)
    const p = await Project.create(project)
    await p.setClasses([
      { name: 'background', color: '#999999', hotkey: null, role: 'background' },
      { name: 'tone', color: '#ff0000', hotkey: 1, role: 'class' },
      { name: 'chirp', color: '#00ff00', hotkey: 2, role: 'class' },
      { name: 'noise', color: '#0000ff', hotkey: 3, role: 'class' },
    ])
    for (let i = 0; i < 2; i++) {
      const a = syntheticAudio(700 + i, 4)
      await fs.writeFile(path.join(project, `r${i}.wav`), a.wav)
      await p.addMedia([`r${i}.wav`])
      await p.writeLabels(`r${i}.wav`, a.segments, 0)
    }
    // The child SIGKILLs itself at a seeded moment within epoch 3 (possibly mid-checkpoint write):
    // killing it from here would race a busy machine's scheduling against a fast epoch.
    const first = child(['train', project], { FW_KILL_AT: String(rng(5 + k).next()) })
    await first.exited
    figures.trainingKills++
    expect(first.proc.signalCode).toBe('SIGKILL')
    const { runId } = JSON.parse(first.lines[0]!) as { runId: string }
    const store = new RunStore(project)
    const run = await store.read(runId)
    expect(run.status).toBe('running') // it never got to record its end
    const checkpoint = await store.readCheckpoint(runId)
    expect(checkpoint.epoch).toBeGreaterThanOrEqual(2)
    expect(checkpoint.params.every(Number.isFinite)).toBe(true)
    // Resuming picks up from that checkpoint and finishes the run.
    const second = child(['train', project, runId])
    expect(await second.exited).toBe(0)
    const done = JSON.parse(second.lines.at(-1)!).done
    expect(done).toMatchObject({ ok: true, result: { id: runId, status: 'done' } })
    const epochs = second.lines.slice(0, -1).map((l) => JSON.parse(l).epoch as number)
    // It goes on from the epoch after the checkpoint (none left if the kill came after the last).
    expect(epochs).toEqual(
      Array.from({ length: 12 - checkpoint.epoch }, (_, i) => checkpoint.epoch + 1 + i),
    )
    expect((await store.read(runId)).history.map((h) => h.epoch)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    )
    figures.resumed++
    console.log(
      `training crash: killed after epoch ${checkpoint.epoch}, resumed epochs ${epochs.join(',')}`,
    )
  }

  it(
    'an export killed mid-write leaves a loadable model and card',
    { timeout: 30_000 + EXPORT_KILLS * 15_000 },
    async () => {
      const r = rng(11)
      const file = path.join(dir, 'exports', 'model.onnx')
      await fs.mkdir(path.dirname(file))
      for (let round = 0; round < EXPORT_KILLS; round++) {
        const c = child(['export', file])
        const target = r.int(2, 12)
        // An entry that dies on its own (it fails to load) fails the case at once, not after the wait.
        await until(() => c.lines.length >= target || c.proc.exitCode !== null, 50_000)
        expect(c.proc.exitCode, 'the export loop exited by itself').toBeNull()
        c.proc.kill('SIGKILL')
        await c.exited
        figures.exportKills++
        const info = await inspectModel(file)
        expect(info.framewise?.classes).toEqual(['a', 'b', 'c'])
        expect((await readModelCard(file))?.classes).toEqual(['a', 'b', 'c'])
        figures.exportsLoadable++
        await releaseSessions()
      }
      expect(cardPathOf(file)).toBe(path.join(dir, 'exports', 'model.json'))
    },
  )
})
