import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'electron-vite'
import { workerSources } from './engine/workers'

// Worker entries are built as out/main/<name>-worker.js, where engine/workers.ts looks for them.
const workerInputs = Object.fromEntries(
  Object.entries(workerSources).map(([name, source]) => [`${name}-worker`, `engine/${source}`]),
)

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: { main: 'electron/main.ts', cli: 'engine/cli.ts', ...workerInputs },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require anything: bundle it whole, as CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { preload: 'electron/preload.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: 'renderer/index.html' },
    },
  },
})
