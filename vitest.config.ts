import os from 'node:os'
import path from 'node:path'
import type { Plugin } from 'vite'
import { configDefaults, defineConfig } from 'vitest/config'

const STATE_TESTS = 'renderer/state/**/*.test.ts'

/**
 * Compiles `.svelte.ts` modules (the renderer's state classes, TypeScript already stripped) to
 * Svelte's client code, so their runes and effects run under test. Tests are server-side
 * modules, for which the Svelte plugin would compile no effects; and it would load the compiler
 * for every run, where this loads it only when such a module is imported.
 */
function svelteModules(): Plugin {
  return {
    name: 'framewise:svelte-modules',
    enforce: 'post',
    async transform(code, id) {
      if (!id.split('?')[0].endsWith('.svelte.ts')) return null
      const { compileModule } = await import('svelte/compiler')
      const { js } = compileModule(code, { filename: id, generate: 'client', dev: true })
      return { code: js.code, map: js.map }
    },
  }
}

// Two projects: plain TypeScript everywhere, and the renderer's state classes, which need the
// Svelte compiler and Svelte's client runtime (the `browser` condition).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    // The engine keeps the user's grants (engine/project/grants.ts) under FRAMEWISE_DATA_DIR:
    // tests write theirs to a temp folder, never to the user's own app data.
    env: { FRAMEWISE_DATA_DIR: path.join(os.tmpdir(), 'framewise-test-data') },
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'engine/**/*.test.ts',
            'electron/**/*.test.ts',
            'models/**/*.test.ts',
            'renderer/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, STATE_TESTS],
        },
      },
      {
        extends: true,
        plugins: [svelteModules()],
        resolve: { conditions: ['browser'] },
        test: { name: 'renderer-state', include: [STATE_TESTS] },
      },
    ],
  },
})
