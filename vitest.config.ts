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
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'media', include: ['test/media/**/*.test.ts'], testTimeout: 180_000 } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 } },
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
