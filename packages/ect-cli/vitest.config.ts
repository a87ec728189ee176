import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-cli", include: ["test/**/*.test.ts"] },
});
