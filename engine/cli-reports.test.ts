/**
 * What the CLI tells a user when something is wrong: exactly one stderr line
 * `framewise: <file>: <problem>` naming the file, no stack trace, no raw control bytes, and the
 * exit code (1 bad input, 2 usage) — for damaged label files under `info`, bad `--out` paths,
 * `serve --project` on a missing or hostile folder, binary input, and errors nobody expected.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commands } from './cli'
import { runCli } from './testing/cli'
import { rmsModel, toneWav } from './infer/testing'
import { Project } from './project/store'
import { releaseSessions } from './onnx/read'

let dir: string
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-cli-reports-'))
  await fs.writeFile(path.join(dir, 'tone.wav'), toneWav(1, 0.2, 0.6))
  await fs.writeFile(path.join(dir, 'model.onnx'), rmsModel(0.1))
  await fs.writeFile(path.join(dir, 'a.txt'), '0.1\t0.5\ttone\n')
  await fs.writeFile(
    path.join(dir, 'binary.txt'),
    Buffer.from('0.1\t\x1b[31m\x00\xff\xfe\x07tone\x1b]0;pwned\x07\n', 'latin1'),
  )
  await fs.mkdir(path.join(dir, 'folder'))
})
afterAll(async () => {
  await releaseSessions()
  await fs.rm(dir, { recursive: true, force: true })
})

const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\ufffd]/

/** Exactly one `framewise: ` line on stderr naming `file`, no stack, no raw control bytes. */
function expectOneLine(
  r: { code: number; stdout: string; stderr: string },
  file: string,
  code: number,
): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^framewise: /)
  expect(lines[0]).toContain(file)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL)
  expect(r.code).toBe(code)
  return lines[0]
}

/** A project with one recording whose label file `damage` then replaces. */
async function damagedProject(
  name: string,
  damage: (labels: string) => Promise<void>,
): Promise<{ root: string; labels: string }> {
  const root = path.join(dir, name)
  await fs.mkdir(root)
  await fs.copyFile(path.join(dir, 'tone.wav'), path.join(root, 'tone.wav'))
  const project = await Project.create(root)
  await project.setClasses([
    { name: 'background', color: '#999999', hotkey: null, role: 'background' },
    { name: 'tone', color: '#ff0000', hotkey: 1, role: 'class' },
  ])
  await project.addMedia(['tone.wav'])
  await project.writeLabels('tone.wav', [{ start: 0.2, end: 0.6, label: 'tone' }], 0)
  const labels = path.join(root, project.media[0].labels)
  await damage(labels)
  return { root, labels }
}

describe('framewise info on a project with a damaged label file', () => {
  it('reports a label file that is a folder, per file, and exits 1', async () => {
    const { root, labels } = await damagedProject('dir-labels', async (f) => {
      await fs.rm(f)
      await fs.mkdir(f)
    })
    const r = await runCli(['info', root])
    expectOneLine(r, path.basename(labels), 1)
    const media = JSON.parse(r.stdout).media
    expect(media[0]).toMatchObject({
      path: 'tone.wav',
      problem: expect.stringContaining(path.basename(labels)),
    })
  })

  it('reports a 2 GB label file, per file, and exits 1', async () => {
    const { root, labels } = await damagedProject('huge-labels', async (f) => {
      const h = await fs.open(f, 'w')
      await h.truncate(2 * 2 ** 30) // sparse: no disk used
      await h.close()
    })
    const r = await runCli(['info', root])
    expectOneLine(r, path.basename(labels), 1)
    expect(JSON.parse(r.stdout).media[0].problem).toMatch(/./)
  })

  it('still exits 0 with no problem for a sound project', async () => {
    const { root } = await damagedProject('sound', async () => {})
    const r = await runCli(['info', root])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(r.stdout).media[0]).toMatchObject({ segmentCount: 1 })
    expect(JSON.parse(r.stdout).media[0].problem).toBeUndefined()
  })
})

