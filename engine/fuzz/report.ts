/**
 * Figures from the fuzz and crash tests: each test calls `reportFuzz` once with what it ran
 * (cases, crashes, hangs, losses, peak memory, …). The line goes to stdout, and when
 * FW_FUZZ_REPORT names a file it is appended there as one JSON object per line, which
 * `npm run soak` collects into its summary.
 */
import { appendFileSync } from 'node:fs'

/** How many cases a fuzzer runs: its base count times FW_FUZZ_SCALE (default 1). */
export function fuzzScale(): number {
  const scale = Number(process.env.FW_FUZZ_SCALE ?? 1)
  return Number.isFinite(scale) && scale > 0 ? scale : 1
}

export function reportFuzz(name: string, figures: Record<string, number | string>): void {
  const line = JSON.stringify({ fuzzer: name, ...figures })
  console.log(`fuzz report ${line}`)
  const file = process.env.FW_FUZZ_REPORT
  if (file) appendFileSync(file, line + '\n')
}
