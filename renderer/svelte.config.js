// Svelte 5 with runes everywhere; TypeScript is handled by the Svelte compiler itself.
export default {
  compilerOptions: { runes: true },
}
