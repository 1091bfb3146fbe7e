import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  assertRegular,
  assertWritable,
  openRegularSync,
  readRegular,
  readRegularText,
  timeBound,
} from './input-files'

const dir = mkdtempSync(path.join(tmpdir(), 'fw-input-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const fifo = path.join(dir, 'pipe.json')
execFileSync('mkfifo', [fifo])
const regular = path.join(dir, 'a.json')
writeFileSync(regular, '{"a":1}')
const loop = path.join(dir, 'loop')
symlinkSync(loop, loop)

describe('input files', () => {
  it('reads a regular file, and refuses one over the limit before reading it', async () => {
    expect(await readRegularText(regular, 100)).toBe('{"a":1}')
    await expect(readRegular(regular, 3)).rejects.toThrow(`${regular}: is 0.00 MB, larger than`)
  })

  it('checks the limit while reading too: a file whose stated size is 0 (procfs) is read, or refused when over', async () => {
    const text = await readRegularText('/proc/self/status', 1024 * 1024)
    expect(text).toMatch(/^Name:/)
    await expect(readRegular('/proc/self/status', 10)).rejects.toThrow(
      '/proc/self/status: is 0.00 MB, larger than the 0.00 MB',
    )
  })

  it.each([
    [fifo, 'is a named pipe (FIFO), not a regular file'],
    ['/dev/zero', 'is a character device, not a regular file'],
    ['/dev/null', 'is a character device, not a regular file'],
    [dir, 'is a folder, not a file'],
    [path.join(dir, 'missing.json'), 'cannot open: no such file'],
    [loop, 'cannot open: too many levels of symbolic links'],
  ])('refuses %s at once with one line', async (file, problem) => {
    const started = Date.now()
    await expect(readRegular(file, 1024)).rejects.toThrow(`${file}: ${problem}`)
    await expect(assertRegular(file)).rejects.toThrow(`${file}: ${problem}`)
    expect(() => openRegularSync(file)).toThrow(`${file}: ${problem}`)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses to write over a FIFO, device or folder, and allows a new or regular file', async () => {
    await expect(assertWritable(fifo)).rejects.toThrow(
      `${fifo}: is a named pipe (FIFO), not a regular file; choose a file name to write to`,
    )
    await expect(assertWritable('/dev/zero')).rejects.toThrow('/dev/zero: is a character device')
    await expect(assertWritable(dir)).rejects.toThrow(`${dir}: is a folder, not a file`)
    await expect(assertWritable(loop)).rejects.toThrow(
      `${loop}: cannot open: too many levels of symbolic links`,
    )
    expect(await assertWritable(path.join(dir, 'new.json'))).toBeNull()
    expect((await assertWritable(regular))?.size).toBe(7)
  })

  it('gives up on a call that does not answer', async () => {
    await expect(timeBound('/mnt/x', new Promise(() => {}), 20)).rejects.toThrow(
      '/mnt/x: did not answer within 0 s',
    )
  })
})
