import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-ledger-postgres", include: ["test/**/*.test.ts"] },
});
