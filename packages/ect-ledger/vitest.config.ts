import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-ledger", include: ["test/**/*.test.ts"] },
});
