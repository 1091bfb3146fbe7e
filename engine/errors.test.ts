import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { DataError, isDataError, printable, statFile } from './errors'

describe('DataError', () => {
  it('reads <file>: <problem>, with a line or a byte offset when known', () => {
    expect(new DataError('a.wav', 'not a RIFF/WAVE file').message).toBe(
      'a.wav: not a RIFF/WAVE file',
    )
    const e = new DataError('b.csv', 'ragged row', { line: 7 })
    expect(e.message).toBe('b.csv:7: ragged row')
    expect([e.file, e.line, e.problem]).toEqual(['b.csv', 7, 'ragged row'])
    expect(new DataError('c.wav', 'truncated', { offset: 44 }).message).toBe(
      'c.wav: truncated (at byte 44)',
    )
    expect(isDataError(e)).toBe(true)
  })
  it('statFile turns missing files and folders into DataErrors', async () => {
    await expect(statFile('/nonexistent/x.wav')).rejects.toThrow(
      '/nonexistent/x.wav: cannot open: no such file',
    )
    const d = mkdtempSync(`${tmpdir()}/fw-err-`)
    await expect(statFile(d)).rejects.toThrow(`${d}: cannot open: is a folder, not a file`)
  })
  it('never carries raw bytes or a whole quoted file in its message', () => {
    const e = new DataError(
      'x.csv',
      `header needs start, end and label columns (found \x1b[2J\x9b${'A'.repeat(5000)})`,
    )
    expect(e.message).toMatch(
      /^x\.csv: header needs start, end and label columns \(found \\x1b\[2J\\x9bA+…$/,
    )
    expect(e.message.length).toBeLessThan(700)
  })
  it('printable escapes control bytes, undecodable bytes and lone surrogates, and cuts long text', () => {
    expect(printable('root:$6$ab\n\x00\x1b[2J')).toBe('root:$6$ab\\x0a\\x00\\x1b[2J')
    expect(printable(Buffer.from([0x50, 0x4b, 0xff, 0xfe]).toString('utf8'))).toBe(
      'PK\\u{fffd}\\u{fffd}',
    )
    expect(printable('a\ud800b\u202ec')).toBe('a\\u{d800}b\\u{202e}c')
    expect(printable('é 日本 ✓')).toBe('é 日本 ✓')
    expect(printable('x'.repeat(100), 10)).toBe('x'.repeat(10) + '…')
    expect(printable('x'.repeat(10), 10)).toBe('x'.repeat(10))
  })
})
