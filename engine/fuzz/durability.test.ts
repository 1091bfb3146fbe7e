/**
 * Crash safety of label saves, end to end: the browser-mode server runs in a child process on a
 * project; a client sends `saveLabels` edits over the WebSocket (three media files in flight at
 * once) and the process is SIGKILLed at a seeded random moment. After each kill every project
 * file must parse, and after the restart every acknowledged edit must be there (an edit in
 * flight at the kill may have landed or not, but nothing else).
 *
 * Two kinds of crash:
 * - SIGKILL (`FW_DURABILITY_CYCLES` cycles, default 5): the kernel keeps the page cache, so this
 *   tests the rename half of "acknowledged means durable".
 * - Power cut (`FW_POWER_CUTS`, default 2): the project lives on ext4 on a loop device, mounted
 *   so that nothing reaches the device unless fsynced (no periodic journal commit, no
 *   replace-by-rename flush); after the kill the device image is copied as it is at that moment
 *   and mounted in place of the live one, so every write that was not fsynced is lost. With the
 *   server's fsyncs skipped (a test-only switch of serve-entry.ts) the same cut must lose edits,
 *   which shows the test can fail. Needs root (losetup, mount); skipped with the reason otherwise.
 *
 * The figures (cycles, edits acknowledged, edits in flight at the kills, losses, torn files,
 * restarts, the server's peak memory) are reported with reportFuzz even when a run fails.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { promises as fs, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { Segment } from '../api'
import { HISTORY_DIR } from '../project/history'
import { LabelFileSchema, ManifestSchema } from '../project/manifest'
import { Project } from '../project/store'
import { reportFuzz } from './report'
import { rng } from './rng'

const CYCLES = Number(process.env.FW_DURABILITY_CYCLES ?? 5)
const POWER_CUTS = Number(process.env.FW_POWER_CUTS ?? 2)
const SEED = Number(process.env.FW_SEED ?? 7)
/** What one kill cycle may take on a busy 2-core machine (restart, 20-100 edits, kill); the timeouts scale with it. */
const CYCLE_MS = 6_000
/** A server that has not said where it listens by then is a failure, not a stall. */
const START_MS = 30_000
const MEDIA = ['a.wav', 'b.wav', 'c.wav']
const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve-entry.ts')

interface Child {
  proc: ChildProcess
  ws: WebSocket
  call(
    method: string,
    params: unknown,
  ): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }>
}

async function start(dir: string, env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, dir, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let err = ''
  proc.stderr!.on('data', (d) => (err += d))
  let timer: NodeJS.Timeout | undefined
  const info = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!))
    })
    proc.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)))
    timer = setTimeout(
      () => (
        proc.kill('SIGKILL'),
        reject(new Error(`server did not start within ${START_MS} ms: ${err}`))
      ),
      START_MS,
    )
  }).finally(() => clearTimeout(timer))
  const ws = new WebSocket(`ws://127.0.0.1:${info.port}/api?token=${info.token}`, {
    headers: { Origin: `http://127.0.0.1:${info.port}` },
  })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let nextId = 1
  const waiting = new Map<number, (r: any) => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString())
    waiting.get(msg.id)?.(msg)
    waiting.delete(msg.id)
  })
  return {
    proc,
    ws,
    call: (method, params) =>
      new Promise((resolve) => {
        const id = nextId++
        waiting.set(id, resolve)
        ws.send(JSON.stringify({ id, method, params }))
      }),
  }
}

async function newProject(dir: string): Promise<void> {
  for (const m of MEDIA) await fs.writeFile(path.join(dir, m), 'RIFF')
  const p = await Project.create(dir)
  await p.addMedia(MEDIA)
}

/** What a run of kill cycles did; reported as is. */
interface Figures {
  cycles: number
  restarts: number
  editsSent: number
  acknowledged: number
  /** Edits sent but not acknowledged when the process died (each may have landed or not). */
  inFlightAtKill: number
  /** Of those, the ones found on disk after the restart. */
  inFlightLanded: number
  /** Acknowledged edits missing after a restart. */
  losses: number
  /** Project files that did not parse after a crash, or labels the restarted server could not read. */
  torn: number
  filesParsed: number
  /** Temp files of killed writes, all removed by the next start. */
  tempsCleared: number
  /** The server's peak resident memory over the run (MB). */
  peakMB: number
  seconds: number
}

const segmentsFor = (edit: number): Segment[] =>
  Array.from({ length: 1 + (edit % 7) }, (_, i) => ({
    start: edit + i,
    end: edit + i + 0.5,
    label: 'event',
  }))

