// Module loader hook for the desktop smoke test (registered by scripts/smoke-desktop-run.ts with module.register):
// `import … from 'electron'` anywhere — the built main bundle included, in the repo or in the unpacked asar where no
// node_modules/electron exists — resolves to the stand-in scripts/smoke-desktop-electron.ts. Everything else
// resolves exactly as Node (and Electron's Node) would, so a missing file or a wrong extension still fails.
let standIn = '';

/** Receives the stand-in's URL from `register(…, { data })`. */
export function initialize(data) {
  standIn = data.electron;
}

/** `electron` → the stand-in; the rest untouched. */
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true };
  return nextResolve(specifier, context);
}
