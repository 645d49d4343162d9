import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (`*.unit.test.ts`: pure code, CDK templates; no Java, no DynamoDB Local) for
 * the fast loop, and `integration` (everything else: DynamoDB Local, the real handlers, the IdP
 * stand-ins, Chromium, the fault proxy). `npm test` runs both; `npm run test:unit` only the first.
 */
export default defineConfig({
  test: {
    // Handlers keep per-process singletons (getDeps) built from process.env: a process per file
    // keeps files from seeing each other's configuration.
    pool: 'forks',
    fileParallelism: true,
    testTimeout: 30_000,
    // Starting a stack includes the first handler import (a cold start).
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.unit.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts'],
          // One DynamoDB Local for the whole run; each file gets its own table (test/support/stack.ts).
          globalSetup: 'test/support/global-setup.ts',
        },
      },
    ],
  },
});
