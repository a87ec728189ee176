import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-mcp-demo", include: ["test/**/*.test.ts"] },
});
