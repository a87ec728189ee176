import { defineProject } from "vitest/config";

export default defineProject({
  // Tests start private PostgreSQL servers; on a loaded 2-core machine that takes a moment.
  test: {
    name: "ect-ledger-postgres",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
