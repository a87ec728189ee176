import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-otel", include: ["test/**/*.test.ts"] },
});