/** Every JSON file of the project that fails to parse or match its schema (temp files aside). */
async function tornFiles(dir: string, figures: Figures): Promise<string[]> {
  const torn: string[] = []
  const parses = async (file: string, schema: { parse(v: unknown): unknown }) => {
    try {
      schema.parse(JSON.parse(await fs.readFile(file, 'utf8')))
      figures.filesParsed++
    } catch (err) {
      torn.push(`${file}: ${(err as Error).message.split('\n')[0]}`)
    }
  }
  await parses(path.join(dir, 'framewise.json'), ManifestSchema)
  const labelDirs = [path.join(dir, 'labels')]
  for (const d of await fs.readdir(path.join(dir, HISTORY_DIR)).catch(() => []))
    labelDirs.push(path.join(dir, HISTORY_DIR, d))
  for (const d of labelDirs)
    for (const name of await fs.readdir(d).catch(() => [])) {
      if (name.endsWith('.tmp')) continue // a killed write's temp file: never read
      if (d.endsWith('framewise.json')) await parses(path.join(d, name), ManifestSchema)
      else await parses(path.join(d, name), LabelFileSchema)
    }
  return torn
}

/** The server's peak resident set so far (Linux; 0 elsewhere). */
function peakMB(pid: number | undefined): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(
    (() => {
      try {
        return readFileSync(`/proc/${pid}/status`, 'utf8')
      } catch {
        return ''
      }
    })(),
  )
  return hwm ? Math.round(Number(hwm[1]) / 1024) : 0
}

interface KillRun {
  dir: string
  cycles: number
  seed: number
  figures: Figures
  /** What went wrong, one line each (the test fails on any). */
  problems: string[]
  /** Runs after each kill, before the files are checked (a power cut swaps the disk here). */
  afterKill?: () => Promise<void>
  /** Environment of the server (the fsync switch of serve-entry.ts). */
  env?: Record<string, string>
  /** Stop cycling then (ms, performance.now()), so a slow run still reports what it did. */
  deadline: number
}

/**
 * Kill/restart cycles against the server on `dir`: after each restart every acknowledged edit
 * must be there; then three writers save edits until the process is SIGKILLed at a seeded moment.
 */
async function killCycles(run: KillRun): Promise<void> {
  const { dir, figures, problems } = run
  const started = performance.now()
  const r = rng(run.seed)
  /** Per media: the last acknowledged labels, and the edit in flight (if any) at the kill. */
  const acked = new Map(MEDIA.map((m) => [m, { revision: 0, segments: [] as Segment[] }]))
  const inFlight = new Map<string, Segment[]>()
  const countTemps = async () =>
    (await fs.readdir(path.join(dir, 'labels')).catch(() => [])).filter((n) => n.endsWith('.tmp'))
      .length
  /** After a restart: every acknowledged edit is there; an in-flight one landed or not. */
  const verify = async (child: Child, cycle: number) => {
    for (const m of MEDIA) {
      const got = await child.call('getLabels', { media: m })
      const before = acked.get(m)!
      const pending = inFlight.get(m)
      if (!got.ok) {
        figures.torn++
        problems.push(
          `cycle ${cycle}, ${m}: the restarted server cannot read the labels: ${got.error?.message}`,
        )
        continue
      }
      if (
        pending &&
        got.result.revision === before.revision + 1 &&
        JSON.stringify(got.result.segments) === JSON.stringify(pending)
      )
        figures.inFlightLanded++
      else if (
        got.result.revision !== before.revision ||
        JSON.stringify(got.result.segments) !== JSON.stringify(before.segments)
      ) {
        figures.losses++
        problems.push(
          `cycle ${cycle}, ${m}: acknowledged revision ${before.revision} lost (found revision ${got.result.revision}, ${got.result.segments.length} segments)`,
        )
      }
      // Go on from what is there, so one loss is counted once.
      acked.set(m, { revision: got.result.revision, segments: got.result.segments })
    }
    inFlight.clear()
  }
  try {
    for (let cycle = 0; cycle < run.cycles; cycle++) {
      if (performance.now() > run.deadline) {
        problems.push(`out of time after ${cycle} of ${run.cycles} cycles`)
        break
      }
      figures.tempsCleared += await countTemps()
      const child = await start(dir, run.env)
      figures.restarts++
      await verify(child, cycle)
      const killAfter = r.int(20, 100)
      let cycleAcks = 0
      let killed = false
      const exited = new Promise((resolve) => child.proc.once('exit', resolve))
      // Three writers, one per media file, each sending its next edit when the last is acknowledged.
      await Promise.all(
        MEDIA.map(async (m) => {
          while (!killed) {
            const segments = segmentsFor(figures.editsSent++)
            inFlight.set(m, segments)
            const reply = await Promise.race([
              child.call('saveLabels', {
                media: m,
                segments,
                baseRevision: acked.get(m)!.revision,
              }),
              exited,
            ])
            if (killed || !reply) return
            const { ok, result, error } = reply as Awaited<ReturnType<Child['call']>>
            if (!ok) {
              problems.push(`cycle ${cycle}, ${m}: save refused: ${error?.code}: ${error?.message}`)
              killed = true
              child.proc.kill('SIGKILL')
              return
            }
            acked.set(m, { revision: result.revision, segments: result.segments })
            inFlight.delete(m)
            figures.acknowledged++
            if (++cycleAcks === killAfter) {
              figures.peakMB = Math.max(figures.peakMB, peakMB(child.proc.pid))
              // Kill a few milliseconds later, while the other writers' saves are mid-flight.
              setTimeout(
                () => {
                  killed = true
                  child.proc.kill('SIGKILL')
                },
                r.int(0, 6),
              )
            }
          }
        }),
      )
      await exited
      child.ws.terminate()
      figures.cycles++
      figures.inFlightAtKill += inFlight.size
      await run.afterKill?.()
      for (const t of await tornFiles(dir, figures)) {
        figures.torn++
        problems.push(`cycle ${cycle}: ${t}`)
      }
    }
    // One last restart to check the final kill too.
    figures.tempsCleared += await countTemps()
    const last = await start(dir, run.env)
    figures.restarts++
    // The restarted server cleared the temp files the killed writes left (their pid is gone).
    const leftovers = (await fs.readdir(path.join(dir, 'labels'))).filter((n) => n.endsWith('.tmp'))
    if (leftovers.length)
      problems.push(`temp files left after the restart: ${leftovers.join(', ')}`)
    await verify(last, run.cycles)
    last.proc.kill('SIGKILL')
    last.ws.terminate()
    await new Promise((resolve) => last.proc.once('exit', resolve))
  } finally {
    figures.seconds = Math.round(figures.seconds + (performance.now() - started) / 1000)
  }
}

