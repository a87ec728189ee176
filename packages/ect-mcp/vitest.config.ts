import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ect-mcp",
    include: ["test/**/*.test.ts"],
    // The stdio tests spawn a node process for the server; give it room on a loaded machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
