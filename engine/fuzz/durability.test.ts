/**
 * Crash safety of label saves, end to end: the browser-mode server runs in a child process on a
 * project; a client sends `saveLabels` edits over the WebSocket (three media files in flight at
 * once) and the process is SIGKILLed at a seeded random moment. After each kill every project
 * file must parse, and after the restart every acknowledged edit must be there (an edit in
 * flight at the kill may have landed or not, but nothing else).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { Segment } from '../api'
import { HISTORY_DIR } from '../project/history'
import { LabelFileSchema, ManifestSchema } from '../project/manifest'
import { Project } from '../project/store'
import { rng } from './rng'

const CYCLES = Number(process.env.FW_DURABILITY_CYCLES ?? 5)
const SEED = Number(process.env.FW_SEED ?? 7)
const MEDIA = ['a.wav', 'b.wav', 'c.wav']
const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve-entry.ts')

let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-durability-'))
  for (const m of MEDIA) await fs.writeFile(path.join(dir, m), 'RIFF')
  const p = await Project.create(dir)
  await p.addMedia(MEDIA)
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

interface Child {
  proc: ChildProcess
  ws: WebSocket
  call(method: string, params: unknown): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }>
}

async function start(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, dir, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (d) => (err += d))
  const info = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!))
    })
    proc.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)))
  })
  const ws = new WebSocket(`ws://127.0.0.1:${info.port}/api?token=${info.token}`, { headers: { Origin: `http://127.0.0.1:${info.port}` } })
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

/** Every JSON file of the project parses and matches its schema. */
async function checkFilesParse(): Promise<number> {
  let files = 0
  ManifestSchema.parse(JSON.parse(await fs.readFile(path.join(dir, 'framewise.json'), 'utf8')))
  const labelDirs = [path.join(dir, 'labels')]
  for (const d of await fs.readdir(path.join(dir, HISTORY_DIR)).catch(() => [])) labelDirs.push(path.join(dir, HISTORY_DIR, d))
  for (const d of labelDirs)
    for (const name of await fs.readdir(d)) {
      if (name.endsWith('.tmp')) continue // a killed write's temp file: never read
      const text = await fs.readFile(path.join(d, name), 'utf8')
      expect(() => LabelFileSchema.parse(JSON.parse(text)), `${d}/${name}`).not.toThrow()
      files++
    }
  return files
}

const segmentsFor = (edit: number): Segment[] =>
  Array.from({ length: 1 + (edit % 7) }, (_, i) => ({ start: edit + i, end: edit + i + 0.5, label: 'event' }))

describe('two Framewise processes on one project', () => {
  it('the second is told who has it open and does not open it', { timeout: 60_000 }, async () => {
    const first = await start()
    const second = spawn(process.execPath, ['--import', 'tsx', entry, dir, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    second.stderr!.on('data', (d) => (err += d))
    const code = await new Promise((resolve) => second.on('exit', resolve))
    expect(code).not.toBe(0)
    expect(err).toContain(`${dir}: the project is open in another Framewise (process ${first.proc.pid} since`)
    // The first one is unaffected.
    expect(await first.call('getLabels', { media: 'a.wav' })).toMatchObject({ ok: true })
    first.proc.kill('SIGKILL')
    first.ws.terminate()
    await new Promise((resolve) => first.proc.once('exit', resolve))
  })
})

describe('label saves survive SIGKILL', () => {
  it(`keeps every acknowledged edit over ${CYCLES} kill/restart cycles`, { timeout: 120_000 }, async () => {
    const r = rng(SEED)
    /** Per media: the last acknowledged labels, and the edit in flight (if any) at the kill. */
    const acked = new Map(MEDIA.map((m) => [m, { revision: 0, segments: [] as Segment[] }]))
    const inFlight = new Map<string, Segment[]>()
    let edits = 0
    let ackedEdits = 0
    let filesChecked = 0
    let tempsLeft = 0
    const countTemps = async () => (await fs.readdir(path.join(dir, 'labels')).catch(() => [])).filter((n) => n.endsWith('.tmp')).length
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      tempsLeft += await countTemps()
      const child = await start()
      // After the restart: every acknowledged edit is there; an in-flight one landed or not.
      for (const m of MEDIA) {
        const got = await child.call('getLabels', { media: m })
        expect(got.ok, JSON.stringify(got.error)).toBe(true)
        const before = acked.get(m)!
        const pending = inFlight.get(m)
        if (pending && got.result.revision === before.revision + 1) expect(got.result.segments).toEqual(pending)
        else expect(got.result).toEqual({ media: m, revision: before.revision, segments: before.segments })
        acked.set(m, { revision: got.result.revision, segments: got.result.segments })
      }
      inFlight.clear()
      const killAfter = r.int(20, 100)
      let cycleAcks = 0
      let killed = false
      const exited = new Promise((resolve) => child.proc.once('exit', resolve))
      // Three writers, one per media file, each sending its next edit when the last is acknowledged.
      await Promise.all(
        MEDIA.map(async (m) => {
          while (!killed) {
            const segments = segmentsFor(edits++)
            inFlight.set(m, segments)
            const reply = await Promise.race([child.call('saveLabels', { media: m, segments, baseRevision: acked.get(m)!.revision }), exited])
            if (killed || !reply) return
            const { ok, result, error } = reply as Awaited<ReturnType<Child['call']>>
            expect(ok, JSON.stringify(error)).toBe(true)
            acked.set(m, { revision: result.revision, segments: result.segments })
            inFlight.delete(m)
            ackedEdits++
            if (++cycleAcks === killAfter) {
              // Kill a few milliseconds later, while the other writers' saves are mid-flight.
              setTimeout(() => {
                killed = true
                child.proc.kill('SIGKILL')
              }, r.int(0, 6))
            }
          }
        }),
      )
      await exited
      child.ws.terminate()
      filesChecked += await checkFilesParse()
    }
    // One last restart to check the final kill too.
    tempsLeft += await countTemps()
    const last = await start()
    // The restarted server cleared the temp files the killed writes left (their pid is gone).
    const leftovers = (await fs.readdir(path.join(dir, 'labels'))).filter((n) => n.endsWith('.tmp'))
    expect(leftovers).toEqual([])
    for (const m of MEDIA) {
      const got = await last.call('getLabels', { media: m })
      const before = acked.get(m)!
      const pending = inFlight.get(m)
      if (pending && got.result.revision === before.revision + 1) expect(got.result.segments).toEqual(pending)
      else expect(got.result).toEqual({ media: m, revision: before.revision, segments: before.segments })
    }
    last.proc.kill('SIGKILL')
    last.ws.terminate()
    console.log(`durability: ${CYCLES} SIGKILL/restart cycles, ${edits} edits sent, ${ackedEdits} acknowledged and verified, ${filesChecked} files parsed, ${tempsLeft} temp files of killed writes cleared on restart`)
    expect(ackedEdits).toBeGreaterThanOrEqual(CYCLES * 20)
  })
})
