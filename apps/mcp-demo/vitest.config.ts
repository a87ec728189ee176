import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-mcp-demo",
    include: ["test/**/*.test.ts"],
    // The demo runs as a child process; give it room on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
