import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-http", include: ["test/**/*.test.ts"] },
});
