// Lint: typescript-eslint's and eslint-plugin-svelte's recommended rules plus the walls of ARCHITECTURE.md as import
// restrictions (for .svelte components too).
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const nodeBuiltins = { group: ['node:*'], message: 'protocol/ and the web apps run in browsers: no node: imports.' };
const electron = { group: ['electron'], message: 'Only desktop/main and desktop/preload may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'bench/results.json'] },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['protocol/**/*.ts'],
    ignores: ['protocol/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            electron,
            { group: ['peerjs', 'simple-peer', 'simple-peer/*', 'svelte', 'svelte/*'], message: 'protocol/ is pure: inject runtime pieces.' },
            { group: ['../*', '!../*.ts'], message: 'protocol/ imports nothing from the other parts.' },
            { group: ['../../*'], message: 'protocol/ imports nothing from the other parts.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['camera-web/src/**/*.ts', 'camera-web/src/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [nodeBuiltins, electron, { group: ['**/desktop/**', '**/peer-server/**'], message: 'The apps meet only on the wire, through protocol/.' }] },
      ],
    },
  },
  {
    files: ['desktop/renderer/src/**/*.ts', 'desktop/renderer/src/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [nodeBuiltins, electron, { group: ['**/camera-web/**', '**/peer-server/**', '**/main/**', '**/preload/**'], message: 'The viewer reaches main only through the preload API and the camera only on the wire.' }] },
      ],
    },
  },
  {
    files: ['peer-server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electron, { group: ['**/camera-web/**', '**/desktop/**'], message: 'peer-server serves the pages\' build output; it never imports page code.' }] }],
      // The node tsconfig includes the DOM lib only for WebCrypto's types; node code must not touch the DOM.
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['desktop/preload/**/*.ts'],
    ignores: ['desktop/preload/**/*.test.ts', 'desktop/preload/vite.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The preload runs sandboxed: no node: imports.' },
            { group: ['**/main/**', '**/renderer/**', '**/camera-web/**', '**/peer-server/**'], message: 'The sandboxed preload imports only protocol/ (and electron): what it shares with main lives there.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage'],
    },
  },
  {
    files: ['desktop/main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**', '**/camera-web/**'], message: 'Main never imports renderer code.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'],
    },
  },
);
