import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-cli",
    include: ["test/**/*.test.ts"],
    // The tests run the built `ect` binary; this builds it when dist is missing or older than src.
    globalSetup: ["test/global-setup.ts"],
    // Every test spawns node processes; give them room on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
