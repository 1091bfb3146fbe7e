/**
 * writeFileAtomic under storage faults: each step (open the temp file, write, fsync, close,
 * rename, open the folder, fsync it) fails in turn with the errors a full, read-only, over-quota
 * or failing disk gives. The previous version must stay byte-identical (or, once the rename is
 * done, the new one must be whole), no temp file may stay behind, the caller gets one line naming
 * the file and saying what to do, and the next save after the fault clears must succeed. The
 * faults are injected with spies on `fs.promises` and on the handles it returns (production code
 * is unchanged); the same runs through the real Project (label saves, history, manifest) and on a
 * really full tmpfs where the sandbox allows mounting one. The order of the steps is checked too:
 * docs/durability.md says why it must be this one.
 */
import { execFileSync } from 'node:child_process'
import { promises as fsp, type PathLike } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Segment } from '../api'
import { DataError } from '../errors'
import { writeFileAtomic } from './atomic-write'
import { HISTORY_DIR } from '../project/history'
import { MANIFEST_FILE } from '../project/manifest'
import { Project } from '../project/store'

type Step = 'open' | 'write' | 'sync' | 'close' | 'rename' | 'dir-open' | 'dir-sync'
const STEPS: Step[] = ['open', 'write', 'sync', 'close', 'rename', 'dir-open', 'dir-sync']
/** The errors each step can really give (EROFS comes from open and rename; EDQUOT also from fsync and close on NFS). */
const FAULTS: Record<Step, string[]> = {
  open: ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO'],
  write: ['ENOSPC', 'EDQUOT', 'EIO'],
  sync: ['ENOSPC', 'EDQUOT', 'EIO'],
  close: ['ENOSPC', 'EDQUOT', 'EIO'],
  rename: ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO'],
  'dir-open': ['EIO'],
  'dir-sync': ['ENOSPC', 'EIO'],
}
const ADVICE: Record<string, string> = {
  ENOSPC: 'the disk is full; free space and save again',
  EDQUOT: 'the disk quota is used up; free space and save again',
  EROFS: 'the disk is read-only; make it writable (or move the project) and save again',
  EIO: 'input/output error (a failing drive?); check the drive and save again',
}

const real = { open: fsp.open.bind(fsp), rename: fsp.rename.bind(fsp) }
const isTemp = (p: string) => p.endsWith('.tmp')

interface Plan {
  /** The step to fail, the errno code, and which target file (or folder, for its steps) it applies to (default: any). */
  fail?: { step: Step; code: string; target?: (file: string) => boolean }
  /** Every step taken, in order, as `<step> <file the temp file is for, or the folder>`. */
  log: string[]
  /** When set, the folder fsync waits for it (to see when the caller's promise resolves). */
  holdDirSync?: Promise<void>
}

/** The file a temp file stands for: `.<name>.<pid>.<hex>.tmp` → `<name>`. */
const targetOf = (tmp: string) =>
  path.join(path.dirname(tmp), path.basename(tmp).replace(/^\.(.*)\.\d+\.[0-9a-f]+\.tmp$/, '$1'))

