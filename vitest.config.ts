import { defineConfig } from 'vitest/config';

// Three tiers. unit: pure code, no root. host: real sockets and namespaces on this kernel (root).
// kernel: user-mode Linux with real IPVS (root). See README "Tests".
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'host',
          include: ['test/host/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          // One retry for tests against real networks, processes and kernels; a retried test is
          // reported by vitest ("retry x1"), so a flake stays visible instead of failing the whole run.
          retry: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          maxWorkers: 2,
          retry: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