const newFigures = (): Figures => ({
  cycles: 0,
  restarts: 0,
  editsSent: 0,
  acknowledged: 0,
  inFlightAtKill: 0,
  inFlightLanded: 0,
  losses: 0,
  torn: 0,
  filesParsed: 0,
  tempsCleared: 0,
  peakMB: 0,
  seconds: 0,
})

/** Reported in afterAll, so a failed or timed-out run still prints what it gathered. */
const reports: [string, Figures][] = []
afterAll(() => {
  for (const [name, figures] of reports) reportFuzz(name, { ...figures, seed: SEED })
})

describe('two Framewise processes on one project', () => {
  let dir: string
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-durability-'))
    await newProject(dir)
  })
  afterAll(() => fs.rm(dir, { recursive: true, force: true }))

  it('the second is told who has it open and does not open it', { timeout: 60_000 }, async () => {
    const first = await start(dir)
    const second = spawn(process.execPath, ['--import', 'tsx', entry, dir, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    second.stderr!.on('data', (d) => (err += d))
    const code = await new Promise((resolve) => second.on('exit', resolve))
    expect(code).not.toBe(0)
    expect(err).toContain(
      `${dir}: the project is open in another Framewise (process ${first.proc.pid} since`,
    )
    // The first one is unaffected.
    expect(await first.call('getLabels', { media: 'a.wav' })).toMatchObject({ ok: true })
    first.proc.kill('SIGKILL')
    first.ws.terminate()
    await new Promise((resolve) => first.proc.once('exit', resolve))
  })
})

describe('label saves survive SIGKILL', () => {
  let dir: string
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-durability-'))
    await newProject(dir)
  })
  afterAll(() => fs.rm(dir, { recursive: true, force: true }))

  const timeout = 30_000 + CYCLES * CYCLE_MS
  it(`keeps every acknowledged edit over ${CYCLES} kill/restart cycles`, { timeout }, async () => {
    const figures = newFigures()
    reports.push(['durability-sigkill', figures])
    const problems: string[] = []
    await killCycles({
      dir,
      cycles: CYCLES,
      seed: SEED,
      figures,
      problems,
      deadline: performance.now() + timeout - 20_000,
    })
    expect(problems).toEqual([])
    expect(figures.losses).toBe(0)
    expect(figures.acknowledged).toBeGreaterThanOrEqual(CYCLES * 20)
  })
})

/**
 * A 64 MB ext4 image on a loop device, mounted with `commit=600` (no journal commit but the
 * ones fsync forces) and `noauto_da_alloc` (no flush of a file renamed over another: that
 * ext4 kindness would hide a missing fsync).
 */
