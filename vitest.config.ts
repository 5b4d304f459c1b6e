import { defineConfig } from "vitest/config";

// One project per package. Tests run from source through the `@quiesce/source`
// export condition, so no build is needed before `pnpm test`.
export default defineConfig({
  resolve: { conditions: ["@quiesce/source"] },
  // Tests run in Vite's server (SSR) environment, which does not read `resolve.conditions`:
  // without this, `@quiesce/*` resolve to their built `dist/`. The rest are Vite's defaults.
  ssr: { resolve: { conditions: ["@quiesce/source", "module", "node", "development|production"] } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "core", include: ["packages/core/test/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "executor", include: ["packages/executor/test/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "examples", include: ["examples/test/**/*.test.ts"] },
      },
      {
        // Packs the packages and installs the tarballs into a fresh npm project (#12).
        // It runs after the other projects, alone: its tsc, pnpm and npm runs would
        // take the CPU that the timing-sensitive signal tests need.
        extends: true,
        test: {
          name: "consumer",
          include: ["test/consumer/**/*.test.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Signal and process tests spawn real programs: two cores, so keep it modest.
    maxWorkers: 2,
  },
});