describe('bad --out paths', () => {
  it('predict: an existing file given as the --out folder', async () => {
    const out = path.join(dir, 'a.txt')
    const line = expectOneLine(
      await runCli([
        'predict',
        path.join(dir, 'model.onnx'),
        path.join(dir, 'tone.wav'),
        '--out',
        out,
      ]),
      out,
      1,
    )
    expect(line).toMatch(/folder/)
  })

  it('convert: a missing output folder', async () => {
    const missing = path.join(dir, 'no-such-folder')
    const line = expectOneLine(
      await runCli([
        'convert',
        path.join(dir, 'a.txt'),
        '--to',
        'json',
        '--out',
        path.join(missing, 'x.json'),
      ]),
      missing,
      1,
    )
    expect(line).toMatch(/create it first/)
  })

  it('features: a missing output folder', async () => {
    const missing = path.join(dir, 'no-such-folder')
    expectOneLine(
      await runCli(['features', path.join(dir, 'tone.wav'), '--out', path.join(missing, 'f.csv')]),
      missing,
      1,
    )
  })

  it('train: a missing output folder, before any training', async () => {
    const missing = path.join(dir, 'no-such-folder')
    expectOneLine(
      await runCli(['train', path.join(dir, 'sound'), '--out', path.join(missing, 'm.onnx')]),
      missing,
      1,
    )
  })

  it('convert and features: an output that is a folder', async () => {
    const out = path.join(dir, 'folder')
    const a = expectOneLine(
      await runCli(['convert', path.join(dir, 'a.txt'), '--to', 'json', '--out', out]),
      out,
      1,
    )
    expect(a).toMatch(/folder/)
    expectOneLine(await runCli(['features', path.join(dir, 'tone.wav'), '--out', out]), out, 1)
  })
})

describe('serve --project', () => {
  it('on a missing folder', async () => {
    const missing = path.join(dir, 'no-such-project')
    expectOneLine(await runCli(['serve', '--project', missing]), missing, 1)
  })

  it('on a folder whose framewise.json is binary garbage', async () => {
    const root = path.join(dir, 'hostile')
    await fs.mkdir(root)
    await fs.writeFile(
      path.join(root, 'framewise.json'),
      Buffer.from('\x1b[2J\x00\xff{"format":\x07', 'latin1'),
    )
    expectOneLine(await runCli(['serve', '--project', root]), 'framewise.json', 1)
  })

  it('on a folder whose framewise.json is a folder', async () => {
    const root = path.join(dir, 'hostile-dir')
    await fs.mkdir(path.join(root, 'framewise.json'), { recursive: true })
    expectOneLine(await runCli(['serve', '--project', root]), root, 1)
  })
})

describe('binary input and unexpected errors', () => {
  it('escapes the bytes of a binary label file instead of printing them', async () => {
    const file = path.join(dir, 'binary.txt')
    expectOneLine(
      await runCli(['convert', file, '--to', 'json', '--out', path.join(dir, 'b.json')]),
      file,
      1,
    )
  })

  it('escapes a file name with control bytes in progress lines too', async () => {
    const named = path.join(dir, 'named')
    await fs.mkdir(named)
    await fs.copyFile(path.join(dir, 'tone.wav'), path.join(named, 'x\x1b]0;pwned\x07.wav'))
    const r = await runCli([
      'predict',
      path.join(dir, 'model.onnx'),
      named,
      '--out',
      path.join(dir, 'named-out'),
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('x\\x1b]0;pwned\\x07.wav')
    expect(r.stderr).not.toMatch(RAW_CONTROL)
  })

  it('names the file of a file-system error nobody turned into a DataError', async () => {
    const file = path.join(dir, 'gone\x1b[31m.wav')
    commands.fsfail = {
      usage: 'fsfail',
      brief: 'test',
      summary: 'test',
      run: () =>
        Promise.reject(
          Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), {
            code: 'ENOENT',
            path: file,
          }),
        ),
    }
    try {
      const line = expectOneLine(await runCli(['fsfail']), 'gone\\x1b[31m.wav', 1)
      expect(line).toMatch(/no such file/)
    } finally {
      delete commands.fsfail
    }
  })

  it('prints an unexpected error as one line with a hint, and the stack with FRAMEWISE_DEBUG=1', async () => {
    commands.boom = {
      usage: 'boom',
      brief: 'test',
      summary: 'test',
      run: () => Promise.reject(new TypeError('x is not a function\nsecond line')),
    }
    try {
      const line = expectOneLine(await runCli(['boom']), 'x is not a function', 1)
      expect(line).toMatch(/FRAMEWISE_DEBUG=1/)
      process.env.FRAMEWISE_DEBUG = '1'
      const debug = await runCli(['boom'])
      expect(debug.stderr).toMatch(/^\s+at /m)
    } finally {
      delete process.env.FRAMEWISE_DEBUG
      delete commands.boom
    }
  })
})
