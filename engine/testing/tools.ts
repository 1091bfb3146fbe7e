/**
 * Tests that need a program from Debian (sox, lame, python3-onnx, g++ for the native kernels)
 * skip where it is missing on a developer's machine, but under CI (CI=true) a missing tool is a
 * failure: scripts/install-test-deps.sh installs every one, so a skip there means an install step
 * is missing, and a suite that passes by skipping is not green.
 */
import { spawnSync } from 'node:child_process'

/** True when `command args…` runs; false (skip) when it does not, unless under CI, where it throws. */
export function hasTool(what: string, command: string, args: string[], install: string): boolean {
  if (spawnSync(command, args, { stdio: 'ignore' }).status === 0) return true
  return missing(what, install)
}

/** `available`, or false (skip) off CI; under CI a missing piece throws with its install step. */
export function requireUnderCi(available: boolean, what: string, install: string): boolean {
  return available || missing(what, install)
}

function missing(what: string, install: string): false {
  const message = `${what} is missing (${install})`
  if (process.env.CI === 'true')
    throw new Error(
      `${message}: CI must not skip these tests; add it to scripts/install-test-deps.sh`,
    )
  console.log(`[skipped] ${message}`)
  return false
}
