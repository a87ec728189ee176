import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-demo",
    include: ["test/**/*.test.ts"],
    // The demo runs as a child process against real servers; give it room on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
