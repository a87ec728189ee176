import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ect-ledger-testkit", include: ["test/**/*.test.ts"] },
});
