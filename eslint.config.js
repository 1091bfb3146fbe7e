// Lint stage of `npm test`: the import boundaries of ARCHITECTURE.md's table ("who may import
// whom"), so that a violation fails the build instead of waiting for a review. Formatting is
// Prettier's (`npm run format:check`); type errors are tsc's and svelte-check's.
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const NON_RELATIVE = {
  regex: '^(?!\\.)',
  message: 'models/ is pure TS: no Node APIs or npm libraries',
}
const noImports = (...groups) =>
  groups.map((group) => ({ group: [group], message: `may not import ${group}` }))
/** Type-only imports of `group` are fine; values are not. */
const typesOnly = (group, why) => ({ group: [group], allowTypeImports: true, message: why })

/** `no-restricted-imports` for files matching `files`, with TS type-import awareness. */
const boundary = (files, patterns, paths = []) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns, paths }] },
})

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'build/', 'test-results/', 'playwright-report/', 'dist/'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.svelte'],
    languageOptions: { parser: tseslint.parser, globals: { ...globals.node, ...globals.browser } },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  ...svelte.configs['flat/base'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },

  // models/: nothing outside models/, no Node APIs or npm libraries (its tests may use vitest).
  boundary(
    ['models/**/*.ts'],
    [NON_RELATIVE, ...noImports('**/engine/**', '**/electron/**', '**/renderer/**')],
  ),
  boundary(
    ['models/**/*.test.ts'],
    [
      { regex: '^(?!\\.|vitest$)', message: 'models/ tests use vitest and models/ only' },
      ...noImports('**/engine/**', '**/electron/**', '**/renderer/**'),
    ],
  ),

  // engine/: models/ and Node, never electron, svelte or the renderer.
  boundary(
    ['engine/**/*.ts'],
    noImports('**/electron/**', '**/renderer/**', 'svelte', 'svelte/*'),
    [{ name: 'electron', message: 'engine/ never imports electron (electron/ calls the engine)' }],
  ),

  // electron/: the engine, and from the renderer only the key map's types (tests may run it).
  boundary(
    ['electron/**/*.ts'],
    [
      ...noImports('**/models/**'),
      {
        regex: 'renderer/lib/keys$',
        allowTypeImports: true,
        message: 'electron/ may import only the types of renderer/lib/keys.ts',
      },
      { regex: 'renderer/(?!lib/keys$)', message: 'electron/ does not import the renderer' },
    ],
  ),
  boundary(
    ['electron/**/*.test.ts'],
    [
      ...noImports('**/models/**'),
      {
        regex: 'renderer/(?!lib/(keys|menu)$)',
        message: 'electron/ tests may run only renderer/lib/keys.ts and lib/menu.ts',
      },
    ],
  ),

  // renderer/: the engine's and electron/'s types only; lib/ never state/ (tests may import engine values).
  boundary(
    ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    [
      ...noImports('**/models/**'),
      typesOnly(
        '**/engine/**',
        'renderer/ imports engine/ with `import type` only (it runs in the page)',
      ),
      typesOnly('**/electron/**', 'renderer/ imports electron/ with `import type` only'),
    ],
  ),
  boundary(
    ['renderer/**/*.test.ts'],
    [
      ...noImports('**/models/**'),
      typesOnly('**/electron/**', 'renderer/ imports electron/ with `import type` only'),
    ],
  ),
  boundary(
    ['renderer/lib/**/*.ts'],
    [
      ...noImports('**/models/**', '../state/*', '**/renderer/state/**'),
      typesOnly(
        '**/engine/**',
        'renderer/ imports engine/ with `import type` only (it runs in the page)',
      ),
      typesOnly('**/electron/**', 'renderer/ imports electron/ with `import type` only'),
    ],
  ),
  boundary(
    ['renderer/lib/**/*.test.ts'],
    [...noImports('**/models/**', '../state/*', '**/renderer/state/**')],
  ),
)
