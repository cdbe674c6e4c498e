import { defineConfig } from "vitest/config";

/** Drives the compiled binary (npm run build first). */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 120_000,
    pool: "forks",
  },
});