function fault(code: string, step: Step): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${step}`), { code, syscall: step })
}

/** Spies on fs.promises.open/rename and the handles open returns, following `plan`. */
function inject(plan: Plan): void {
  const failing = (step: Step, file: string) =>
    plan.fail?.step === step && (plan.fail.target ?? (() => true))(file)
      ? fault(plan.fail.code, step)
      : null
  vi.spyOn(fsp, 'open').mockImplementation((async (p: PathLike, flags?: string, mode?: number) => {
    const file = String(p)
    const dir = flags === 'r' && (await fsp.stat(file)).isDirectory()
    const name = dir ? file : targetOf(file)
    const prefix = dir ? 'dir-' : ''
    if (dir || isTemp(file)) {
      plan.log.push(`${prefix}open ${name}`)
      const err = failing(`${prefix}open` as Step, name)
      if (err) throw err
    }
    const handle: FileHandle = await real.open(file, flags, mode)
    if (!dir && !isTemp(file)) return handle
    const { writeFile, sync, close } = {
      writeFile: handle.writeFile.bind(handle),
      sync: handle.sync.bind(handle),
      close: handle.close.bind(handle),
    }
    handle.writeFile = (async (data: string | Uint8Array) => {
      plan.log.push(`write ${name}`)
      const err = failing('write', name)
      if (!err) return writeFile(data)
      // A full disk takes part of the data first.
      await writeFile(
        typeof data === 'string'
          ? data.slice(0, data.length >> 1)
          : data.subarray(0, data.length >> 1),
      )
      throw err
    }) as FileHandle['writeFile']
    handle.sync = async () => {
      plan.log.push(`${prefix}sync ${name}`)
      const err = failing(`${prefix}sync` as Step, name)
      if (err) throw err
      if (dir && plan.holdDirSync) await plan.holdDirSync
      return sync()
    }
    handle.close = async () => {
      plan.log.push(`${prefix}close ${name}`)
      await close() // a failing close still releases the descriptor
      const err = dir ? null : failing('close', name)
      if (err) throw err
    }
    return handle
  }) as typeof fsp.open)
  vi.spyOn(fsp, 'rename').mockImplementation(async (from: PathLike, to: PathLike) => {
    plan.log.push(`rename ${to}`)
    const err = failing('rename', String(to))
    if (err) throw err
    return real.rename(from, to)
  })
}

/** Every file under `root` with its bytes (relative path → content). */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await fsp.readdir(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const abs = path.join(entry.parentPath, entry.name)
      out[path.relative(root, abs)] = await fsp.readFile(abs, 'utf8')
    }
  return out
}
const temps = async (root: string) => Object.keys(await snapshot(root)).filter(isTemp)

let dir: string
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'fw-files-'))
})
afterEach(async () => {
  vi.restoreAllMocks()
  await fsp.rm(dir, { recursive: true, force: true })
})

describe('writeFileAtomic: the order of the steps', () => {
  it('writes and fsyncs the temp file before the rename, fsyncs the folder after it, and resolves only then', async () => {
    const file = path.join(dir, 'f.json')
    let release!: () => void
    const plan: Plan = { log: [], holdDirSync: new Promise<void>((r) => (release = r)) }
    inject(plan)
    let settled = false
    const saving = writeFileAtomic(file, 'new').then(() => (settled = true))
    await vi.waitFor(() => expect(plan.log).toContain(`dir-sync ${dir}`))
    await new Promise((r) => setTimeout(r, 50))
    expect(settled, 'acknowledged before the folder fsync').toBe(false)
    release()
    await saving
    plan.log.push('resolved')
    expect(plan.log).toEqual([
      `open ${file}`,
      `write ${file}`,
      `sync ${file}`,
      `close ${file}`,
      `rename ${file}`,
      `dir-open ${dir}`,
      `dir-sync ${dir}`,
      `dir-close ${dir}`,
      'resolved',
    ])
    expect(await fsp.readFile(file, 'utf8')).toBe('new')
  })
})

describe('writeFileAtomic: a fault at each step', () => {
  for (const step of STEPS)
    for (const code of FAULTS[step])
      it(`${code} at ${step}`, async () => {
        const file = path.join(dir, 'labels.json')
        await writeFileAtomic(file, 'previous version\n')
        const plan: Plan = { log: [], fail: { step, code } }
        inject(plan)
        const err = await writeFileAtomic(
          file,
          'next version, longer than the previous one\n',
        ).catch((e: unknown) => e)
        // The failing step is the last one taken (but for the close that always follows).
        expect(plan.log.at(-1)).toMatch(
          step === 'write' || step === 'sync'
            ? /^close /
            : step === 'dir-sync'
              ? /^dir-close /
              : new RegExp(`^${step} `),
        )
        expect(err).toBeInstanceOf(DataError)
        const message = (err as Error).message
        const renamed = step.startsWith('dir-')
        expect(message).toBe(
          `${file}: ${renamed ? 'saved, but the disk could not confirm it' : 'cannot save'}: ${ADVICE[code]}`,
        )
        expect(message).not.toContain('\n')
        // Before the rename the previous version is untouched; after it the new one is whole.
        expect(await fsp.readFile(file, 'utf8')).toBe(
          renamed ? 'next version, longer than the previous one\n' : 'previous version\n',
        )
        expect(await fsp.readdir(dir)).toEqual(['labels.json'])
        // The fault clears: the next save goes through.
        vi.restoreAllMocks()
        await writeFileAtomic(file, 'after the fault\n')
        expect(await fsp.readFile(file, 'utf8')).toBe('after the fault\n')
        expect(await fsp.readdir(dir)).toEqual(['labels.json'])
      })

  it('passes other errors through unchanged (a missing folder stays ENOENT for the caller to word)', async () => {
    const err = await writeFileAtomic(path.join(dir, 'missing', 'f.json'), 'x').catch(
      (e: unknown) => e,
    )
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT')
  })
})

const segs = (n: number, label = 'event'): Segment[] =>
  Array.from({ length: n }, (_, i) => ({ start: i, end: i + 0.5, label }))

async function labelledProject(root: string): Promise<{ p: Project; labelFile: string }> {
  await fsp.writeFile(path.join(root, 'a.wav'), 'RIFF')
  const p = await Project.create(root)
  await p.addMedia(['a.wav'])
  await p.writeLabels('a.wav', segs(3), 0)
  return { p, labelFile: path.join(root, 'labels', 'a.labels.json') }
}

describe('a full disk during a save through the Project', () => {
  for (const step of ['open', 'write', 'sync', 'close', 'rename'] as Step[])
    it(`label save, ENOSPC at ${step} of the label file: labels kept, user told, next save succeeds`, async () => {
      const { p, labelFile } = await labelledProject(dir)
      const before = await fsp.readFile(labelFile, 'utf8')
      inject({ log: [], fail: { step, code: 'ENOSPC', target: (f) => f === labelFile } })
      await expect(p.writeLabels('a.wav', segs(5), 1)).rejects.toThrow(
        `${labelFile}: cannot save: the disk is full; free space and save again`,
      )
      expect(await fsp.readFile(labelFile, 'utf8')).toBe(before)
      expect(await temps(dir)).toEqual([])
      vi.restoreAllMocks()
      // The same save again (the page still holds revision 1, and reads nothing first) now goes through.
      expect(await p.writeLabels('a.wav', segs(5), 1)).toMatchObject({
        revision: 2,
        segments: segs(5),
      })
      expect(await p.readLabels('a.wav')).toMatchObject({ revision: 2, segments: segs(5) })
    })

  it('label save, EIO at the folder fsync: the new labels are whole on disk, the user is told, saving on from them works', async () => {
    const { p, labelFile } = await labelledProject(dir)
    inject({
      log: [],
      fail: { step: 'dir-sync', code: 'EIO', target: (d) => d === path.dirname(labelFile) },
    })
    await expect(p.writeLabels('a.wav', segs(5), 1)).rejects.toThrow(
      `${labelFile}: saved, but the disk could not confirm it: input/output error`,
    )
    vi.restoreAllMocks()
    expect(await p.readLabels('a.wav')).toMatchObject({ revision: 2, segments: segs(5) })
    expect(await p.writeLabels('a.wav', segs(6), 2)).toMatchObject({ revision: 3 })
  })

  it('label save, ENOSPC writing the history version: labels and history kept, user told, next save succeeds', async () => {
    const { p, labelFile } = await labelledProject(dir)
    const before = await snapshot(dir)
    const historyDir = path.join(dir, HISTORY_DIR)
    inject({
      log: [],
      fail: { step: 'write', code: 'ENOSPC', target: (f) => f.startsWith(historyDir) },
    })
    const err = await p.writeLabels('a.wav', segs(5), 1).catch((e: Error) => e)
    expect((err as Error).message).toMatch(
      new RegExp(`^${historyDir}/.*: cannot save: the disk is full; free space and save again$`),
    )
    expect(await snapshot(dir)).toEqual(before)
    vi.restoreAllMocks()
    expect(await p.writeLabels('a.wav', segs(5), 1)).toMatchObject({ revision: 2 })
    expect(JSON.parse(await fsp.readFile(labelFile, 'utf8'))).toMatchObject({
      revision: 2,
      tiers: [{ segments: segs(5) }],
    })
  })

  it('manifest save, ENOSPC: framewise.json and the classes kept, user told, next save succeeds', async () => {
    const { p } = await labelledProject(dir)
    const manifest = path.join(dir, MANIFEST_FILE)
    const before = await fsp.readFile(manifest, 'utf8')
    const classes = [
      { name: 'event', color: '#ff0000', hotkey: 1, role: 'class' as const },
      { name: 'other', color: '#00ff00', hotkey: 2, role: 'class' as const },
    ]
    inject({ log: [], fail: { step: 'write', code: 'ENOSPC', target: (f) => f === manifest } })
    await expect(p.setClasses(classes)).rejects.toThrow(
      `${manifest}: cannot save: the disk is full; free space and save again`,
    )
    expect(await fsp.readFile(manifest, 'utf8')).toBe(before)
    expect(await temps(dir)).toEqual([])
    expect((await p.view()).classes.map((c) => c.name)).not.toContain('other')
    vi.restoreAllMocks()
    await p.setClasses(classes)
    expect((await Project.open(dir).then((q) => q.view())).classes.map((c) => c.name)).toEqual([
      'event',
      'other',
    ])
  })
})

/**
 * A really full filesystem: a 512 kB tmpfs. Mounting needs root (CAP_SYS_ADMIN); where the
 * sandbox refuses it, this part is skipped with the reason, and the injected faults above stand.
 */
describe('a really full disk (tmpfs)', () => {
  const mnt = path.join(os.tmpdir(), `fw-full-${process.pid}`)
  let refused: string | null = null
  let mounted = false
  const mount = async () => {
    await fsp.mkdir(mnt, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt], { stdio: 'pipe' })
      mounted = true
    } catch (err) {
      refused = `mount -t tmpfs refused: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`
    }
  }
  afterAll(async () => {
    if (mounted) execFileSync('umount', [mnt])
    await fsp.rm(mnt, { recursive: true, force: true })
  })

  it('label and manifest saves on a full disk keep the previous version and say so; after freeing space they succeed', async (ctx) => {
    await mount()
    if (refused) {
      console.log(`files.test: skipping the real full-disk case: ${refused}`)
      ctx.skip()
    }
    const root = path.join(mnt, 'project')
    await fsp.mkdir(root)
    const { p, labelFile } = await labelledProject(root)
    // Fill the disk to the last page.
    const filler = path.join(mnt, 'filler')
    const fill = await fsp.open(filler, 'w')
    for (const chunk = Buffer.alloc(4096, 1); ;)
      if (
        !(await fill.write(chunk).then(
          () => true,
          (e: NodeJS.ErrnoException) => (e.code === 'ENOSPC' ? false : Promise.reject(e)),
        ))
      )
        break
    await fill.close()
    const before = await snapshot(root)
    await expect(p.writeLabels('a.wav', segs(1000), 1)).rejects.toThrow(
      /: cannot save: the disk is full; free space and save again$/,
    )
    await expect(
      p.setClasses([
        { name: 'event', color: '#ff0000', hotkey: 1, role: 'class' },
        { name: 'x'.repeat(5000), color: '#00ff00', hotkey: 2, role: 'class' },
      ]),
    ).rejects.toThrow(
      `${path.join(root, MANIFEST_FILE)}: cannot save: the disk is full; free space and save again`,
    )
    expect(await snapshot(root)).toEqual(before)
    await fsp.rm(filler)
    expect(await p.writeLabels('a.wav', segs(1000), 1)).toMatchObject({ revision: 2 })
    expect(JSON.parse(await fsp.readFile(labelFile, 'utf8')).tiers[0].segments).toHaveLength(1000)
    expect(await temps(root)).toEqual([])
  })
})
