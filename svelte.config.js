// Svelte 5 with runes; TypeScript in components is handled by the Vite plugin.
export default {
  compilerOptions: { runes: true },
};
