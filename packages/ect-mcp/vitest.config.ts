import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-mcp", include: ["test/**/*.test.ts"] },
});
