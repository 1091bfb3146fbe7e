/** Test helper: the CLI's main(argv) run in-process, its stdout and stderr captured. */
import { vi } from 'vitest'
import { main } from '../cli'

/** Runs `framewise <argv>` in this process; resolves to the exit code and what it printed. */
export async function runCli(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let [stdout, stderr] = ['', '']
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((s) => ((stdout += String(s)), true))
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((s) => ((stderr += String(s)), true))
  try {
    return { code: await main(argv), stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}
