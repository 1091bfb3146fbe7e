/**
 * The lint stage enforces ARCHITECTURE.md's import table: each planted violation below is an
 * error of eslint.config.js, and each allowed import passes (checked with ESLint's own API on
 * text, so no file is written into the tree).
 */
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: process.cwd() })
const problems = async (filePath: string, code: string) =>
  (await eslint.lintText(code, { filePath })).flatMap((r) => r.messages.map((m) => m.message))

describe('import boundaries (eslint.config.js)', () => {
  it.each([
    ['models/x.ts', "import { readFileSync } from 'node:fs'\nexport const f = readFileSync"],
    ['models/x.ts', "import { api } from '../engine/api'\nexport const a = api"],
    ['engine/x.ts', "import { app } from 'electron'\nexport const a = app"],
    ['engine/x.ts', "import { mount } from 'svelte'\nexport const m = mount"],
    [
      'renderer/lib/x.ts',
      "import { requestNames } from '../../engine/api'\nexport const n = requestNames",
    ],
    [
      'renderer/lib/x.ts',
      "import { ViewState } from '../state/view.svelte'\nexport const v = ViewState",
    ],
    [
      'electron/x.ts',
      "import { tsKernels } from '../models/kernels-ts'\nexport const k = tsKernels",
    ],
    ['electron/x.ts', "import { matchKey } from '../renderer/lib/keys'\nexport const m = matchKey"],
  ])('%s: %s is refused', async (file, code) => {
    expect((await problems(file, code)).join('\n')).toMatch(/restricted/)
  })

  it.each([
    ['renderer/state/x.ts', "import type { Api } from '../../engine/api'\nexport type A = Api"],
    [
      'electron/x.ts',
      "import type { KeyLike } from '../renderer/lib/keys'\nexport type K = KeyLike",
    ],
    [
      'electron/x.test.ts',
      "import { matchKey } from '../renderer/lib/keys'\nexport const m = matchKey",
    ],
    ['engine/x.ts', "import { tsKernels } from '../models/kernels-ts'\nexport const k = tsKernels"],
    ['models/x.test.ts', "import { it } from 'vitest'\nexport const t = it"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await problems(file, code)).toEqual([])
  })
})
