import { defineConfig } from 'vitest/config';

// Unit tests: `*.test.ts` beside the code. End-to-end tests have their own config (vitest.e2e.config.ts).
export default defineConfig({
  test: {
    include: ['protocol/**/*.test.ts', 'peer-server/**/*.test.ts', 'desktop/**/*.test.ts', 'camera-web/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/*.e2e.test.ts', 'node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    // A listener's failing assertion fails its test (TypedEmitter would otherwise only log it).
    setupFiles: ['protocol/testing/unit-setup.ts'],
  },
});
