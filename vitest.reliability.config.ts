import { defineConfig } from 'vitest/config';

// `pnpm test:reliability`: crash safety, fuzzing, soak, secret leaks and a bad environment,
// against the built binary. Not part of `pnpm test`; `.ci/run` runs it with
// XKSLAB_RELIABILITY_SHORT=1 (fewer cycles, 30 s soak) and folds its counts into its last line.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'reliability',
    include: ['test/reliability/**/*.reliability.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-reliability-report.json' },
    // One suite at a time: they load the machine and time things.
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
  },
});
