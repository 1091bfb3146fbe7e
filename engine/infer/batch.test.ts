/**
 * `framewise predict` over folder trees, as archives need it: outputs mirror the tree, a broken
 * file is listed with its error while the rest are labelled (exit 1), the manifest names every
 * input with its outputs, status and the model's SHA-256; a batch killed (SIGKILL) or
 * interrupted (SIGINT) mid-way and run again with --resume redoes none of the finished files
 * (inode and mtime unchanged) and ends with outputs equal to an uninterrupted run's; outputs
 * older than the model or the input are redone.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releaseSessions } from '../onnx/read'
import { runCli } from '../testing/cli'
import { formatEta, MANIFEST_NAME, type PredictFilesResult } from './batch'
import { rmsModel, toneWav } from './testing'

const CLI = path.join(import.meta.dirname, '..', 'cli.ts')
let dir: string
let model: string
let tree: string
/** The tree's label outputs relative to --out. */
const N = 60
const outputsOf = () =>
  Array.from({ length: N }, (_, i) =>
    path.join(`set${i % 3}`, `rec${String(i).padStart(3, '0')}.txt`),
  )

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fw-batch-'))
  model = path.join(dir, 'rms.onnx')
  await writeFile(model, rmsModel(0.1))
  tree = path.join(dir, 'tree')
  for (let i = 0; i < N; i++) {
    const sub = path.join(tree, `set${i % 3}`)
    await mkdir(sub, { recursive: true })
    const at = 0.2 + (i % 7) * 0.1
    await writeFile(
      path.join(sub, `rec${String(i).padStart(3, '0')}.wav`),
      toneWav(2, at, at + 0.5),
    )
  }
})
afterAll(async () => {
  await releaseSessions()
  await rm(dir, { recursive: true, force: true })
})

interface FileStamp {
  ino: number
  mtimeMs: number
}
async function stamps(out: string, names: string[]): Promise<Map<string, FileStamp>> {
  const m = new Map<string, FileStamp>()
  for (const n of names) {
    const s = await stat(path.join(out, n)).catch(() => null)
    if (s) m.set(n, { ino: s.ino, mtimeMs: s.mtimeMs })
  }
  return m
}

/** Runs the CLI in a child and sends `signal` once `atLeast` outputs exist; its exit code. */
async function interrupted(out: string, signal: NodeJS.Signals, atLeast: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'predict', model, tree, '--out', out],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let seen: Map<string, FileStamp> = new Map()
  for (let done = false; !done;) {
    await new Promise((r) => setTimeout(r, 5))
    seen = await stamps(out, outputsOf())
    if (seen.size >= atLeast || child.exitCode !== null) done = true
  }
  child.kill(signal)
  const code = await exited
  return { code, stderr, seenAtSignal: seen.size }
}

/** Every output of a finished run: relative name → text. */
async function texts(out: string): Promise<Map<string, string>> {
  const m = new Map<string, string>()
  for (const n of outputsOf()) m.set(n, await readFile(path.join(out, n), 'utf8'))
  return m
}

let reference: Map<string, string>
describe('predict over a folder tree', () => {
  it('mirrors the tree under --out and writes a manifest with the model hash', async () => {
    const out = path.join(dir, 'ref')
    const r = await runCli(['predict', model, tree, '--out', out])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as PredictFilesResult
    expect([result.done, result.skipped, result.failed]).toEqual([N, 0, 0])
    reference = await texts(out)
    expect([...reference.values()].every((t) => t.split('\t')[2] === 'tone\n')).toBe(true)
    const manifest = JSON.parse(await readFile(path.join(out, MANIFEST_NAME), 'utf8'))
    const sha = createHash('sha256')
      .update(await readFile(model))
      .digest('hex')
    expect(manifest.modelSha256).toBe(sha)
    expect(manifest.state).toBe('finished')
    expect(manifest.files).toHaveLength(N)
    expect(manifest.files[0]).toMatchObject({
      input: path.join(tree, 'set0', 'rec000.wav'),
      status: 'done',
      outputs: [path.join(out, 'set0', 'rec000.txt')],
    })
    expect(r.stderr).toMatch(/100% done/)
    expect(r.stderr).toMatch(new RegExp(`\\d+% \\d+/${N} rec\\d+\\.wav: `)) // file i of N
  })

  it('a broken file is listed with its error; the others are labelled; exit 1', async () => {
    const small = path.join(dir, 'small')
    await mkdir(path.join(small, 'deep', 'er'), { recursive: true })
    await mkdir(path.join(small, '.hidden'))
    await writeFile(path.join(small, 'a.wav'), toneWav(2, 0.5, 1))
    await writeFile(path.join(small, 'deep', 'er', 'b.wav'), toneWav(2, 0.5, 1))
    await writeFile(path.join(small, 'deep', 'broken.wav'), 'RIFF····WAVEnot a wav at all')
    await writeFile(path.join(small, '.hidden', 'c.wav'), toneWav(2, 0.5, 1))
    const out = path.join(dir, 'small-out')
    const r = await runCli(['predict', model, small, '--out', out])
    expect(r.code).toBe(1)
    const result = JSON.parse(r.stdout) as PredictFilesResult
    expect(result.files.map((f) => [path.relative(small, f.input), f.status])).toEqual([
      ['a.wav', 'done'],
      [path.join('deep', 'broken.wav'), 'failed'],
      [path.join('deep', 'er', 'b.wav'), 'done'],
    ])
    const broken = result.files[1]
    expect(broken.error).toContain(path.join(small, 'deep', 'broken.wav'))
    expect(r.stderr).toMatch(/1 of 3 files failed/)
    expect(r.stderr).toContain(broken.error)
    expect((await readdir(path.join(out, 'deep', 'er'))).sort()).toEqual(['b.txt'])
    const manifest = JSON.parse(await readFile(path.join(out, MANIFEST_NAME), 'utf8'))
    expect(manifest.files[1]).toMatchObject({ status: 'failed', error: broken.error })
  })
})