class LoopDisk {
  readonly image: string
  readonly mnt: string
  private dev = ''

  constructor(readonly root: string) {
    this.image = path.join(root, 'disk.img')
    this.mnt = path.join(root, 'mnt')
  }

  async create(): Promise<void> {
    await fs.mkdir(this.mnt, { recursive: true })
    execFileSync('truncate', ['-s', '64M', this.image])
    execFileSync('mkfs.ext4', ['-q', '-F', this.image], { stdio: 'pipe' })
    this.mount()
  }

  private mount(): void {
    this.dev = execFileSync('losetup', ['-f', '--show', this.image], { stdio: 'pipe' })
      .toString()
      .trim()
    execFileSync('mount', ['-o', 'commit=600,noauto_da_alloc', this.dev, this.mnt], {
      stdio: 'pipe',
    })
  }

  private unmount(): void {
    if (!this.dev) return
    execFileSync('umount', [this.mnt], { stdio: 'pipe' })
    execFileSync('losetup', ['-d', this.dev], { stdio: 'pipe' })
    this.dev = ''
  }

  /** Everything written so far reaches the device (for the project set-up). */
  flush(): void {
    execFileSync('sync', ['-f', this.mnt])
  }

  /**
   * The power goes: the device's content at this moment (without what sits unsynced in the page
   * cache) becomes the disk; the live mount, with its page cache, is thrown away.
   */
  async powerCut(): Promise<void> {
    const cut = `${this.image}.cut`
    execFileSync('cp', ['--sparse=always', this.image, cut])
    this.unmount()
    await fs.rename(cut, this.image)
    this.mount()
  }

  destroy(): void {
    try {
      this.unmount()
    } catch {
      // already gone
    }
  }
}

describe('label saves survive a power cut (unsynced writes dropped)', () => {
  let root: string
  let refused: string | null = null
  const disks: LoopDisk[] = []
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-powercut-'))
    if (process.platform !== 'linux' || process.getuid?.() !== 0)
      refused = 'needs Linux and root (losetup, mount)'
  })
  afterAll(async () => {
    for (const d of disks) d.destroy()
    await fs.rm(root, { recursive: true, force: true })
  })

  /** A fresh disk holding a new project, or null (and the test skipped) where loop devices are refused. */
  async function disk(name: string): Promise<LoopDisk | null> {
    if (refused) return null
    const d = new LoopDisk(path.join(root, name))
    await fs.mkdir(d.root)
    try {
      await d.create()
    } catch (err) {
      refused = `loop device refused: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`
      return null
    }
    disks.push(d)
    await newProject(d.mnt)
    d.flush()
    return d
  }

  const timeout = 60_000 + POWER_CUTS * CYCLE_MS * 2
  it(`keeps every acknowledged edit over ${POWER_CUTS} power cuts`, { timeout }, async (ctx) => {
    const d = await disk('safe')
    if (!d) {
      console.log(`durability: power cut skipped: ${refused}`)
      return ctx.skip()
    }
    const figures = newFigures()
    reports.push(['durability-power-cut', figures])
    const problems: string[] = []
    await killCycles({
      dir: d.mnt,
      cycles: POWER_CUTS,
      seed: SEED + 1,
      figures,
      problems,
      afterKill: () => d.powerCut(),
      deadline: performance.now() + timeout - 30_000,
    })
    expect(problems).toEqual([])
    expect(figures.acknowledged).toBeGreaterThanOrEqual(POWER_CUTS * 20)
  })

  // The controls: the same cut with the server's fsyncs skipped must lose what it acknowledged.
  for (const [skip, what] of [
    ['all', 'with no fsync at all, acknowledged edits are lost'],
    [
      'files',
      'with the folder fsynced but not the temp file, label files are left empty or edits lost',
    ],
  ] as const)
    it(`the cut drops unsynced writes: ${what}`, { timeout: 60_000 }, async (ctx) => {
      const d = await disk(`unsafe-${skip}`)
      if (!d) return ctx.skip()
      const figures = newFigures()
      reports.push([`durability-power-cut-control-${skip}`, figures])
      await killCycles({
        dir: d.mnt,
        cycles: 1,
        seed: SEED + 2,
        figures,
        problems: [],
        env: { FW_TEST_SKIP_FSYNC: skip },
        afterKill: () => d.powerCut(),
        deadline: performance.now() + 40_000,
      })
      expect(figures.acknowledged).toBeGreaterThanOrEqual(20)
      expect(figures.losses + figures.torn).toBeGreaterThan(0)
    })
})
