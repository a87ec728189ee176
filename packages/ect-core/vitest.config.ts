import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-core", include: ["test/**/*.test.ts"] },
});