describe('--resume after an interruption', () => {
  for (const signal of ['SIGKILL', 'SIGINT'] as const)
    it(`${signal} mid-way, then --resume: finished files untouched, results equal`, async () => {
      const out = path.join(dir, `resume-${signal}`)
      const run = await interrupted(out, signal, 3)
      expect(run.seenAtSignal).toBeLessThan(N) // it was stopped mid-way
      if (signal === 'SIGINT') {
        expect(run.code).toBe(1)
        expect(run.stderr).toMatch(/cancelled after \d+ files; --resume goes on/)
        const manifest = JSON.parse(await readFile(path.join(out, MANIFEST_NAME), 'utf8'))
        expect(manifest.state).toBe('cancelled')
        expect(manifest.files.length).toBeGreaterThanOrEqual(3)
      } else expect(run.code).toBe(null)
      const before = await stamps(out, outputsOf())
      expect(before.size).toBeGreaterThanOrEqual(3)
      expect(before.size).toBeLessThan(N)
      const r = await runCli(['predict', model, tree, '--out', out, '--resume'])
      expect(r.code).toBe(0)
      const result = JSON.parse(r.stdout) as PredictFilesResult
      expect(result.skipped).toBe(before.size)
      expect(result.done).toBe(N - before.size)
      const after = await stamps(out, outputsOf())
      for (const [name, s] of before) expect(after.get(name)).toEqual(s) // not rewritten
      expect(await texts(out)).toEqual(reference)
      // no temp file of an interrupted write is left counted as an output
      expect(
        result.files.every((f) => f.outputs.every((o) => !path.basename(o).startsWith('.'))),
      ).toBe(true)
    })

  it('redoes outputs older than the model or than their input', async () => {
    const out = path.join(dir, 'resume-stale')
    expect((await runCli(['predict', model, tree, '--out', out])).code).toBe(0)
    const first = await stamps(out, outputsOf())
    const past = new Date(Date.now() - 60_000)
    const names = outputsOf()
    await utimes(path.join(out, names[0]), past, past) // older than the model
    const input = path.join(tree, names[1].replace(/\.txt$/, '.wav'))
    const later = new Date(Date.now() + 60_000)
    await utimes(input, later, later) // the input changed after its output
    const r = await runCli(['predict', model, tree, '--out', out, '--resume'])
    const result = JSON.parse(r.stdout) as PredictFilesResult
    expect([result.done, result.skipped]).toEqual([2, N - 2])
    const again = await stamps(out, outputsOf())
    expect(again.get(names[0])?.ino).not.toBe(first.get(names[0])?.ino)
    expect(again.get(names[1])?.ino).not.toBe(first.get(names[1])?.ino)
    expect(again.get(names[2])).toEqual(first.get(names[2]))
    await utimes(input, new Date(), new Date())
  })
})

describe('formatEta', () => {
  it('seconds, minutes and hours', () => {
    expect(formatEta(12.4)).toBe('ETA 12s')
    expect(formatEta(187)).toBe('ETA 3m07s')
    expect(formatEta(3900)).toBe('ETA 1h05m')
  })
})
