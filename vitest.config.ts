import { defineConfig } from 'vitest/config';

/**
 * Test layers (STYLE.md §10): unit (fakes and client mocks), infra (CDK Template assertions, cdk-nag),
 * integration (the CDK app deployed into the emulator, real ffmpeg), browser (Debian's Chromium).
 * `npm test` runs them all; `vitest run --project unit` runs one.
 */
export default defineConfig({
  test: {
    // One temp folder for the run, removed at its end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    projects: [
      // unit and infra share one module graph per worker instead of one per file (`isolate: false`): each file
      // imported the same modules again, most of these projects' time (unit 184 s → 77 s, infra 251 s → 72 s, where
      // each file imported the CDK app, ~20 s, and synthesized it again). Their files restore what they stub (env,
      // globals, spies), and both pass with their files shuffled (`--sequence.shuffle.files`).
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      { extends: true, test: { name: 'media', include: ['test/media/**/*.test.ts'], testTimeout: 180_000 } },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
