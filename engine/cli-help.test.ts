import { describe, expect, it } from 'vitest'
import { runCli } from './testing/cli'

const COMMANDS = ['info', 'predict', 'train', 'eval', 'features', 'convert', 'score', 'serve']
const wide = (text: string) => text.split('\n').filter((l) => l.length > 80)

describe('framewise help', () => {
  it('--help fits an 80-column terminal: usage lines, then one short line per command', async () => {
    const r = await runCli(['--help'])
    expect(r.code).toBe(0)
    expect(wide(r.stdout)).toEqual([])
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'))
    expect(r.stdout).toContain('framewise help <command>')
  })

  it.each(COMMANDS)('help %s gives its usage and details within 80 columns', async (c) => {
    const r = await runCli(['help', c])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`framewise ${c}`)
    expect(wide(r.stdout)).toEqual([])
    expect((await runCli([c, '--help'])).stdout).toBe(r.stdout)
  })

  it('help for an unknown command is a usage error', async () => {
    const r = await runCli(['help', 'trian'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^framewise: unknown command 'trian'$/m)
  })

  it("a malformed option is one line, not the parser's several", async () => {
    const r = await runCli(['serve', '--port', '-1'])
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toMatch(
      /^framewise: Option '--port' argument is ambiguous\. Did you forget/,
    )
    expect(r.stderr).not.toContain('\\x0a')
  })
})
