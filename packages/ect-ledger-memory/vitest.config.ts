import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-ledger-memory", include: ["test/**/*.test.ts"] },
});
