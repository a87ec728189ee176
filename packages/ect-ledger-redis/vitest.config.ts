import { defineProject } from "vitest/config";

export default defineProject({
  // Tests start private redis-server processes; on a loaded 2-core machine that takes a moment.
  test: {
    name: "ect-ledger-redis",
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
