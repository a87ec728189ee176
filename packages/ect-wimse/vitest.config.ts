import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-wimse", include: ["test/**/*.test.ts"] },
});
