import { defineConfig } from 'vitest/config';

// End-to-end tests: real Chromium (and other engines) against the real server on loopback, run inside a
// loopback-only network namespace by scripts/in-netns.mjs. Files run one at a time: the machine has 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
    retry: 0,
  },
});
