import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-dag", include: ["test/**/*.test.ts"] },
});
