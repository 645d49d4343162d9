import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each file gets its own table (test/support/stack.ts).
    globalSetup: 'test/support/global-setup.ts',
    // Handlers keep per-process singletons (getDeps) built from process.env: a process per file
    // keeps files from seeing each other's configuration.
    pool: 'forks',
    fileParallelism: true,
    testTimeout: 30_000,
    // Starting a stack includes the first handler import (a cold start).
    hookTimeout: 60_000,
  },
});
