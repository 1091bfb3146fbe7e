/** Shared e2e fixtures: generated media and a browser-mode engine started from the built app. */
import { spawn, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test, type Page } from '@playwright/test'
import { makeWav } from '../engine/media/audio/testing'
import { Project } from '../engine/project/store'
import { syntheticAudio } from '../engine/data/synthetic'

/** A 16-bit mono PCM WAV: `seconds` of a 440 Hz tone with a louder burst in the middle. */
export function toneWav(seconds: number, rate = 16000): Buffer {
  const n = Math.round(seconds * rate)
  const x = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t = i / rate
    const amp = Math.abs(t - seconds / 2) < seconds / 8 ? 0.61 : 0.12
    x[i] = amp * Math.sin(2 * Math.PI * 440 * t)
  }
  return makeWav({ bits: 16, rate, channels: [x] })
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix))
}

/** Where the engines of the e2e runs keep the user's grants: shared, so a restart keeps them. */
const E2E_DATA_DIR = path.join(os.tmpdir(), 'framewise-e2e-data')

export interface Engine {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Start `framewise serve` (the built CLI, as `npm start` does in browser mode) and read its URL. */
export async function startEngine(args: string[] = []): Promise<Engine> {
  const child = spawn(process.execPath, ['bin/framewise.js', 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // the user's grants (engine/project/grants.ts) go to a test folder, never the real ~/.config
    env: { ...process.env, FRAMEWISE_DATA_DIR: E2E_DATA_DIR },
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not start:\n${output}`)), 20_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = output.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)
      if (match) {
        clearTimeout(timer)
        resolve(match[0])
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}:\n${output}`)))
  })
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/**
 * A multichannel CSV sensor log: `time` plus three channels at `rate` rows/s; `ax` carries a
 * burst in the middle third, so there is something to label.
 */
export function sensorCsv(seconds: number, rate = 50): string {
  const rows = ['time,ax,ay,az']
  for (let i = 0; i < seconds * rate; i++) {
    const t = i / rate
    const burst = Math.abs(t - seconds / 2) < seconds / 6 ? 3 : 0.3
    rows.push(
      `${t.toFixed(4)},${(burst * Math.sin(2 * Math.PI * 2 * t)).toFixed(4)},${Math.cos(2 * Math.PI * 0.2 * t).toFixed(4)},${(9.81 + 0.1 * Math.sin(7 * t)).toFixed(4)}`,
    )
  }
  return rows.join('\n') + '\n'
}

/** Page x of time `t` on a full-file view of `duration` seconds drawn in `box`. */
export const xAt = (box: { x: number; width: number }, t: number, duration: number) =>
  box.x + (t / duration) * box.width

/** A mouse drag in two legs, as a hand would (the editor sees moves in between). */
export async function drag(page: Page, from: [number, number], to: [number, number]) {
  await page.mouse.move(...from)
  await page.mouse.down()
  await page.mouse.move((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, { steps: 6 })
  await page.mouse.move(...to, { steps: 6 })
  await page.mouse.up()
}

/**
 * A project in a fresh temp folder: four 8-second synthetic recordings (tones, chirps, noise
 * bursts; engine/data/synthetic.ts, seeded from `seed`) with the first three labelled and the
 * fourth left to predict. Returns the folder.
 */
export async function labelledAudioProject(name: string, seed: number): Promise<string> {
  const dir = await tempDir(`fw-e2e-${name}-`)
  const project = await Project.create(dir, name)
  await project.setClasses([
    { name: 'background', color: '#888888', hotkey: null, role: 'background' },
    { name: 'tone', color: '#e6550d', hotkey: 1, role: 'class' },
    { name: 'chirp', color: '#31a354', hotkey: 2, role: 'class' },
    { name: 'noise', color: '#4a6fa5', hotkey: 3, role: 'class' },
  ])
  for (let i = 0; i < 4; i++) {
    const a = syntheticAudio(seed + i, 8)
    await fs.writeFile(path.join(dir, `rec${i}.wav`), a.wav)
    await project.addMedia([`rec${i}.wav`])
    if (i < 3) await project.writeLabels(`rec${i}.wav`, a.segments, 0)
  }
  return dir
}

/**
 * For a spec file: before its tests, a labelledAudioProject and an engine serving it; after
 * them, both gone. The returned object's `engine` and `dir` are valid inside tests.
 */
export function useLabelledAudioProject(
  name: string,
  seed: number,
): { readonly engine: Engine; readonly dir: string } {
  const it = { engine: undefined as unknown as Engine, dir: '' }
  test.beforeAll(async () => {
    it.dir = await labelledAudioProject(name, seed)
    it.engine = await startEngine(['--project', it.dir])
  })
  test.afterAll(async () => {
    await it.engine?.stop()
    await fs.rm(it.dir, { recursive: true, force: true })
  })
  return it
}

/** Errors the page throws from now on; a flow ends by expecting none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return errors
}
